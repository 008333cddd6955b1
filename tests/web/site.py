"""The built in-browser site (web/build.py), served on 127.0.0.1 for the browser tests.

The site must be built from the current checkout: under CI (CI=true) the
fixture builds it; elsewhere a missing or out-of-date site skips the tests
with the command that builds it.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: A folder to copy the screenshots to as well (besides pytest's temporary one), if set.
SCREENSHOTS_ENV_VAR = "AUTOGRAD_SCALAR_SCREENSHOTS"
#: Every host but this machine's loopback is unresolvable in the browser.
NO_OTHER_HOST = '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"'


def build_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "autograd_scalar_web_build", ROOT / "web" / "build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def built_site(*, lite: bool) -> Path:
    """The site's folder, built (under CI) or skipped for (elsewhere) if not current."""
    build = build_module()
    out = Path(os.environ.get("AUTOGRAD_SCALAR_WEB_SITE", build.DEFAULT_OUT))
    if build.is_current(out, lite=lite):
        return out
    if os.environ.get("CI") == "true":
        return build.ensure_built(out, lite=lite)
    what = " --lite" if lite else ""
    pytest.skip(f"{out} is not built from this checkout: python web/build.py{what}")
    raise AssertionError  # unreachable: skip raises


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".whl": "application/zip",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        SERVED.setdefault(self.server.server_port, []).append(self.path)  # type: ignore[attr-defined]


#: The paths each test server (by port) was asked for, from every page and worker:
#: the browser's DevTools log only has the page's own requests.
SERVED: dict[int, list[str]] = {}


@functools.cache
def _quiet_handler(directory: str) -> Any:
    return functools.partial(_Handler, directory=directory)


def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while the generator is open."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _quiet_handler(str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def served_paths(url: str) -> list[str]:
    """The paths the server at ``url`` (from :func:`serve`) has served so far."""
    return list(SERVED.get(int(urlsplit(url).port or 0), []))


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call (DevTools' network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def other_hosts(urls: list[str]) -> list[str]:
    """The URLs that are not this machine's loopback (nor data:, blob:, about: or the
    browser's own chrome: pages)."""
    found = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.scheme.startswith(
            ("chrome", "devtools")
        ):
            continue
        if parts.hostname != "127.0.0.1":
            found.append(url)
    return found


def keep_screenshot(driver: Any, folder: Path, name: str) -> Path:
    """Save a screenshot in ``folder`` and in $AUTOGRAD_SCALAR_SCREENSHOTS if set."""
    path = folder / name
    driver.save_screenshot(str(path))
    copies = os.environ.get(SCREENSHOTS_ENV_VAR)
    if copies:
        shutil.copy2(path, Path(copies) / name)
    return path


def isolated_chromium(tmp_path_factory: Any) -> Iterator[Any]:
    """Headless Chromium that resolves no host but 127.0.0.1 and keeps its
    network log (for :func:`requested_urls`); quit when the tests are done."""
    from tests.viz.browser import start_chromium

    driver = start_chromium(
        tmp_path_factory, width=1400, height=1000, extra_args=(NO_OTHER_HOST,), performance_log=True
    )
    yield driver
    driver.quit()
