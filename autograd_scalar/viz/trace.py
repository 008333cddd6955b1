"""Watching ``backward()``, without touching the graph.

Diagrams and the step-through need, for every node, its gradient and the
chain-rule terms that summed to it, in the order the engine adds them.
:func:`trace_backward` runs the engine's own backward driver
(:func:`autograd_scalar.core.backward.gradients`, which leaves every ``grad``
alone) with a :class:`~autograd_scalar.core.backward.Watcher` that writes each
step down: the same order and the same floating-point sums as
``Value.backward()``, by construction, whatever the nodes' ``.grad`` hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.backward import Watcher, gradients
from ..core.errors import AutogradError
from ..core.graph import every_node, topological_order
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
    if max_nodes is None:
        return every_node(root)
    order = every_node(root, max_nodes)
    if order is None:
        raise GraphTooLargeError(
            "draw",
            max_nodes + 1,  # the nodes reached when the walk stopped
            f"the graph has more than {max_nodes} nodes, too many to read as a "
            "scalar diagram; draw a network with draw_network(mlp, x) (one node "
            "per neuron) or pass a larger max_nodes=",
            root.label,
        )
    return order


def engine_order(root: Value) -> list[Value]:
    """The interior nodes in the order ``backward()`` lists them (``root``
    last; the engine processes them from the end), ``grad`` untouched."""
    return topological_order(root, keep_grads=True)


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


class _Recorder(Watcher):
    """Writes down each step of the driver into a :class:`Trace`."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.last_term: dict[int, int] = {}  # node -> index of its last term
        self.nodes: dict[int, Value] = {}
        self.events = 0

    def on_node(self, node: Value, grad: Any) -> None:
        self.trace.processed.append(node)

    def on_term(self, parent: Value, node: Value, local: Any, upstream: Any, total: Any) -> None:
        term = Term(node, _as_float(upstream), _as_float(local))
        self.trace.terms.setdefault(id(parent), []).append(term)
        self.trace.grads[id(parent)] = _as_float(total)
        self.last_term[id(parent)] = self.events
        self.nodes[id(parent)] = parent
        self.events += 1


def trace_backward(root: Value, seed: float = 1.0) -> Trace:
    """Run the engine's backward pass from ``root`` and write every step down.

    >>> from autograd_scalar.core.value import Value
    >>> a = Value(2.0, label="a")
    >>> t = trace_backward(a * a + a)  # the engine reaches "+ a" before "a * a"
    >>> t.grad(a), [term.value for term in t.terms[id(a)]]
    (5.0, [1.0, 2.0, 2.0])
    """
    trace = Trace(root, float(seed), [], [root])
    trace.grads[id(root)] = float(seed)
    recorder = _Recorder(trace)
    gradients(root, float(seed), watch=recorder)
    # A gradient is final once its last term is in: list nodes in that order.
    done = sorted(recorder.last_term, key=recorder.last_term.__getitem__)
    trace.final.extend(recorder.nodes[i] for i in done if recorder.nodes[i].op != CONST)
    return trace
