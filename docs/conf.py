"""Sphinx configuration for the autograd_scalar documentation.

Build (offline, warnings as errors)::

    python -m sphinx -n -W --keep-going -b html docs docs/_build/html

Nothing here fetches from the network: no intersphinx, no web fonts, no
MathJax (the pages write their math in Unicode, so no page needs a script
from a CDN). The notebooks under ``notebooks/`` (linked here as
``docs/notebooks``) are executed during the build, their outputs cached in
``docs/_build/.jupyter_cache`` so an unchanged notebook is not run twice.
"""

from __future__ import annotations

import importlib
import inspect
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
# The export's page must build where PyTorch (an optional extra, gigabytes) is not installed.
autodoc_mock_imports = ["torch"]
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


def _plain_attribute_docs(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Napoleon reads an attribute's or property's first line as ``type: text``,
    so ``"The operation that made this node: ..."`` rendered as "Type: The
    operation...". None of ours is written that way: start them with an empty
    comment line, which napoleon takes as the (colon-free) first line."""
    if what in ("attribute", "data", "property") and any(line.strip() for line in lines):
        while lines and not lines[0].strip():
            del lines[0]
        lines[:0] = ["..", ""]


def _skip_field_defaults(
    app: Any, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """A dataclass field whose default is a function (``Loss.label_class``)
    looks like a method to autodoc, while the class's "Attributes:" section
    already documents the field: the same name twice. Skip such members."""
    if (
        what == "class"
        and inspect.isfunction(obj)
        and obj.__name__ != name
        and not name.startswith("__")
    ):
        return True
    return None


# ------------------------------------------------ references to re-exported names
# Docstrings name things where users import them (``autograd_scalar.Value``,
# ``autograd_scalar.viz.draw_graph``, ``ShapeError`` in a module that imports
# it); the reference documents each object once, in the module that defines
# it. An unresolved Python reference is looked up as an object and sent to
# the name under which that very object is documented.
_PY_ROLES = {"class", "func", "meth", "data", "attr", "exc", "obj", "mod", "const"}


def _imported(path: str) -> Any:
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001 - not a module (or one that cannot import): try shorter
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _documented(env: Any) -> dict[int, list[str]]:
    """id(object) -> the names it is documented under (built once per build)."""
    cache: dict[int, list[str]] | None = getattr(env, "_as_documented", None)
    if cache is None:
        cache = {}
        for name in env.get_domain("py").objects:
            if name.startswith("autograd_scalar"):
                obj = _imported(name)
                if obj is not None and not isinstance(obj, (int, float, str, tuple)):
                    cache.setdefault(id(obj), []).append(name)
        env._as_documented = cache
    return cache


def _resolve_reexport(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py" or node.get("reftype") not in _PY_ROLES:
        return None
    target = node["reftarget"].lstrip("~.")
    domain = env.get_domain("py")
    candidates = [target]
    module, cls = node.get("py:module"), node.get("py:class")
    if module and "." not in target:  # a bare name, as the docstring's module (class) sees it
        candidates[:0] = [f"{module}.{cls}.{target}"] if cls else []
        candidates.insert(len(candidates) - 1, f"{module}.{target}")
    for path in candidates:
        obj = _imported(path)
        if obj is None:
            continue
        names = _documented(env).get(id(obj), [])
        if not names and not isinstance(obj, type(importlib)):  # data: same name, documented once
            tail = "." + path.rsplit(".", 1)[-1]
            names = [n for n in domain.objects if n.endswith(tail) and _imported(n) is obj]
        for name in names:
            resolved = domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], name, node, contnode
            )
            if resolved is not None:
                return resolved
    # A short name the module does not import (``Module.load`` in the demo's
    # text): the one project object documented under a name ending so.
    tail = "." + target
    names = [n for n in domain.objects if n.startswith("autograd_scalar.") and n.endswith(tail)]
    if len(names) == 1:
        return domain.resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], names[0], node, contnode
        )
    return None


def _prefer_the_engine(app: Any, doctree: Any) -> None:
    """A bare ``Value`` that its module cannot name at run time (an annotation
    under ``TYPE_CHECKING``) matches both the engine's Value and micrograd's:
    outside ``compat``, the engine's is meant. And a relative module reference
    means the sibling module."""
    from sphinx.addnodes import pending_xref

    for node in doctree.findall(pending_xref):
        module = node.get("py:module") or ""
        if (
            node.get("refdomain") == "py"
            and node.get("reftarget") == "Value"
            and not module.startswith("autograd_scalar.compat")
            and _imported(f"{module}.Value") is None
        ):
            node["reftarget"] = "autograd_scalar.core.value.Value"
        elif node.get("refspecific") and module.startswith("autograd_scalar."):
            # ``:mod:`.steps``` in a module of a package: the sibling module
            # first (viz.steps and vectorize.steps would both match)
            sibling = f"{module.rsplit('.', 1)[0]}.{node.get('reftarget', '').lstrip('.')}"
            if node.get("reftype") == "mod" and isinstance(_imported(sibling), type(importlib)):
                node["reftarget"] = sibling
                node["refspecific"] = False


# Names from outside the project, which an offline build (no intersphinx) cannot
# link: the standard library, hypothesis, NumPy, PyTorch. And two type
# variables of the datasets module, which have no page of their own.
nitpick_ignore_regex = [
    (r"py:.*", r"(collections|collections\.abc|argparse|contextlib|contextvars|typing)(\..*)?"),
    (r"py:.*", r"(os|pathlib|ast|math|random|io|types)(\..*)?"),
    (r"py:.*", r"(hypothesis|numpy|torch|graphviz)(\..*)?"),
    (r"py:class", r"autograd_scalar\.nn\.datasets\.[TL]"),
]


def setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", _escape_bars)
    # before napoleon (priority 500), which turns the docstring into fields
    app.connect("autodoc-process-docstring", _plain_attribute_docs, priority=400)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("doctree-read", _prefer_the_engine)
    app.connect("autodoc-skip-member", _skip_field_defaults)


# ------------------------------------------------ the in-browser site (web/build.py)
# The playground and JupyterLite: built by web/build.py (unless already built
# from the same inputs) and copied to try/ in the HTML output. Where it cannot
# be built (no npm), the docs still build and say how to build it.
def _browser_site_module() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "autograd_scalar_web_build", ROOT / "web" / "build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build_browser_site(app: Any) -> None:
    from sphinx.util import logging

    app.env_browser_site = None
    if app.builder.format != "html":
        return
    build = _browser_site_module()
    lite = build.lite_wanted()
    if not build.is_current(build.DEFAULT_OUT, lite=lite):
        reason = build.missing_tools(lite=lite)
        if reason is not None:
            logging.getLogger(__name__).info(
                "the in-browser site (try/) is not built: %s; run python web/build.py", reason
            )
            return
        build.ensure_built(build.DEFAULT_OUT, lite=lite)
    app.env_browser_site = build.DEFAULT_OUT


def _copy_browser_site(app: Any, exception: Exception | None) -> None:
    import shutil

    site = getattr(app, "env_browser_site", None)
    if exception is None and site is not None:
        target = Path(app.outdir) / "try"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(site, target, ignore=shutil.ignore_patterns(".build-stamp"))


_setup_without_browser_site = setup


def setup(app: Any) -> None:  # noqa: F811 - the setup above, and the site's two steps
    _setup_without_browser_site(app)
    app.connect("builder-inited", _build_browser_site)
    app.connect("build-finished", _copy_browser_site)
