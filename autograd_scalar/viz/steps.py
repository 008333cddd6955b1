"""A step-through of ``backward()``: one frame per gradient as it becomes final.

:func:`step_through` replays the backward pass on the side (see
:mod:`autograd_scalar.viz.trace`: the engine's own order, recomputed without
touching any ``grad``). The engine processes interior nodes output first; each
time it has added the last contribution into a node, that node's gradient is
final, and that is a frame: the node highlighted in the reverse network, and
the chain-rule sum that produced it with its numbers, each term written as
``∂L/∂child·(∂child/∂node)``::

    ∂L/∂a = 2.0·(-3.0) + 1.0·(0.5) = -5.5

Constants (numbers met in an expression) get no frame.

:class:`BackwardSteps` shows itself in Jupyter, and saves one self-contained
HTML file (inline SVG, previous / next / play buttons and the arrow keys, no
network access) or a folder of numbered SVG files.

>>> from autograd_scalar.engine import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b
>>> c.label = "c"
>>> steps = step_through(c + a)
>>> # the sum (output first) adds a's direct path, then its path through c
>>> [frame.equation for frame in steps.frames]  # doctest: +NORMALIZE_WHITESPACE
['∂L/∂L = 1.0 (seed)', '∂L/∂c = 1.0·(1.0) = 1.0',
 '∂L/∂a = 1.0·(1.0) + 1.0·(-3.0) = -2.0', '∂L/∂b = 1.0·(2.0) = 2.0']
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.value import Value
from .graph import _legend, backward_graph, node_names
from .render import render
from .trace import DEFAULT_MAX_NODES, Term, Trace, fmt, graph_nodes, trace_backward

__all__ = ["BackwardSteps", "Frame", "step_through"]


@dataclass(frozen=True)
class Frame:
    """One moment of the backward pass.

    Attributes:
        index: 0 for the output's seed, then 1, 2, ...
        node: the node whose gradient has just become final.
        name: its name in the diagram.
        grad: its gradient ∂L/∂node.
        terms: the chain-rule terms that summed to it (empty for the seed).
        equation: the sum with its numbers.
        source: the DOT source of the frame's diagram.
    """

    index: int
    node: Value
    name: str
    grad: float
    terms: tuple[Term, ...]
    equation: str
    source: str


def _equation(name: str, grad: float, terms: tuple[Term, ...], is_root: bool) -> str:
    if is_root:
        return f"∂L/∂L = {fmt(grad)} (seed)"
    parts = " + ".join(f"{fmt(t.upstream)}·({fmt(t.local)})" for t in terms)
    return f"∂L/∂{name} = {parts} = {fmt(grad)}"


class BackwardSteps:
    """The frames of a backward pass; see the module's description."""

    def __init__(self, trace: Trace, frames: list[Frame]) -> None:
        self.trace = trace
        self.frames = frames
        self._svgs: list[str] | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<BackwardSteps: {len(self.frames)} frames>"

    def svgs(self) -> list[str]:
        """Each frame rendered to SVG text (rendered once, then kept)."""
        if self._svgs is None:
            self._svgs = [render(frame.source, "svg").decode("utf-8") for frame in self.frames]
        return self._svgs

    def save_svgs(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``frame_001.svg``, ``frame_002.svg``... into ``folder``."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        paths = []
        for index, svg in enumerate(self.svgs(), start=1):
            path = target / f"frame_{index:03d}.svg"
            path.write_text(svg, encoding="utf-8")
            paths.append(path)
        return paths

    def _widget(self, element_id: str, *, keys_on_document: bool) -> str:
        frames = []
        for frame, svg in zip(self.frames, self.svgs()):
            inline = svg[svg.find("<svg") :]  # drop the XML prolog and DOCTYPE
            frames.append(
                f'<div class="as-frame" data-index="{frame.index}" style="display:none">'
                f'<p class="as-equation">{html.escape(frame.equation)}</p>{inline}</div>'
            )
        key_target = "document" if keys_on_document else "root"
        return _WIDGET.format(
            id=element_id,
            frames="\n".join(frames),
            total=len(self.frames),
            key_target=key_target,
        )

    def to_html(self) -> str:
        """A complete, self-contained HTML page (no external resources)."""
        body = self._widget("as-steps", keys_on_document=True)
        return _PAGE.format(body=body)

    def save_html(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path``."""
        target = Path(path)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        # Unique per object, so several step-throughs in one notebook stay apart;
        # the arrow keys act when the widget has focus (click it).
        return self._widget(f"as-steps-{id(self):x}", keys_on_document=False)


def step_through(
    root: Value,
    gradient: float = 1.0,
    *,
    params: Iterable[Value] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> BackwardSteps:
    """The frames of ``root.backward(gradient)``, without running it on the graph.

    Args:
        root: the output.
        gradient: the seed ∂L/∂root.
        params: Values to colour as parameters.
        max_nodes: refuse graphs with more nodes (``None``: no limit).
    """
    nodes = graph_nodes(root, max_nodes)
    names = node_names(nodes)
    param_ids = {id(p) for p in params} if params is not None else set()
    trace = trace_backward(root, gradient)
    frames: list[Frame] = []
    known: set[int] = set()
    for index, node in enumerate(trace.final):
        known.add(id(node))
        terms = tuple(trace.terms.get(id(node), ()))
        name = names[id(node)]
        grad = trace.grad(node)
        equation = _equation(name, grad, terms, node is root)
        caption = f"step {index + 1} of {len(trace.final)}: {equation}"
        g = backward_graph(
            root,
            nodes,
            param_ids,
            trace,
            True,
            known=set(known),
            highlight=node,
            caption=caption,
        )
        _legend(g, operations=False)
        frames.append(Frame(index, node, name, grad, terms, equation, g.source))
    return BackwardSteps(trace, frames)


_WIDGET = """<div id="{id}" class="as-steps" tabindex="0">
<div class="as-controls">
<button type="button" class="as-prev" aria-label="previous step">&#9664; Previous</button>
<button type="button" class="as-play" aria-label="play">Play</button>
<button type="button" class="as-next" aria-label="next step">Next &#9654;</button>
<span class="as-counter">1 / {total}</span>
<span class="as-hint">(arrow keys step, Home / End jump)</span>
</div>
{frames}
<script>
(function () {{
  var root = document.getElementById("{id}");
  var frames = root.querySelectorAll(".as-frame");
  var counter = root.querySelector(".as-counter");
  var play = root.querySelector(".as-play");
  var current = 0, timer = null;
  function show(k) {{
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var j = 0; j < frames.length; j++) {{
      frames[j].style.display = j === current ? "block" : "none";
    }}
    counter.textContent = (current + 1) + " / " + frames.length;
  }}
  function stop() {{
    if (timer !== null) {{ clearInterval(timer); timer = null; }}
    play.textContent = "Play";
  }}
  function step(by) {{ return function () {{ stop(); show(current + by); }}; }}
  root.querySelector(".as-prev").addEventListener("click", step(-1));
  root.querySelector(".as-next").addEventListener("click", step(1));
  play.addEventListener("click", function () {{
    if (timer !== null) {{ stop(); return; }}
    if (current === frames.length - 1) {{ show(0); }}
    play.textContent = "Pause";
    timer = setInterval(function () {{
      if (current >= frames.length - 1) {{ stop(); }} else {{ show(current + 1); }}
    }}, 1200);
  }});
  var keys = "{key_target}" === "document" ? document : root;
  keys.addEventListener("keydown", function (event) {{
    var moves = {{ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1,
                 ArrowUp: current - 1, Home: 0, End: frames.length - 1}};
    if (event.key in moves) {{ stop(); show(moves[event.key]); event.preventDefault(); }}
  }});
  show(0);
}})();
</script>
</div>"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backward pass, step by step</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }}
.as-controls {{ margin-bottom: 0.8em; }}
.as-controls button {{ font-size: 1em; margin-right: 0.3em; }}
.as-equation {{ font-size: 1.2em; font-family: monospace; }}
.as-hint {{ color: #6b7280; margin-left: 0.8em; }}
.as-frame svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>Backward pass, step by step</h1>
{body}
</body>
</html>
"""
