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

import os
import re
import sys
from pathlib import Path
from typing import Any

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

# Docstrings write absolute values as |x|, which reStructuredText would read as
# a substitution reference: escape the bars (outside ``literals``).
_BARS = re.compile(r"(?<![`\\|])\|([^|`\s][^|`]*?)\|(?![`|])")


def _escape_bars(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = [_BARS.sub(r"\\|\1\\|", line) for line in lines]


def setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", _escape_bars)
