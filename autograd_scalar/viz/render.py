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
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..core.errors import AutogradError

__all__ = [
    "ENV_VAR",
    "FORMATS",
    "MAX_PNG_INCHES",
    "PNG_DPI",
    "RenderError",
    "find_executable",
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


class RenderError(AutogradError, RuntimeError):
    """No renderer was found, or it failed, timed out or rejected the format."""


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
