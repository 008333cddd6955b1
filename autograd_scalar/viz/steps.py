"""A step-through of a graph: the forward pass node by node, then ``backward()``
one gradient at a time.

**Forward frames** come first: the inputs, then each operation as its value
is computed (``c = a * b = 2.0 * (-3.0) = -6.0``), in the forward view.

**Backward frames** follow. :func:`step_through` replays the backward pass on
the side (see :mod:`autograd_scalar.viz.trace`: the engine's own order,
recomputed without touching any ``grad``). The engine processes interior nodes
output first; each time it has added the last contribution into a node, that
node's gradient is final, and that is a frame: the node highlighted in the
reverse network, and the chain-rule sum that produced it with its numbers,
each term written as ``∂L/∂child·(∂child/∂node)``::

    ∂L/∂a = 2.0·(-3.0) + 1.0·(0.5) = -5.5

The output is called L throughout. Constants (numbers met in an expression)
get no frame.

:class:`BackwardSteps` shows itself in Jupyter, and saves one self-contained
HTML file (see :mod:`autograd_scalar.viz.player`) or a folder of numbered SVG
files (``forward_001.svg``... for the forward pass, ``frame_001.svg``... for
the backward pass).

>>> from autograd_scalar.engine import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b
>>> c.label = "c"
>>> steps = step_through(c + a)
>>> [frame.equation for frame in steps.forward_frames]  # doctest: +NORMALIZE_WHITESPACE
['inputs: a = 2.0, b = -3.0', 'c = a * b = 2.0 * (-3.0) = -6.0',
 'L = c + a = (-6.0) + 2.0 = -4.0']
>>> # the sum (output first) adds a's direct path, then its path through c
>>> [frame.equation for frame in steps.frames]  # doctest: +NORMALIZE_WHITESPACE
['∂L/∂L = 1.0 (seed)', '∂L/∂c = 1.0·(1.0) = 1.0',
 '∂L/∂a = 1.0·(1.0) + 1.0·(-3.0) = -2.0', '∂L/∂b = 1.0·(2.0) = 2.0']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..check.chain import plain_formula
from ..check.structure import Edge
from ..core.value import CONST, Value
from .graph import (
    OUTPUT_NAME,
    add_legend,
    backward_graph,
    formula_text,
    forward_graph,
    node_names,
    substitute_operands,
    used_kinds,
)
from .player import FramePlayer, Slide
from .trace import DEFAULT_MAX_NODES, Term, Trace, fmt, graph_nodes, trace_backward

__all__ = ["BackwardSteps", "ForwardFrame", "Frame", "step_through"]


@dataclass(frozen=True)
class ForwardFrame:
    """One moment of the forward pass.

    Attributes:
        index: 0 for the inputs, then 1, 2, ...
        node: the node just computed (``None`` for the inputs' frame).
        name: its name in the diagram.
        equation: how its value was computed, with the numbers.
        source: the DOT source of the frame's diagram.
    """

    index: int
    node: Value | None
    name: str
    equation: str
    source: str


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
        factors: each term's local derivative with its formula in the graph's
            own names, as :func:`autograd_scalar.chain_rule` writes it
            (``∂a/∂z = σ(z)·(1 - σ(z)) = 0.2179``).
    """

    index: int
    node: Value
    name: str
    grad: float
    terms: tuple[Term, ...]
    equation: str
    source: str
    factors: tuple[str, ...] = ()


def _equation(name: str, grad: float, terms: tuple[Term, ...], is_root: bool) -> str:
    if is_root:
        return f"∂{OUTPUT_NAME}/∂{OUTPUT_NAME} = {fmt(grad)} (seed)"
    parts = " + ".join(f"{fmt(t.upstream)}·({fmt(t.local)})" for t in terms)
    return f"∂{OUTPUT_NAME}/∂{name} = {parts} = {fmt(grad)}"


def _factors(
    node: Value, name: str, terms: tuple[Term, ...], names: dict[int, str]
) -> tuple[str, ...]:
    """``∂child/∂node = formula = number`` for each term, the formula written
    exactly as :func:`autograd_scalar.chain_rule` writes it (one function
    serves both), in the diagram's names."""
    by_node = {p: names[id(p)] for t in terms for p in t.child.parents}
    factors = []
    seen: dict[int, int] = {}
    for term in terms:
        child = term.child
        # which operand of the child this node is (twice over for a * a)
        k = [i for i, p in enumerate(child.parents) if p is node][seen.get(id(child), 0)]
        seen[id(child)] = seen.get(id(child), 0) + 1
        text = f"∂{names[id(child)]}/∂{name}"
        if child.rule is not None:
            written = plain_formula(Edge(child, k, node, term.local), by_node)
            if not _is_number(written):  # "1 = 1.0" says nothing
                text += f" = {written}"
        factors.append(f"{text} = {fmt(term.local)}")
    return tuple(factors)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(x: float) -> str:
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def _forward_equation(node: Value, names: dict[int, str]) -> str:
    name = names[id(node)]
    rule = node.rule
    if rule is None:
        return f"{name} = {fmt(node.data)}"
    numbers = substitute_operands(rule.formula, [_number(p.data) for p in node.parents])
    return f"{name} = {formula_text(node, names)} = {numbers} = {fmt(node.data)}"


class BackwardSteps(FramePlayer):
    """The frames of a forward and a backward pass; see the module's description.

    ``frames`` are the backward pass's, ``forward_frames`` the forward pass's;
    the player shows the forward frames first. ``len()`` counts the backward
    frames (the steps of ``backward()``).
    """

    title = "Forward pass, then backward pass, step by step"

    def __init__(
        self, trace: Trace, frames: list[Frame], forward_frames: list[ForwardFrame] | None = None
    ) -> None:
        self.trace = trace
        self.frames = frames
        self.forward_frames = forward_frames or []
        slides = [
            Slide("forward pass", f.equation, f.source, "forward") for f in self.forward_frames
        ]
        slides += [
            Slide("backward pass", "; ".join((f.equation, *f.factors)), f.source, "frame")
            for f in frames
        ]
        super().__init__(slides)

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return (
            f"<BackwardSteps: {len(self.forward_frames)} forward frames, "
            f"{len(self.frames)} backward frames>"
        )


def step_through(
    root: Value,
    gradient: float = 1.0,
    *,
    params: Iterable[Value] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    forward: bool = True,
) -> BackwardSteps:
    """The frames of the forward pass and of ``root.backward(gradient)``,
    without running ``backward()`` on the graph.

    Args:
        root: the output (called L in the frames).
        gradient: the seed ∂L/∂root.
        params: Values to colour as parameters.
        max_nodes: refuse graphs with more nodes (``None``: no limit).
        forward: whether the forward pass's frames come first.
    """
    nodes = graph_nodes(root, max_nodes)
    names = node_names(nodes, root)
    param_ids = {id(p) for p in params} if params is not None else set()
    kinds = used_kinds(nodes, root, param_ids)
    trace = trace_backward(root, gradient)
    ahead = _forward_frames(root, nodes, names, param_ids, kinds) if forward else []
    frames = _backward_frames(root, nodes, names, param_ids, kinds, trace)
    return BackwardSteps(trace, frames, ahead)


def _forward_frames(
    root: Value, nodes: list[Value], names: dict[int, str], params: set[int], kinds: set[str]
) -> list[ForwardFrame]:
    """The inputs, then one frame per operation in the order it is computed."""
    leaves = [node for node in nodes if node.is_leaf]
    known = {id(node) for node in leaves}
    shown = [node for node in leaves if node.op != CONST]
    first = "inputs: " + ", ".join(f"{names[id(n)]} = {fmt(n.data)}" for n in shown)
    steps: list[tuple[Value | None, str]] = [(None, first)]
    steps += [(node, _forward_equation(node, names)) for node in nodes if not node.is_leaf]
    frames = []
    for index, (node, equation) in enumerate(steps):
        if node is not None:
            known.add(id(node))
        caption = f"forward step {index + 1} of {len(steps)}: {equation}"
        g = forward_graph(
            root,
            nodes,
            params,
            (caption, None),
            known=set(known),
            highlight=node,
            names=names,
        )
        add_legend(g, kinds, operations=True)
        name = names[id(node)] if node is not None else "inputs"
        frames.append(ForwardFrame(index, node, name, equation, g.source))
    return frames


def _backward_frames(
    root: Value,
    nodes: list[Value],
    names: dict[int, str],
    params: set[int],
    kinds: set[str],
    trace: Trace,
) -> list[Frame]:
    """One frame per node, in the order its gradient becomes final."""
    frames: list[Frame] = []
    known: set[int] = set()
    for index, node in enumerate(trace.final):
        known.add(id(node))
        terms = tuple(trace.terms.get(id(node), ()))
        name = names[id(node)]
        grad = trace.grad(node)
        equation = _equation(name, grad, terms, node is root)
        factors = _factors(node, name, terms, names)
        caption = f"backward step {index + 1} of {len(trace.final)}: {equation}"
        g = backward_graph(
            root, nodes, params, trace, known=set(known), highlight=node, caption=caption
        )
        add_legend(g, kinds, operations=False)
        frames.append(Frame(index, node, name, grad, terms, equation, g.source, factors))
    return frames
