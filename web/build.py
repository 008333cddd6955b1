"""Build the in-browser site: the playground and the notebooks in JupyterLite.

    python web/build.py              # build web/_site (skipped when up to date)
    python web/build.py --force      # build it again
    python web/build.py --no-lite    # the playground only, without JupyterLite
    python -m http.server -d web/_site 8000   # then open http://127.0.0.1:8000/

Everything the site loads is served from it, and everything comes from the
package registries: Pyodide and Graphviz-in-WebAssembly from npm (pinned by
web/package-lock.json, installed with ``npm ci``), this library's wheel (built
from the checkout) and the pure-Python ``graphviz`` wheel from PyPI. Nothing is
fetched from anywhere else, when building or in the browser.

Layout of the output folder::

    index.html                 links to the two below
    playground/                the playground page and its examples
    runtime/pyodide/           the Pyodide runtime (no package wheels)
    runtime/viz/viz-global.js  Graphviz compiled to WebAssembly
    runtime/wheels/            autograd_scalar and graphviz wheels
    runtime/manifest.json      which wheels to unpack, which examples to list
    lite/                      JupyterLite with the notebooks (see lite.py)

The docs build calls :func:`ensure_built` (docs/conf.py) and copies the site
into the HTML output; a stamp file records a hash of the inputs so an unchanged
site is not built twice.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
DEFAULT_OUT = WEB / "_site"
STAMP = ".build-stamp"

#: The pure-Python wheels the library needs in the browser (graphviz writes DOT).
BROWSER_WHEELS = ["graphviz==0.21"]
#: The Pyodide runtime files the site serves (the npm package's, less maps and Node's).
PYODIDE_FILES = [
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]
VIZ_JS = "viz-global.js"


def log(message: str) -> None:
    print(f"[web] {message}", flush=True)


def run(command: list[str], cwd: Path | None = None) -> None:
    log("$ " + " ".join(command))
    subprocess.run(command, cwd=cwd, check=True)


def missing_tools(*, lite: bool = False) -> str | None:
    """Why the site (with JupyterLite if ``lite``) cannot be built here, or None."""
    if shutil.which("npm") is None and not (WEB / "node_modules" / "pyodide").is_dir():
        return "npm is not installed (apt-get install nodejs npm)"
    if lite and importlib.util.find_spec("jupyterlite_core") is None:
        return (
            "JupyterLite is not installed (pip install -e '.[web]'; or AUTOGRAD_SCALAR_WEB_LITE=0)"
        )
    return None


def inputs_hash() -> str:
    """A hash of everything the site is built from."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", WEB / "package-lock.json"]
    for folder in (ROOT / "autograd_scalar", WEB / "playground", WEB / "lite", ROOT / "notebooks"):
        if folder.is_dir():
            found = folder.rglob("*")
            files += sorted(p for p in found if p.is_file() and "__pycache__" not in p.parts)
    files += sorted(WEB.glob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stamp(lite: bool) -> str:
    return inputs_hash() + (" with JupyterLite" if lite else " playground only")


def is_current(out: Path = DEFAULT_OUT, *, lite: bool = False) -> bool:
    """Whether ``out`` was built, with (or without) JupyterLite, from these inputs."""
    stamp = out / STAMP
    if not stamp.is_file():
        return False
    built = stamp.read_text().strip()
    return built == _stamp(lite) or (not lite and built == _stamp(True))  # a superset will do


def npm_packages() -> Path:
    """web/node_modules as web/package-lock.json pins it."""
    modules = WEB / "node_modules"
    lock = WEB / "package-lock.json"
    installed = modules / ".package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("[web] npm is not installed (apt-get install nodejs npm)")
        run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB)
    return modules


def wheels(into: Path) -> list[str]:
    """This checkout's wheel and the browser's pure-Python dependencies, in ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
        run([*pip, "wheel", "--no-deps", "-w", tmp, str(ROOT)])
        run([*pip, "download", "--no-deps", "--only-binary=:all:", "-d", tmp, *BROWSER_WHEELS])
        names = []
        for wheel in sorted(Path(tmp).glob("*.whl")):
            if not wheel.name.endswith("-py3-none-any.whl"):
                raise SystemExit(f"[web] {wheel.name} is not a pure-Python wheel")
            shutil.copy2(wheel, into / wheel.name)
            names.append(wheel.name)
    return names


def examples() -> list[dict[str, str]]:
    """The playground's examples: each file's first line (a comment) is its title."""
    found = []
    for path in sorted((WEB / "playground" / "examples").glob("*.py")):
        title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        found.append({"file": path.name, "title": title})
    return found


def _lite_module() -> Any:
    """web/lite.py, next to this file (web/ is not a package)."""
    spec = importlib.util.spec_from_file_location("autograd_scalar_web_lite", WEB / "lite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(out: Path = DEFAULT_OUT, *, lite: bool = False) -> Path:
    """Build the whole site into ``out`` and return it."""
    started = time.perf_counter()
    reason = missing_tools(lite=lite)
    if reason is not None:
        raise SystemExit(f"[web] cannot build the site: {reason}")
    modules = npm_packages()
    if out.exists():
        shutil.rmtree(out)
    runtime = out / "runtime"
    (runtime / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy2(modules / "pyodide" / name, runtime / "pyodide" / name)
    (runtime / "viz").mkdir()
    shutil.copy2(modules / "@viz-js" / "viz" / "dist" / VIZ_JS, runtime / "viz" / VIZ_JS)
    names = wheels(runtime / "wheels")
    manifest = {"wheels": names, "examples": examples()}
    (runtime / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    shutil.copytree(WEB / "playground", out / "playground")
    shutil.copy2(WEB / "index.html", out / "index.html")
    if lite:
        _lite_module().build_lite(out, modules, runtime / "wheels")
    (out / STAMP).write_text(_stamp(lite) + "\n")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    log(f"built {out} ({size:.1f} MB) in {time.perf_counter() - started:.0f} s")
    return out


def ensure_built(out: Path = DEFAULT_OUT, *, lite: bool = False) -> Path:
    """Build ``out`` unless it is already built from the same inputs."""
    if is_current(out, lite=lite):
        log(f"{out} is up to date")
        return out
    return build(out, lite=lite)


def lite_wanted() -> bool:
    """JupyterLite is built unless AUTOGRAD_SCALAR_WEB_LITE=0 (or ``--no-lite``)."""
    return os.environ.get("AUTOGRAD_SCALAR_WEB_LITE", "1") != "0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the site's folder")
    parser.add_argument("--force", action="store_true", help="build even if up to date")
    parser.add_argument(
        "--no-lite", action="store_true", help="leave JupyterLite out (the playground only)"
    )
    args = parser.parse_args(argv)
    lite = lite_wanted() and not args.no_lite
    if args.force:
        build(args.out, lite=lite)
    else:
        ensure_built(args.out, lite=lite)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
