"""The backward driver: equal to the reference, watchable, and clean."""

from __future__ import annotations

import gc
import math
from typing import Any

import pytest
from hypothesis import given, settings

from autograd_scalar import grad, hessian, hvp
from autograd_scalar.check.strategies import Expression, expressions
from autograd_scalar.core.backward import Watcher, backward, gradients
from autograd_scalar.core.errors import InvalidInputError, NonFiniteError
from autograd_scalar.core.graph import topological_order, walk
from autograd_scalar.core.modes import detect_anomaly
from autograd_scalar.core.reference import backward_reference
from autograd_scalar.core.value import Value
from autograd_scalar.transforms.functional import gradients as functional_gradients


def build(expr: Expression) -> tuple[list[Value], Value]:
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(expr.point)]
    return inputs, expr(*inputs)


@settings(max_examples=150)
@given(expressions(max_steps=10))
def test_the_fast_driver_equals_the_reference_on_random_graphs(expr: Expression) -> None:
    """Bit for bit, on every node: same terms, added in the same order."""
    _, out = build(expr)
    reference = backward_reference(out)
    out.backward()
    for node in walk(out):
        assert node.grad == reference.get(node, 0.0), str(expr)


@settings(max_examples=100)
@given(expressions(max_steps=8))
def test_the_general_loop_equals_the_fast_one(expr: Expression) -> None:
    """gradients() (dictionary, watchable) and create_graph give backward()'s numbers."""
    inputs, out = build(expr)
    side = gradients(out)
    recorded = gradients(out, create_graph=True)
    out.backward()
    for node in walk(out):
        if node.op == "const":
            continue
        assert side.get(node, 0.0) == node.grad
        expected = node.grad
        got = recorded[node].data if node in recorded else 0.0
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-300), str(expr)


def test_the_reference_reads_like_the_chain_rule() -> None:
    x, w, b = Value(2.0), Value(-3.0), Value(0.5)
    z = w * x + b
    grads = backward_reference(z.tanh())
    local = 1.0 - math.tanh(z.data) ** 2
    assert grads[x] == local * w.data and grads[w] == local * x.data and grads[b] == local


class Recorder(Watcher):
    def __init__(self) -> None:
        self.nodes: list[Value] = []
        self.terms: list[tuple[Value, Value, Any, Any, Any]] = []

    def on_node(self, node: Value, grad: Any) -> None:
        self.nodes.append(node)

    def on_term(self, parent: Value, node: Value, local: Any, upstream: Any, total: Any) -> None:
        self.terms.append((parent, node, local, upstream, total))


def test_a_watcher_sees_every_node_once_and_every_term() -> None:
    a = Value(3.0, label="a")
    b = a * a
    out = b + a
    watcher = Recorder()
    backward(out, watch=watcher)
    assert watcher.nodes == [out, b]
    assert [(p.label or p.op, n.op, local) for p, n, local, _, _ in watcher.terms] == [
        ("mul", "add", 1.0),
        ("a", "add", 1.0),
        ("a", "mul", 3.0),
        ("a", "mul", 3.0),
    ]
    assert a.grad == 7.0 and watcher.terms[-1][-1] == 7.0


def test_gradients_leave_every_grad_alone() -> None:
    x = Value(2.0)
    h = x.tanh()
    y = h * h
    y.backward(5.0)
    before = [(n, n.grad) for n in walk(y)]
    grads = gradients(y)
    assert all(n.grad is g for n, g in before)
    assert grads[x] == pytest.approx(x.grad / 5.0)


def test_gradients_follow_torch_when_one_input_depends_on_another() -> None:
    """torch.autograd.grad(b, [a, b]) with b = a²: [2a, 1] (the path through b counts)."""
    a = Value(3.0)
    b = a * a
    c = b + a
    assert functional_gradients(c, [a, b]) == [7.0, 1.0]
    assert functional_gradients(b, [a, b]) == [6.0, 1.0]


def test_a_value_seed_without_create_graph_is_refused() -> None:
    x = Value(2.0)
    y = x * x
    with pytest.raises(InvalidInputError, match="create_graph=True"):
        y.backward(Value(1.0, label="seed"))
    y.backward(Value(2.0), create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 8.0


def test_anomaly_is_reported_through_the_general_loop() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * 2.0
    with detect_anomaly(), pytest.raises(NonFiniteError, match="'x'"):
        y.backward()


def live_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def _leaves_no_cycle(make: Any) -> None:
    """Run ``make`` with the collector off; every node it built must be freed
    by reference counting alone once its results are dropped."""
    gc.collect()
    gc.disable()
    try:
        before = live_values()
        x = Value(0.7, label="x")
        result = make(x)
        del x, result
        assert live_values() == before
    finally:
        gc.enable()


def f(v: Any) -> Any:
    return (v * v).sin() + v.exp()


@pytest.mark.parametrize(
    "make",
    [
        lambda x: grad(f)(x),
        lambda x: grad(grad(f))(x),
        lambda x: hessian(lambda a, b: f(a) * b)(x, 1.5),
        lambda x: hvp(lambda a: f(a), [x], [1.0]),
        lambda x: functional_gradients(f(x), [x], create_graph=True),
    ],
    ids=["grad", "grad of grad", "hessian", "hvp", "gradients(create_graph)"],
)
def test_the_functional_api_leaves_no_reference_cycle(make: Any) -> None:
    _leaves_no_cycle(make)


def test_create_graph_into_grad_makes_the_documented_cycles() -> None:
    """backward(create_graph=True) stores a Value in every node's grad, whose
    graph leads back to the node (PyTorch warns of the same): reference
    cycles, which only the cyclic collector frees."""
    gc.collect()
    gc.disable()
    try:
        before = live_values()
        x = Value(0.7)
        f(x).backward(create_graph=True)
        del x
        assert live_values() > before  # kept alive by their own gradients
        gc.collect()
        assert live_values() == before
    finally:
        gc.enable()


def _recursive_order(root: Value) -> list[Value]:
    """The order topological_order promises, written recursively: depth first,
    the second operand before the first, each node after what it uses."""
    order: list[Value] = []
    seen: set[int] = set()

    def visit(node: Value) -> None:
        seen.add(id(node))
        for parent in (node._p1, node._p0):
            if parent is not None and parent._p0 is not None and id(parent) not in seen:
                visit(parent)
        order.append(node)

    if root._p0 is not None:
        visit(root)
    return order


@settings(max_examples=150)
@given(expressions(max_steps=12))
def test_the_ordering_is_a_depth_first_postorder(expr: Expression) -> None:
    """The iterative sort (sentinels, runs, going straight on) lists the nodes
    exactly as the plain recursive depth-first search does."""
    _, out = build(expr)
    expected = _recursive_order(out)
    assert topological_order(out, keep_grads=True) == expected, str(expr)


def test_the_ordering_of_shared_and_repeated_operands() -> None:
    x = Value(1.5)
    a = x * x
    b = a * a  # the same parent twice
    c = b + a  # a reached twice
    d = c * (c + b)
    assert topological_order(d, keep_grads=True) == _recursive_order(d)


def test_the_ordering_of_a_network_loss() -> None:
    """Sums of products of weights and inputs, shared activations: the
    shapes the sort has shortcuts for."""
    from autograd_scalar.nn import MLP

    model = MLP(2, [4, 3, 1], seed=1)
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    loss = sum((model([Value(a), Value(b)])[0] for a, b in xs), Value(0.0)).relu()
    assert topological_order(loss, keep_grads=True) == _recursive_order(loss)
