"""The notebooks in JupyterLite, with the library preloaded and nothing fetched from elsewhere.

Called by web/build.py (``build_lite``). It lays out a JupyterLite source folder
and runs ``jupyter lite build`` on it:

* ``static/pyodide/``: the Pyodide runtime from the npm package (the version
  jupyterlite-pyodide-kernel expects, :data:`PYODIDE_VERSION`), which the
  build copies and uses instead of fetching a release tarball; with micropip
  and packaging from PyPI (the npm package ships no wheels), their entries in
  ``pyodide-lock.json`` made to match those files, and ``viz-global.js``
  (Graphviz in WebAssembly) for the diagrams.
* The kernel's own start-up packages (ipython and its dependencies, comm, the
  kernel's wheels) and this library's wheels are locked by the kernel's
  pyodide-lock addon (``jupyterlite-pyodide-lock``: it solves the lock with
  micropip in headless Chromium, then its offline step copies every wheel into
  the site and prunes the lock to them), preloaded with
  ``loadPyodideOptions.packages``; ``disablePyPIFallback`` is on.
* ``files/``: the notebooks that need neither NumPy nor matplotlib nor
  hypothesis (:data:`LEFT_OUT` says why the others are not there).

NOT WORKING YET: the kernel does not start. Pyodide's ssl and sqlite3 are
compiled packages that only its CDN serves (neither npm's pyodide nor PyPI has
them), and the kernel insists on loading them. They are kept out of the solve,
then named in the final lock with files the site does not have, so Pyodide
logs that it could not load them and goes on; but IPython (8.23 as well as
8.39) imports sqlite3 unconditionally (IPython/core/history.py), so
``import pyodide_kernel`` fails. Hence web/build.py builds this only when asked
(``--lite`` or AUTOGRAD_SCALAR_WEB_LITE=1), and its browser test is skipped
otherwise. What would fix it: a sqlite3 package for Pyodide from a registry.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent

#: The Pyodide that jupyterlite-pyodide-kernel 0.5.2 is built for (web/package.json pins it).
PYODIDE_VERSION = "0.27.1"
#: Notebooks left out of JupyterLite, and why.
LEFT_OUT = {
    "06-two-moons.ipynb": "matplotlib",
    "07-vanishing-gradients.ipynb": "matplotlib",
    "10-testing-your-own-op.ipynb": "hypothesis",
    "11-record-once-replay-vectorised.ipynb": "NumPy",
}
#: From PyPI into static/pyodide: what the lock's own page loads first (no CDN here).
BOOTSTRAP_WHEELS = {"micropip": "0.8.0", "packaging": "23.2"}
#: Compiled Pyodide packages only its CDN has: dropped from the lock.
CDN_ONLY = ("ssl", "sqlite3", "openssl")
#: Everything the kernel starts with, solved from PyPI by the lock addon.
SPECS = ["ipython<9", "comm"]
#: Relative to the kernel's web worker script (extensions/<kernel>/static/).
VIZ_JS_FROM_WORKER = "../../../../static/pyodide/viz-global.js"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def log(message: str) -> None:
    print(f"[web:lite] {message}", flush=True)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pyodide_folder(modules: Path, into: Path) -> None:
    """static/pyodide: the npm runtime, micropip and packaging from PyPI, viz-global.js."""
    npm = modules / "pyodide"
    version = json.loads((npm / "package.json").read_text())["version"]
    if version != PYODIDE_VERSION:
        raise SystemExit(
            f"[web:lite] npm has pyodide {version}, the kernel expects {PYODIDE_VERSION}"
        )
    into.mkdir(parents=True)
    for path in npm.iterdir():
        runtime = path.suffix in {".js", ".mjs", ".wasm", ".zip", ".json"}
        if path.is_file() and runtime and path.name != "package.json":
            shutil.copy2(path, into / path.name)
    shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz-global.js", into / "viz-global.js")
    pins = [f"{name}=={version}" for name, version in BOOTSTRAP_WHEELS.items()]
    subprocess.run(
        [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", "download",
         "--no-deps", "--only-binary=:all:", "--python-version", "3.12", "--platform", "any",
         "-d", str(into), *pins],
        check=True,
    )  # fmt: skip
    lock_path = into / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    packages = lock["packages"]
    for name in CDN_ONLY:
        packages.pop(name, None)
    for info in packages.values():
        info["depends"] = [d for d in info["depends"] if d not in CDN_ONLY]
    for name in BOOTSTRAP_WHEELS:
        info = packages[name]
        wheel = into / info["file_name"]
        if not wheel.is_file():
            raise SystemExit(f"[web:lite] PyPI's {name} wheel is not named {info['file_name']}")
        info["sha256"] = _sha256(wheel)
    lock_path.write_text(json.dumps(lock))


def _config(wheels: Path, cache: Path) -> dict[str, object]:
    library = [str(p) for p in sorted(wheels.glob("*.whl"))]
    names = [Path(p).name.split("-")[0] for p in library]
    return {
        "LiteBuildConfig": {
            "apps": ["lab", "notebooks"],
            "no_sourcemaps": True,
            "cache_dir": str(cache),
        },
        # the local runtime, not a release tarball from elsewhere
        "PyodideAddon": {"pyodide_url": "static/pyodide"},
        "PyodideLockAddon": {
            "enabled": True,
            "locker": "BrowserLocker",
            "specs": SPECS,
            "packages": library,
            "extra_preload_packages": names,
        },
        "PyodideLockOfflineAddon": {
            "enabled": True,
            "prune": True,
            "includes": [
                "^comm$",
                "^ipykernel",
                "^ipython$",
                "^micropip$",
                "^piplite$",
                "^pyodide-kernel$",
                *[f"^{n.replace('_', '[-_]')}$" for n in names],
            ],
        },
        "BrowserLocker": {
            "browser_argv": [
                shutil.which("chromium") or "/usr/bin/chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                f"--user-data-dir={cache / 'locker-profile'}",
            ],
        },
    }


def _runtime_settings() -> dict[str, object]:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "autograd_scalar notebooks",
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {
                        "env": {"AUTOGRAD_SCALAR_VIZ_JS": VIZ_JS_FROM_WORKER},
                    },
                }
            },
        },
    }


def notebooks() -> list[Path]:
    return [p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if p.name not in LEFT_OUT]


def build_lite(out: Path, modules: Path, wheels: Path) -> Path:
    """Build JupyterLite into ``out``/lite from the npm ``modules`` and the library's ``wheels``."""
    target = out / "lite"
    with tempfile.TemporaryDirectory(prefix="autograd-scalar-lite-") as tmp:
        lite_dir = Path(tmp) / "lite"
        _pyodide_folder(modules, lite_dir / "static" / "pyodide")
        files = lite_dir / "files"
        files.mkdir()
        for notebook in notebooks():
            shutil.copy2(notebook, files / notebook.name)
        cache = Path(tmp) / "cache"
        config = _config(wheels, cache)
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(config, indent=1))
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(_runtime_settings(), indent=1))
        jupyter_lite = [sys.executable, str(Path(__file__).resolve())]  # jupyter lite, see below
        log(f"jupyter lite build ({len(notebooks())} notebooks)")
        subprocess.run(
            [*jupyter_lite, "build", "--lite-dir", str(lite_dir), "--output-dir", str(target)],
            cwd=lite_dir,
            check=True,
        )
    _name_cdn_only_packages(target, modules / "pyodide" / "pyodide-lock.json")
    _check(target)
    return target


