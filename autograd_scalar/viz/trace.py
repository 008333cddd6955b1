"""Replaying ``backward()`` on the side, without touching the graph.

Diagrams and the step-through need, for every node, its gradient and the
chain-rule terms that summed to it, in the order the engine adds them. The
engine's own ordering (``engine._topological_order``) marks nodes through their
``grad``, so calling it would wipe the gradients a diagram is meant to show.
:func:`engine_order` is the same depth-first search with a dictionary for the
marks instead: the same order, node for node (a test checks this), and the
graph is left as it was. :func:`trace_backward` then runs the chain rule over
that order on plain floats, exactly as ``Value.backward()`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import AutogradError
from ..core.value import CONST, Value

__all__ = [
    "DEFAULT_MAX_NODES",
    "GraphTooLargeError",
    "Term",
    "Trace",
    "engine_order",
    "fmt",
    "graph_nodes",
    "trace_backward",
]

#: The largest scalar graph drawn unless ``max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 500


class GraphTooLargeError(AutogradError, ValueError):
    """A scalar graph with more nodes than a diagram can usefully show."""


def _as_float(x: Any) -> float:
    return float(x.data if isinstance(x, Value) else x)


def fmt(x: Any) -> str:
    """A number as diagrams print it: whole numbers with one decimal, others
    with four significant digits.

    >>> fmt(2), fmt(-0.5), fmt(0.7615941559557649), fmt(1e-9), fmt(3.00009)
    ('2.0', '-0.5', '0.7616', '1e-09', '3.000')
    """
    v = _as_float(x)
    if v == v and abs(v) < 1e6 and v == int(v):
        return f"{v:.1f}"
    text = f"{v:.4g}"
    if text.lstrip("-").isdigit():  # rounded to a whole number: keep the zeros, it is not exact
        text = f"{v:#.4g}"
    return text


def graph_nodes(root: Value, max_nodes: int | None = DEFAULT_MAX_NODES) -> list[Value]:
    """Every node of ``root``'s graph, each after its parents (``root`` last).

    Deterministic: a depth-first walk visiting the first operand before the
    second. Raises :class:`GraphTooLargeError` above ``max_nodes`` nodes.
    """
    expanded: set[int] = set()
    order: list[Value] = []
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in expanded:  # pushed twice, reached by two paths
            continue
        expanded.add(id(node))
        if max_nodes is not None and len(expanded) > max_nodes:
            raise GraphTooLargeError(
                "draw",
                len(expanded),
                f"the graph has more than {max_nodes} nodes, too many to read as a "
                "scalar diagram; draw a network with draw_network(mlp, x) (one node "
                "per neuron) or pass a larger max_nodes=",
                root.label,
            )
        stack.append((node, True))
        for parent in reversed(node.parents):  # reversed: the first operand comes first
            if id(parent) not in expanded:
                stack.append((parent, False))
    return order


def engine_order(root: Value) -> list[Value]:
    """The interior nodes in the order ``backward()`` lists them (``root``
    last; the engine processes them from the end), without marking ``grad``."""
    entered, done = 1, 2
    mark: dict[int, int] = {}
    order: list[Value] = []
    stack = [root]
    while stack:
        node = stack[-1]
        state = mark.get(id(node))
        if state == entered:
            stack.pop()
            mark[id(node)] = done
            order.append(node)
        elif state == done:
            stack.pop()
        else:
            pushed = False
            for parent in node.parents:
                if not parent.is_leaf and mark.get(id(parent)) != done:
                    stack.append(parent)
                    pushed = True
            if pushed:
                mark[id(node)] = entered
            else:
                stack.pop()
                mark[id(node)] = done
                order.append(node)
    return order


@dataclass(frozen=True)
class Term:
    """One chain-rule term of a node's gradient: ∂L/∂child · ∂child/∂node."""

    child: Value
    upstream: float  # ∂L/∂child
    local: float  # ∂child/∂node

    @property
    def value(self) -> float:
        return self.local * self.upstream


@dataclass
class Trace:
    """The outcome of :func:`trace_backward`.

    Attributes:
        root: the output.
        seed: ∂L/∂root.
        processed: the interior nodes in the order the engine processes them
            (output first).
        final: every node that receives a gradient, in the order its gradient
            becomes final (output first; constants left out).
        grads: ∂L/∂node by ``id(node)``.
        terms: the chain-rule terms of each node's gradient by ``id(node)``,
            in the order the engine adds them.
    """

    root: Value
    seed: float
    processed: list[Value]
    final: list[Value]
    grads: dict[int, float] = field(default_factory=dict)
    terms: dict[int, list[Term]] = field(default_factory=dict)

    def grad(self, node: Value) -> float:
        return self.grads.get(id(node), 0.0)


def trace_backward(root: Value, seed: float = 1.0) -> Trace:
    """Run the chain rule from ``root`` on floats, in the engine's order.

    >>> from autograd_scalar.engine import Value
    >>> a = Value(2.0, label="a")
    >>> t = trace_backward(a * a + a)  # the engine reaches "+ a" before "a * a"
    >>> t.grad(a), [term.value for term in t.terms[id(a)]]
    (5.0, [1.0, 2.0, 2.0])
    """
    processed = list(reversed(engine_order(root))) if not root.is_leaf else []
    remaining: dict[int, int] = {}
    for node in processed:
        for parent, local in zip(node.parents, node.local_grads):
            if local is not None:
                remaining[id(parent)] = remaining.get(id(parent), 0) + 1
    trace = Trace(root, float(seed), processed, [root])
    trace.grads[id(root)] = float(seed)
    for node in processed:
        upstream = trace.grads[id(node)]
        for parent, local in zip(node.parents, node.local_grads):
            if local is None:
                continue
            term = Term(node, upstream, _as_float(local))
            trace.terms.setdefault(id(parent), []).append(term)
            trace.grads[id(parent)] = trace.grads.get(id(parent), 0.0) + term.value
            remaining[id(parent)] -= 1
            if remaining[id(parent)] == 0 and parent.op != CONST:
                trace.final.append(parent)
    return trace
