"""A rendered-on-demand diagram: DOT source that displays in Jupyter and saves to files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .render import render

__all__ = ["Diagram", "require_graphviz"]

_SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def require_graphviz() -> Any:
    """Import the ``graphviz`` package, or say which extra provides it."""
    try:
        import graphviz
    except ImportError:  # pragma: no cover - the test environment has the extra
        raise ImportError(
            'diagrams need the graphviz package: pip install "autograd_scalar[viz]"'
        ) from None
    return graphviz


class Diagram:
    """A graph diagram.

    ``source`` is its DOT text (the same graph always gives the same text).
    In Jupyter it shows itself as SVG; :meth:`save` writes ``.svg``, ``.png``,
    ``.pdf`` (where a renderer supports it) or the ``.dot`` source. Rendering
    goes through :func:`autograd_scalar.viz.render.render`, so it needs no
    system Graphviz.

    >>> d = Diagram('digraph { a -> b }')
    >>> d.source
    'digraph { a -> b }'
    >>> d.pipe("svg").startswith(b"<?xml")
    True
    """

    def __init__(self, source: str) -> None:
        self.source = source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<Diagram: {len(self.source)} characters of DOT>"

    def pipe(self, fmt: str = "svg") -> bytes:
        """The diagram rendered to ``fmt`` ("svg", "png" or "pdf")."""
        return render(self.source, fmt)

    def svg(self) -> str:
        """The diagram as SVG text."""
        return self.pipe("svg").decode("utf-8")

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
        """Write the diagram to ``path``; the format comes from its suffix
        unless ``fmt`` is given. Returns the path."""
        target = Path(path)
        if fmt is None:
            fmt = _SUFFIXES.get(target.suffix.lower())
            if fmt is None:
                raise ValueError(
                    f"cannot tell the format of {str(target)!r}: use a suffix among "
                    f"{sorted(_SUFFIXES)} or pass fmt="
                )
        if fmt == "dot":
            target.write_text(self.source, encoding="utf-8")
        else:
            target.write_bytes(self.pipe(fmt))
        return target
