"""Turning DOT source into SVG, PNG or PDF bytes, with or without system Graphviz.

The ``graphviz`` Python package only writes DOT and calls an executable named
``dot`` to draw it. A fresh ``pip install "autograd_scalar[viz]"`` has no such
executable, so drawing goes through :func:`render`, which runs whichever of these
it finds first (see :func:`find_executable`):

1. the command named by the environment variable ``AUTOGRAD_SCALAR_DOT``
   (a path, or a name looked up on ``PATH``);
2. for PDF, which ``graphviz-pure`` cannot write, a system ``dot`` on ``PATH``;
3. ``graphviz-pure`` (a self-contained port of ``dot``, a dependency of the
   ``viz`` extra) next to the running interpreter (a virtual environment's
   ``bin/`` is not on ``PATH`` unless it is activated), then on ``PATH``;
4. a system ``dot`` on ``PATH``.

A PNG is capped at :data:`MAX_PNG_INCHES` inches square at :data:`PNG_DPI` dots
per inch (Graphviz's ``size`` attribute, which only ever shrinks a drawing), so a
huge graph cannot make the renderer allocate gigabytes.

In the browser (Pyodide, where ``sys.platform == "emscripten"`` and no program
can be started) :func:`render` draws SVG with Graphviz compiled to WebAssembly
(the npm package ``@viz-js/viz``) through Pyodide's bridge to JavaScript: the
page sets ``globalThis.autogradScalarViz = await Viz.instance()`` before it runs
Python (the playground does). Inside a web worker (the JupyterLite kernel) where
the page has set nothing, the first render loads the script named by the
environment variable ``AUTOGRAD_SCALAR_VIZ_JS`` (:data:`VIZ_JS_ENV_VAR`) with a
dynamic ``import()`` (a module worker, as JupyterLite's kernel is, refuses
``importScripts``) and waits for it with ``pyodide.ffi.run_sync``; where that
cannot wait, ``await load_browser_renderer()`` once does the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..core.errors import AutogradError

__all__ = [
    "ENV_VAR",
    "FORMATS",
    "JS_GLOBAL",
    "MAX_PNG_INCHES",
    "PNG_DPI",
    "VIZ_JS_ENV_VAR",
    "RenderError",
    "find_executable",
    "in_browser",
    "load_browser_renderer",
    "render",
]

#: The environment variable that names the executable to render with.
ENV_VAR = "AUTOGRAD_SCALAR_DOT"
#: The output formats :func:`render` accepts.
FORMATS = ("svg", "png", "pdf")
#: The largest PNG, in inches on each side (at :data:`PNG_DPI`: 3840 pixels).
MAX_PNG_INCHES = 40
#: Dots per inch of a PNG.
PNG_DPI = 96
#: In the browser: the JavaScript global that holds a ``@viz-js/viz`` instance.
JS_GLOBAL = "autogradScalarViz"
#: In the browser: the environment variable naming the URL of ``viz-global.js``
#: (relative to the worker's script), loaded when :data:`JS_GLOBAL` is unset.
VIZ_JS_ENV_VAR = "AUTOGRAD_SCALAR_VIZ_JS"


class RenderError(AutogradError, RuntimeError):
    """No renderer was found, or it failed, timed out or rejected the format."""


def in_browser() -> bool:
    """True under Pyodide (WebAssembly in a browser), where no program can run.

    >>> in_browser()
    False
    """
    return sys.platform == "emscripten"


def _viz_instance() -> Any:
    """The page's (or worker's) ``@viz-js/viz`` instance, loading it if it can."""
    import js  # Pyodide's module for the JavaScript global scope

    viz = getattr(js, JS_GLOBAL, None)
    if viz is not None:
        return viz
    promise = _start_loading(js)
    if promise is not None:
        from pyodide import ffi

        if getattr(ffi, "can_run_sync", lambda: False)():  # JavaScript promise integration
            try:
                viz = ffi.run_sync(promise)
            except Exception as exc:  # noqa: BLE001 - a JavaScript error, whatever its kind
                raise RenderError("render", "svg", str(exc)) from None
            setattr(js, JS_GLOBAL, viz)
            return viz
    raise RenderError(
        "render",
        "svg",
        f"in the browser, diagrams are drawn by @viz-js/viz: the page must set "
        f"globalThis.{JS_GLOBAL} = await Viz.instance(), or run "
        "`await autograd_scalar.viz.render.load_browser_renderer()` once "
        f"(with {VIZ_JS_ENV_VAR} naming viz-global.js) before drawing",
    )


#: Run as a module by ``import()``, viz-global.js still sets ``globalThis.Viz``.
_IMPORT_VIZ = """
return import(url).then(
  () => {
    if (!globalThis.Viz) throw new Error(url + " did not define Viz");
    return globalThis.Viz.instance();
  },
  (error) => { throw new Error("could not load " + url + ": " + error); },
);
"""


def _start_loading(js: Any) -> Any:
    """Start ``Viz.instance()``, loading ``viz-global.js`` first if ``Viz`` is not defined.

    Returns the instance's promise, or None where there is nothing to load.
    """
    viz_module = getattr(js, "Viz", None)
    if viz_module is not None:
        return viz_module.instance()
    url = os.environ.get(VIZ_JS_ENV_VAR)
    if not url:
        return None
    # import(), not importScripts: a module worker (JupyterLite's kernel) refuses the
    # latter, and every worker takes the former. Relative URLs are the worker's.
    absolute = js.URL.new(url, js.location.href).href
    return js.Function.new("url", _IMPORT_VIZ)(absolute)


async def load_browser_renderer() -> None:
    """In the browser: load ``@viz-js/viz`` and keep its instance for :func:`render`.

    Only needed where :func:`render` cannot wait for it by itself (a runtime
    without JavaScript promise integration). Does nothing where it is loaded.
    """
    import js

    if getattr(js, JS_GLOBAL, None) is not None:
        return
    promise = _start_loading(js)
    if promise is None:
        raise RenderError(
            "render", "svg", f"set {VIZ_JS_ENV_VAR} to the URL of viz-global.js, or load it"
        )
    try:
        viz = await promise
    except Exception as exc:  # noqa: BLE001 - a JavaScript error, whatever its kind
        raise RenderError("render", "svg", str(exc)) from None
    setattr(js, JS_GLOBAL, viz)


def _render_in_browser(source: str, fmt: str) -> bytes:
    if fmt != "svg":
        raise RenderError(
            "render", fmt, f"in the browser only SVG can be drawn (@viz-js/viz), not {fmt!r}"
        )
    import js

    viz = _viz_instance()
    options = js.JSON.parse(json.dumps({"format": "svg", "engine": "dot"}))
    result = viz.render(source, options)
    if result.status != "success":
        errors = [str(e.message) for e in result.errors if str(e.level) == "error"]
        detail = "; ".join(errors) or "render failed"
        raise RenderError("render", fmt, f"@viz-js/viz failed: {detail}")
    text = str(result.output)
    if not text.startswith("<?xml"):  # the same prologue as a dot or graphviz-pure SVG
        text = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text
    return text.encode("utf-8")


def _candidates(fmt: str) -> list[str]:
    here = Path(sys.executable).parent
    names = ["graphviz-pure", "graphviz-pure.exe"]
    found: list[str] = []
    if fmt == "pdf":
        found.append("dot")
    found += [str(here / name) for name in names if (here / name).is_file()]
    found += ["graphviz-pure", "dot"]
    return found


def find_executable(fmt: str = "svg") -> str:
    """The path of the program that will render ``fmt``.

    Raises :class:`RenderError` naming what was looked for if there is none.

    >>> Path(find_executable("svg")).name in {"graphviz-pure", "graphviz-pure.exe", "dot"}
    True
    """
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        path = shutil.which(chosen)
        if path is None:
            raise RenderError(
                "render", chosen, f"{ENV_VAR}={chosen!r} is not an executable program"
            )
        return path
    for candidate in _candidates(fmt):
        path = shutil.which(candidate)
        if path is not None:
            return path
    raise RenderError(
        "render",
        fmt,
        "no Graphviz renderer found: install the viz extra "
        '(pip install "autograd_scalar[viz]", which provides graphviz-pure), '
        f"install system Graphviz (dot), or set {ENV_VAR} to a renderer",
    )


def render(
    source: str, fmt: str = "svg", *, timeout: float = 60.0, executable: str | None = None
) -> bytes:
    """Render DOT ``source`` to ``fmt`` ("svg", "png" or "pdf") and return the bytes.

    Args:
        source: a DOT graph.
        fmt: the output format.
        timeout: seconds after which the renderer is stopped.
        executable: the renderer to run (default: :func:`find_executable`).

    >>> render('digraph { a -> b }', "svg").startswith(b"<?xml")
    True
    """
    if fmt not in FORMATS:
        raise RenderError("render", fmt, f"unknown format {fmt!r}; expected one of {FORMATS}")
    if executable is None and in_browser():
        return _render_in_browser(source, fmt)
    program = executable or find_executable(fmt)
    command = [program, f"-T{fmt}"]
    if fmt == "png":  # -G overrides the graph's own size, so the cap always holds
        command += [f"-Gsize={MAX_PNG_INCHES},{MAX_PNG_INCHES}", f"-Gdpi={PNG_DPI}"]
    try:
        done = subprocess.run(
            command,
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            "render", fmt, f"{Path(program).name} took longer than {timeout} s"
        ) from None
    except OSError as exc:
        raise RenderError("render", program, f"could not run {program}: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        # Keep the renderer's own message but drop its repeated font-width warnings.
        lines = [
            line
            for line in done.stderr.decode("utf-8", "replace").splitlines()
            if "no value for width" not in line
        ]
        detail = "\n".join(lines[-5:]) or f"exit status {done.returncode}"
        raise RenderError("render", fmt, f"{Path(program).name} failed: {detail}")
    return done.stdout
