"""Debian's headless Chromium for the browser tests, started one way.

Skipped, with the reason, where chromium, chromedriver or selenium is missing,
except under CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).is_file():
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


def start_chromium(
    tmp_path_factory: Any,
    *,
    javascript: bool = True,
    width: int = 1200,
    height: int = 900,
    extra_args: tuple[str, ...] = (),
    performance_log: bool = False,
) -> Any:
    """A selenium driver for headless Chromium with no network of its own.

    ``extra_args`` go to Chromium's command line; ``performance_log`` keeps the
    DevTools events (every request) for ``driver.get_log("performance")``.
    """
    reason = missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        *extra_args,
    ):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
