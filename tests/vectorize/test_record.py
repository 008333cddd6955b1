"""Tests for autograd_scalar.vectorize.record: tracing one example, the
engine's one ordering, and comparing recordings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd_scalar.core.errors import DataDependentError, InvalidInputError
from autograd_scalar.core.graph import topological_order
from autograd_scalar.core.value import Value
from autograd_scalar.vectorize import record
from autograd_scalar.vectorize.backend import numpy_module
from autograd_scalar.vectorize.record import Graph, arg_names, compare, nodes_of, trace


def test_a_comparison_while_recording_is_refused() -> None:
    def f(x: Value) -> Value:
        return x * 2 if x > 0 else -x  # a Python branch on the data

    with pytest.raises(DataDependentError, match="compared while recording") as info:
        record(f, 1.0)
    assert info.value.label == "x"
    assert Value(1.0) > 0  # the guard is lifted afterwards


def test_the_comparison_guard_is_lifted_when_the_function_raises() -> None:
    def f(x: Value) -> Value:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        record(f, 1.0)
    assert Value(1.0) < 2.0
    assert Value(1.0) >= Value(1.0)


def test_inputs_are_fresh_values_labelled_by_argument() -> None:
    def f(point: list[Value], target: Value) -> Value:
        return (point[0] * point[1] - target) ** 2

    graph = trace(numpy_module(), f, [[1.0, 2.0], 3.0], [0, 1], arg_names(f, 2))
    assert [v.label for v in graph.inputs] == ["point[0]", "point[1]", "target"]
    assert [v.data for v in graph.inputs] == [1.0, 2.0, 3.0]
    assert graph.output is graph.nodes[-1]
    with pytest.raises(InvalidInputError, match="not finite"):
        trace(numpy_module(), f, [[1.0, float("inf")], 3.0], [0, 1], arg_names(f, 2))


def test_nodes_follow_the_engines_ordering_and_keep_gradients() -> None:
    """The operations come in the core's one topological order (no sort of
    its own), leaves just before their first use; gradients are left alone."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    shared = a * b
    shared.grad = 7.0  # e.g. from an earlier backward(): recording must not reset it
    out = (shared + a).tanh() * (shared - b)
    nodes, parents = nodes_of(out)
    operations = [n for n in nodes if not n.is_leaf]
    assert shared.grad == 7.0
    assert operations == topological_order(out, keep_grads=True)
    assert nodes[-1] is out
    position = {id(n): i for i, n in enumerate(nodes)}
    for i, node in enumerate(nodes):
        assert parents[i] == tuple(position[id(p)] for p in node.parents)
        assert all(j < i for j in parents[i])
    assert len(nodes) == len({id(n) for n in out.walk()})


def test_a_leaf_output_is_its_own_graph() -> None:
    x = Value(1.0)
    assert nodes_of(x) == ((x,), ((),))


def _graph(f: Callable[[Value], Value], x: float) -> Graph:
    return trace(numpy_module(), f, [x], [0], ["x"])


def test_compare_names_the_first_difference() -> None:
    def f(x: Value) -> Value:
        return x * 2.0 if x.data > 0 else x * 3.0  # another constant

    first = _graph(f, 1.0)
    compare(first, _graph(f, 5.0), 1)
    with pytest.raises(DataDependentError, match="batch example 4 differs.* at node 1"):
        compare(first, _graph(f, -1.0), 4)

    def g(x: Value) -> Value:
        return x.exp() if x.data > 0 else (x * x).exp()

    with pytest.raises(DataDependentError, match="2 nodes against 3"):
        compare(_graph(g, 1.0), _graph(g, -1.0), 2)


def test_recording_holds_the_collector_and_puts_it_back() -> None:
    import gc

    from autograd_scalar.core.collector import is_collector_held

    held: list[bool] = []

    def f(x: Value) -> Value:
        held.append(is_collector_held())
        return x * x + 1.0

    before = gc.get_threshold()
    record(f, 2.0)
    assert held == [True]
    assert gc.get_threshold() == before and not is_collector_held()
