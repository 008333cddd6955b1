"""Sphinx configuration for the autograd_scalar documentation.

Build (offline, warnings as errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing here fetches from the network: no intersphinx, no web fonts, no
MathJax (the pages write their math in Unicode, so no page needs a script
from a CDN). The notebooks under ``notebooks/`` (linked here as
``docs/notebooks``) are executed during the build, their outputs cached in
``docs/_build/.jupyter_cache`` so an unchanged notebook is not run twice.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent
# Document and run the checked-out package, installed or not: autodoc imports
# it here, and the notebook kernels (child processes) inherit PYTHONPATH.
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
)

project = "autograd_scalar"
author = "autograd_scalar developers"
copyright = "autograd_scalar developers"  # noqa: A001 - Sphinx's name for it

extensions = [
    "myst_nb",  # Markdown pages and executed notebooks (brings myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",  # Google-style "Args:" / "Attributes:" docstrings
]

html_theme = "furo"
html_title = "autograd_scalar"
templates_path: list[str] = []
html_static_path: list[str] = []

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# Notebooks: execute those without stored outputs (ours are committed cleared),
# cache the results, fail the build on any error.
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / "docs" / "_build" / ".jupyter_cache")
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# --------------------------------------------------------------------------
# Pieces that need modules still being written (they land in other branches).
# Until such a module can be imported, the page or section that needs it is
# left out of the build and the build says so (an info line, not a warning).
# Set AUTOGRAD_SCALAR_DOCS_STRICT=1 (as CI should once everything is merged)
# to make a missing module an error instead.
STRICT = os.environ.get("AUTOGRAD_SCALAR_DOCS_STRICT", "") not in ("", "0")

#: notebook file stem -> modules its cells import
NOTEBOOK_NEEDS: dict[str, tuple[str, ...]] = {
    "01-chain-rule": ("autograd_scalar.viz",),
    "02-backward-step-by-step": ("autograd_scalar.viz",),
    "03-seed-network-2-2-2-2": ("autograd_scalar.nn", "autograd_scalar.viz"),
    "04-goodfellow-6-3-6-4": (),
    "05-mse-sigmoid-derivation": (),
    "06-two-moons": ("autograd_scalar.nn", "autograd_scalar.datasets"),
    "07-vanishing-gradients": (),
    "08-forward-vs-reverse": ("autograd_scalar.functional",),
    "09-higher-order": ("autograd_scalar.functional",),
    "10-testing-your-own-op": ("autograd_scalar.functional",),
}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _missing(modules: tuple[str, ...] | list[str]) -> list[str]:
    return [m for m in modules if not _importable(m)]


_SKIPPED: list[str] = []
for _stem, _needs in NOTEBOOK_NEEDS.items():
    _absent = _missing(_needs)
    if _absent:
        exclude_patterns.append(f"notebooks/{_stem}.ipynb")
        _SKIPPED.append(f"tutorial {_stem} (needs {', '.join(_absent)})")

# The API pages of the modules being written: docs/api-extra.md holds one
# section per module between "<!-- module: NAME -->" and "<!-- end -->";
# sections whose module is missing are dropped when the page is read.
_API_EXTRA_DROPPED: list[str] = []


def _filter_api_extra(app: Any, docname: str, source: list[str]) -> None:
    if docname != "api-extra":
        return
    kept: list[str] = []
    skipping = False
    for line in source[0].splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("<!-- module:"):
            module = stripped.removeprefix("<!-- module:").removesuffix("-->").strip()
            skipping = not _importable(module)
            if skipping:
                _API_EXTRA_DROPPED.append(module)
            continue
        if stripped == "<!-- end -->":
            skipping = False
            continue
        if not skipping:
            kept.append(line)
    source[0] = "".join(kept)


def _report_skipped(app: Any) -> None:
    logger = logging.getLogger(__name__)
    skipped = _SKIPPED + [f"API section {m}" for m in _API_EXTRA_DROPPED]
    if not skipped:
        return
    message = "left out until their modules exist: " + "; ".join(skipped)
    if STRICT:
        raise RuntimeError(message + " (AUTOGRAD_SCALAR_DOCS_STRICT is set)")
    logger.info(message)


def _check_strict(app: Any, config: Any) -> None:
    if STRICT and _SKIPPED:
        raise RuntimeError(
            "left out until their modules exist: "
            + "; ".join(_SKIPPED)
            + " (AUTOGRAD_SCALAR_DOCS_STRICT is set)"
        )


# Docstrings write absolute values as |x|, which reStructuredText would read as
# a substitution reference: escape the bars (outside ``literals``).
_BARS = re.compile(r"(?<![`\\|])\|([^|`\s][^|`]*?)\|(?![`|])")


def _escape_bars(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = [_BARS.sub(r"\\|\1\\|", line) for line in lines]


def setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", _escape_bars)
    app.connect("config-inited", _check_strict)
    app.connect("source-read", _filter_api_extra)
    app.connect("env-updated", lambda app, env: _report_skipped(app))