def _lock_of(target: Path) -> tuple[Path, dict[str, object], Path]:
    config_path = target / "jupyter-lite.json"
    settings = json.loads(config_path.read_text())
    kernel = settings["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]
    lock_path = target / kernel["loadPyodideOptions"]["lockFileURL"].split("?")[0]
    return config_path, settings, lock_path


def _name_cdn_only_packages(target: Path, npm_lock: Path) -> None:
    """Name ssl and sqlite3 in the final lock, without files (see the module's description)."""
    config_path, settings, lock_path = _lock_of(target)
    lock = json.loads(lock_path.read_text())
    original = json.loads(npm_lock.read_text())["packages"]
    for name in ("ssl", "sqlite3"):
        info = dict(original[name])
        info["depends"] = []
        info["file_name"] = f"../../static/pyodide/not-available-offline/{info['file_name']}"
        lock["packages"][name] = info
    lock_path.write_text(json.dumps(lock, indent=2, sort_keys=True))
    kernel = settings["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]  # type: ignore[index]
    url = kernel["loadPyodideOptions"]["lockFileURL"].split("?")[0]
    kernel["loadPyodideOptions"]["lockFileURL"] = f"{url}?sha256={_sha256(lock_path)}"
    config_path.write_text(json.dumps(settings, indent=2))


def _check(target: Path) -> None:
    """The built site loads nothing from elsewhere: every locked wheel is in it."""
    _, settings, lock_path = _lock_of(target)
    kernel = settings["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]  # type: ignore[index]
    lock = json.loads(lock_path.read_text())
    for name, info in lock["packages"].items():
        if "://" in info["file_name"]:
            raise SystemExit(f"[web:lite] {name} would be fetched from {info['file_name']}")
    log(f"lock: {len(lock['packages'])} packages, all in the site; preloaded: "
        f"{', '.join(kernel['loadPyodideOptions']['packages'])}")  # fmt: skip


def _accept_relative_file_urls() -> None:
    """Let the lock addon's PyPI proxy pass on relative file URLs as absolute ones.

    Some package indexes (mirrors of PyPI) answer the JSON API with file URLs
    relative to the answer (``../../packages/...``), which micropip 0.8 refuses
    to download, and list PEP 658 metadata files they do not serve. The addon
    already rewrites files.pythonhosted.org URLs to its local proxy; this adds
    the same for relative ones, through a proxy of the index's own host, and
    hides the metadata files (micropip then reads the wheel's own). With PyPI
    itself, only the metadata files are not used.
    """
    from urllib.parse import urlsplit

    from jupyterlite_pyodide_lock.constants import PROXY
    from jupyterlite_pyodide_lock.lockers import tornado
    from jupyterlite_pyodide_lock.lockers.handlers import make_proxy

    original = tornado.make_handlers

    def make_handlers(locker: object) -> tuple[object, ...]:
        rules = list(original(locker))  # type: ignore[arg-type]
        base = locker.base_url
        api = urlsplit(locker.pypi_api_url)
        relative = b'"../../packages/'
        absolute = f'"{base}/{PROXY}/index-host/packages/'.encode()
        for route, _handler, config in rules:
            if f"/{PROXY}/pypi/" in route:
                config.setdefault("rewrites", {}).setdefault("/json$", []).extend(
                    [
                        (relative, absolute),
                        (b'"core-metadata"', b'"unused-core-metadata"'),
                        (b'"data-dist-info-metadata"', b'"unused-data-dist-info-metadata"'),
                    ]
                )
        index_host = make_proxy(locker, "index-host", f"{api.scheme}://{api.netloc}")  # type: ignore[arg-type]
        return (*rules[:-1], index_host, rules[-1])  # before the fallback to files

    tornado.make_handlers = make_handlers


def _lock_the_given_packages() -> None:
    """Solve the lock with ``PyodideLockAddon.packages`` (this library's wheels) too.

    The addon copies those wheels into the site's lock folder, but its solve only
    installs the wheels of federated extensions, and then prunes the others as
    unlocked. Hand them to the solve as well, from where the site serves them.
    """
    from jupyterlite_pyodide_lock.addons.lock import PyodideLockAddon

    original = PyodideLockAddon.get_packages

    def get_packages(self: PyodideLockAddon) -> list[Path]:
        served = [self.lockfile.parent / Path(p).name for p in self.packages]
        missing = [p for p in served if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"not copied into the site: {missing}")
        return sorted({*original(self), *served})

    PyodideLockAddon.get_packages = get_packages  # type: ignore[method-assign]


if __name__ == "__main__":  # jupyter lite, with the changes above
    _accept_relative_file_urls()
    _lock_the_given_packages()
    from jupyterlite_core.app import main

    main()
