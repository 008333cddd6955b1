"""The notebooks in JupyterLite, with the library preloaded and nothing fetched from elsewhere.

Called by web/build.py (``build_lite``). It lays out a JupyterLite source folder
and runs ``jupyter lite build`` on it:

* ``static/pyodide/``: the Pyodide runtime from the npm package, the version
  jupyterlite-pyodide-kernel is built for (its ``PYODIDE_VERSION``), which the
  build copies and uses instead of fetching a release tarball. Its stdlib has
  ``sqlite3`` and ``ssl`` built in (since Pyodide 314), which IPython's history
  and the kernel need.
* In the same folder, the packages the kernel starts with (IPython and what it
  needs, jedi, comm, micropip) and this library's wheels, as pure-Python wheels
  from PyPI. The npm package ships no package wheels, so
  ``pyodide-lock.json`` names files only Pyodide's CDN serves: each start-up
  package gets its lock entry from the wheel downloaded here
  (``pyodide_lock.utils.add_wheels_to_spec``, the lock format's own library,
  which records the file, its sha256 and its dependencies), and every entry
  whose file the site does not have is dropped, so an ``import`` of anything
  else fails at once instead of asking another host.
* ``jupyter-lite.json``: ``disablePyPIFallback`` on, and the library preloaded
  with ``loadPyodideOptions.packages``; ``viz-global.js`` (Graphviz in
  WebAssembly) is named for the kernel's worker (AUTOGRAD_SCALAR_VIZ_JS).
* ``files/``: the notebooks that need neither NumPy nor matplotlib nor
  hypothesis (:data:`LEFT_OUT` says why the others are not there): those are
  compiled Pyodide packages that, too, only its CDN serves.

The kernel's own wheels (``pyodide-kernel``, ``piplite``, the ``ipykernel``
shim) come with jupyterlite-pyodide-kernel and are served by its extension.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent

#: Notebooks left out of JupyterLite, and why.
LEFT_OUT = {
    "06-two-moons.ipynb": "matplotlib",
    "07-vanishing-gradients.ipynb": "NumPy and matplotlib",
    "10-testing-your-own-op.ipynb": "hypothesis",
    "11-record-once-replay-vectorised.ipynb": "NumPy",
}
#: What the kernel imports or installs when it starts, besides its own wheels
#: (jupyterlite-pyodide-kernel's ``initKernel``), and micropip, which piplite wraps.
#: Their dependencies follow from the lock.
STARTUP = ("ipython", "jedi", "comm", "micropip")
#: Start-up packages (or their dependencies) Pyodide's lock does not list, pinned here.
NOT_IN_PYODIDE = {"comm": "0.2.3", "ipython-pygments-lexers": "1.1.1"}
#: Preloaded with ``loadPyodideOptions.packages`` (names as in the lock).
PRELOAD = ("autograd-scalar", "graphviz", "comm", "ipython", "jedi")
#: Relative to the kernel's web worker script (extensions/<kernel>/static/).
VIZ_JS_FROM_WORKER = "../../../../static/pyodide/viz-global.js"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def log(message: str) -> None:
    print(f"[web:lite] {message}", flush=True)


def kernel_pyodide_version() -> str:
    """The Pyodide release the installed jupyterlite-pyodide-kernel is built for."""
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    return str(PYODIDE_VERSION)


def _runtime(modules: Path, into: Path) -> None:
    """The npm package's runtime files (no maps, no Node.js-only files) and viz-global.js."""
    npm = modules / "pyodide"
    version = json.loads((npm / "package.json").read_text())["version"]
    expected = kernel_pyodide_version()
    if version != expected:
        raise SystemExit(
            f"[web:lite] npm has pyodide {version}; jupyterlite-pyodide-kernel expects "
            f"{expected} (web/package.json pins it)"
        )
    into.mkdir(parents=True)
    for path in npm.iterdir():
        runtime = path.suffix in {".js", ".mjs", ".wasm", ".zip", ".json"}
        if path.is_file() and runtime and path.name != "package.json":
            shutil.copy2(path, into / path.name)
    shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz-global.js", into / "viz-global.js")


def _download(pins: list[str], into: Path, python: str) -> list[Path]:
    """Pure-Python wheels of ``pins`` from PyPI, for the runtime's Python."""
    before = set(into.glob("*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", "download",
         "--no-deps", "--only-binary=:all:", "--python-version", python,
         "--implementation", "py", "--platform", "any", "-d", str(into), *pins],
        check=True,
    )  # fmt: skip
    return sorted(set(into.glob("*.whl")) - before)


