"""Tracing one example into a graph, and comparing two recordings.

:func:`trace` calls the user's function once, on fresh input Values, with
recording on and comparisons of Values refused (through the engine's
comparison hook, :func:`autograd_scalar.core.modes.watching_comparisons`):
a Python ``if`` on a Value would make the graph depend on the data. It holds
the cyclic garbage collector meanwhile
(:func:`autograd_scalar.core.collector.hold_collector`).
:func:`compare` checks that a recording made on another example has the same
operations, wiring and constants, for branches the hook cannot see (on
``v.data``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..core.collector import hold_collector
from ..core.errors import DataDependentError, InvalidInputError
from ..core.graph import topological_order
from ..core.modes import enable_grad, watching_comparisons
from ..core.value import Value

__all__ = ["Graph", "arg_names", "as_example", "compare", "describe", "nodes_of", "trace"]


@dataclass(frozen=True)
class Graph:
    """One recording: the nodes in topological order and their wiring.

    Attributes:
        output: the function's result.
        nodes: every node below ``output``, each after the nodes it uses
            (leaves just before their first use), ``output`` last.
        parents: per node, the positions of its parents in ``nodes``.
        inputs: the per-example input leaves, flattened in argument order.
    """

    output: Value
    nodes: tuple[Value, ...]
    parents: tuple[tuple[int, ...], ...]
    inputs: tuple[Value, ...]


def arg_names(f: Callable[..., Any], count: int) -> list[str]:
    """The names of ``f``'s first ``count`` positional parameters (``argN``
    where it has none)."""
    try:
        names = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # builtins and some callables have no signature
        names = []
    return [names[i] if i < len(names) else f"arg{i}" for i in range(count)]


def as_example(np: ModuleType, value: object, name: str) -> Any:
    """One example of a per-example argument, as a float array."""
    if isinstance(value, Value):
        value = value.data
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(
            "record", value, f"argument {name!r} must be a number or nested lists of numbers"
        ) from None
    if not np.isfinite(array).all():
        raise InvalidInputError("record", value, f"argument {name!r} is not finite")
    return array


def _refuse_comparison(op: str, a: Any, b: Any) -> None:
    label = a.label if isinstance(a, Value) else None
    raise DataDependentError(
        "record",
        (getattr(a, "data", a), getattr(b, "data", b)),
        f"a Value was compared while recording a function for batched replay ({op}); a "
        "branch on it would make the graph depend on the data. Use relu/abs (recorded "
        "operations) instead of a Python if",
        label,
    )


def trace(
    np: ModuleType,
    f: Callable[..., Any],
    args: Sequence[Any],
    batch_argnums: Sequence[int],
    names: list[str],
) -> Graph:
    """Call ``f`` on one example with fresh input Values and collect the graph."""
    call_args = list(args)
    inputs: list[Value] = []
    for n in batch_argnums:
        example = as_example(np, args[n], names[n])
        flat = [
            Value(float(v), label=f"{names[n]}[{i}]" if example.ndim else names[n])
            for i, v in enumerate(example.ravel())
        ]
        inputs.extend(flat)
        if example.ndim == 0:
            call_args[n] = flat[0]
        else:
            holder = np.empty(len(flat), dtype=object)
            holder[:] = flat
            call_args[n] = holder.reshape(example.shape).tolist()
    # The recording is one big graph, which makes no reference cycles: the
    # cyclic collector would only traverse it (see core.collector).
    with hold_collector():
        with enable_grad(), watching_comparisons(_refuse_comparison):
            output = f(*call_args)
        if not isinstance(output, Value):
            raise InvalidInputError(
                "record", output, f"the function must return a Value, got {type(output).__name__}"
            )
        nodes, parents = nodes_of(output)
    return Graph(output, nodes, parents, tuple(inputs))


def nodes_of(root: Value) -> tuple[tuple[Value, ...], tuple[tuple[int, ...], ...]]:
    """Every node below ``root`` in the engine's one topological order
    (:func:`~autograd_scalar.core.graph.topological_order`, gradients kept),
    each leaf inserted just before the first node that uses it; and each
    node's parents, as positions."""
    position: dict[int, int] = {}
    nodes: list[Value] = []
    parents: list[tuple[int, ...]] = []

    def add(node: Value) -> None:
        position[id(node)] = len(nodes)
        nodes.append(node)
        parents.append(tuple(position[id(p)] for p in node.parents))

    for node in topological_order(root, keep_grads=True) if not root.is_leaf else []:
        for p in node.parents:
            if p.is_leaf and id(p) not in position:
                add(p)
        add(node)
    if root.is_leaf:  # the function returned one of its leaves
        add(root)
    return tuple(nodes), tuple(parents)


def compare(first: Graph, other: Graph, example: int) -> None:
    """Raise :class:`DataDependentError` where ``other`` (recorded on batch
    example ``example``) differs from ``first``: another number of nodes,
    another operation or wiring, another constant or leaf."""
    where = f"recording on batch example {example} differs from the first recording"
    if len(first.nodes) != len(other.nodes):
        raise DataDependentError(
            "record",
            (len(first.nodes), len(other.nodes)),
            f"{where}: {len(first.nodes)} nodes against {len(other.nodes)}; the graph "
            "depends on the data (a Python branch on .data?)",
        )
    first_inputs = {id(v): i for i, v in enumerate(first.inputs)}
    other_inputs = {id(v): i for i, v in enumerate(other.inputs)}
    for k, (a, b) in enumerate(zip(first.nodes, other.nodes)):
        same = a.op == b.op and first.parents[k] == other.parents[k]
        if same and a.is_leaf:
            ia, ib = first_inputs.get(id(a)), other_inputs.get(id(b))
            if ia is not None or ib is not None:
                same = ia == ib
            elif a is not b:  # a constant, or a leaf made inside the function
                same = a.data == b.data
        if not same:
            raise DataDependentError(
                "record",
                (describe(a), describe(b)),
                f"{where} at node {k}: {describe(a)} against {describe(b)}; the graph "
                "depends on the data (a Python branch on .data, or a number taken from it?)",
                a.label,
            )


def describe(node: Value) -> str:
    """A node as the comparison's messages name it: op, label, a leaf's value."""
    name = node.op or "leaf"
    if node.label:
        name += f" {node.label!r}"
    return f"{name}={node.data!r}" if node.is_leaf else name