def _wheel_name(wheel: Path) -> str:
    return str(parse_wheel_filename(wheel.name)[0])


def _local_lock(folder: Path, library: list[Path]) -> None:
    """Lock :data:`STARTUP`, their dependencies and ``library`` to wheels in ``folder``.

    Versions are the ones Pyodide's lock lists (else :data:`NOT_IN_PYODIDE`);
    dependencies are read from each downloaded wheel by pyodide-lock, with
    environment markers evaluated for Pyodide, until nothing is missing. Then
    every entry whose file the site does not have is dropped.
    """
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    path = folder / "pyodide-lock.json"
    lock = json.loads(path.read_text())
    # pyodide-lock 0.1.2 (the last release for Python 3.11) requires info.version,
    # which Pyodide's locks stopped writing after 0.28; the release is the npm package's.
    lock["info"].setdefault("version", kernel_pyodide_version())
    base = PyodideLockSpec(**lock)
    python = ".".join(base.info.python.split(".")[:2])
    listed = {canonicalize_name(name): package.version for name, package in base.packages.items()}
    wheels = {_wheel_name(w): w for w in library}
    wanted = [canonicalize_name(name) for name in STARTUP]
    while True:
        pins = []
        for name in sorted(set(wanted) - set(wheels)):
            version = NOT_IN_PYODIDE.get(name) or listed.get(name)
            if version is None:
                raise SystemExit(f"[web:lite] {name} is needed: pin it in NOT_IN_PYODIDE")
            pins.append(f"{name}=={version}")
        if not pins:
            break
        wheels.update({_wheel_name(w): w for w in _download(pins, folder, python)})
        spec = add_wheels_to_spec(
            base, list(wheels.values()), base_path=folder, ignore_missing_dependencies=True
        )
        local = [p for p in spec.packages.values() if (folder / p.file_name).is_file()]
        wanted = [canonicalize_name(d) for package in local for d in package.depends]
    # Keyed by canonical name, as Pyodide looks packages up; an entry without its
    # file here (the CDN's build of a package, replaced by the wheel from PyPI) goes.
    kept = {
        canonicalize_name(n): p
        for n, p in spec.packages.items()
        if (folder / p.file_name).is_file()
    }
    spec.packages = kept
    spec.to_json(path, indent=1)
    log(f"lock: {len(kept)} packages, every one a file in the site")


def _pyodide_folder(modules: Path, library_wheels: Path, into: Path) -> None:
    """static/pyodide: the runtime, the start-up packages and this library, locked."""
    _runtime(modules, into)
    library = []
    for wheel in sorted(library_wheels.glob("*.whl")):
        shutil.copy2(wheel, into / wheel.name)
        library.append(into / wheel.name)
    _local_lock(into, library)


def _config(cache: Path) -> dict[str, object]:
    return {
        "LiteBuildConfig": {
            "apps": ["lab", "notebooks"],
            "no_sourcemaps": True,
            "cache_dir": str(cache),
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
                        "packages": list(PRELOAD),
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
        _pyodide_folder(modules, wheels, lite_dir / "static" / "pyodide")
        files = lite_dir / "files"
        files.mkdir()
        for notebook in notebooks():
            shutil.copy2(notebook, files / notebook.name)
        config = _config(Path(tmp) / "cache")
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(config, indent=1))
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(_runtime_settings(), indent=1))
        log(f"jupyter lite build ({len(notebooks())} notebooks)")
        subprocess.run(
            [sys.executable, "-m", "jupyterlite_core", "build",
             "--lite-dir", str(lite_dir), "--output-dir", str(target)],
            cwd=lite_dir,
            check=True,
        )  # fmt: skip
    check(target)
    return target


def check(target: Path) -> None:
    """The built site loads nothing from elsewhere: every locked file and the
    preloaded packages are in it, and PyPI is never asked."""
    settings = json.loads((target / "jupyter-lite.json").read_text())
    kernel = settings["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]
    if kernel.get("disablePyPIFallback") is not True:
        raise SystemExit("[web:lite] the kernel would fall back to PyPI")
    folder = target / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text())["packages"]
    for name, info in lock.items():
        if "://" in info["file_name"] or not (folder / info["file_name"]).is_file():
            raise SystemExit(f"[web:lite] {name} would be fetched from {info['file_name']}")
    absent = [n for n in kernel["loadPyodideOptions"]["packages"] if n not in lock]
    if absent:
        raise SystemExit(f"[web:lite] preloaded but not locked: {absent}")
    log(f"{len(lock)} packages, all in the site; preloaded: {', '.join(PRELOAD)}")
