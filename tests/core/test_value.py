"""The core engine: graph recording, backward(), modes, memory."""

from __future__ import annotations

import asyncio
import gc
import math
import threading
import tracemalloc

import pytest

from autograd_scalar import (
    InvalidInputError,
    NonFiniteError,
    Value,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    zero_grad,
)
from autograd_scalar.core import CONST


def test_node_records_parents_op_and_local_derivatives() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert c.op == "mul"
    assert c.parents == (a, b)
    assert c.local_grads == (-3.0, 2.0)  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    assert not c.is_leaf and a.is_leaf
    assert c.rule is not None and c.rule.formula == "x * y"


def test_number_operands_become_constant_leaves() -> None:
    x = Value(1.5)
    for y in (x * 2, 2 * x, x + 2, 2 + x, x - 2, 2 - x, x / 2, 2 / x):
        const = next(p for p in y.parents if p is not x)
        assert const.op == CONST and const.data == 2.0 and const.is_leaf


def test_pow_keeps_its_exponent_undifferentiated() -> None:
    x = Value(3.0)
    y = x**2
    assert y.op == "pow" and y.parents[1].data == 2.0
    assert y.local_grads == (6.0, None)
    y.backward()
    assert x.grad == 6.0
    assert y.parents[1].grad == 0.0


def test_seed_two_path_chain_rule() -> None:
    """Seed 000/002: ∂l/∂a = w3·∂l/∂z' + w4·∂l/∂z'' when a feeds two neurons."""
    a = Value(0.7, label="a")
    w3, w4 = Value(1.5, label="w3"), Value(-0.5, label="w4")
    z1, z2 = a * w3, a * w4
    loss = z1.sigmoid() + z2.tanh() * 2.0
    loss.backward()
    dl_dz1 = z1.sigmoid().data * (1 - z1.sigmoid().data)
    dl_dz2 = 2.0 * (1 - math.tanh(z2.data) ** 2)
    assert a.grad == pytest.approx(w3.data * dl_dz1 + w4.data * dl_dz2, rel=1e-15)
    assert z1.grad == pytest.approx(dl_dz1) and z2.grad == pytest.approx(dl_dz2)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda a: a + a, 2.0),
        (lambda a: a * a, 2 * 3.0),
        (lambda a: a * a * a, 3 * 3.0**2),
        (lambda a: (a + a) * a, 4 * 3.0),
        (lambda a: a - a, 0.0),
        (lambda a: a / a, 0.0),
    ],
)
def test_reused_node_sums_over_paths(build, expected) -> None:  # type: ignore[no-untyped-def]
    a = Value(3.0)
    build(a).backward()
    assert a.grad == pytest.approx(expected, abs=1e-15)


def test_repeated_backward_accumulates_in_leaves_only() -> None:
    x = Value(3.0)
    square = x * x
    y = square + x
    y.backward()
    assert x.grad == 7.0
    assert square.grad == 1.0
    y.backward()
    assert x.grad == 14.0  # leaves accumulate, as in PyTorch
    assert square.grad == 1.0  # interior nodes hold this pass only (micrograd: 2.0)
    assert y.grad == 1.0


def test_backward_from_two_outputs_sharing_a_subgraph() -> None:
    x = Value(2.0)
    h = x * x
    u, v = h * 3.0, h + 1.0
    u.backward()
    assert h.grad == 3.0 and x.grad == 12.0
    v.backward()
    assert h.grad == 1.0  # not 4.0: nothing stale from u's pass
    assert x.grad == 12.0 + 4.0


def test_seed_gradient_scales_every_gradient() -> None:
    x, w = Value(0.3), Value(-1.2)
    y = (x * w).tanh()
    y.backward()
    grads = (x.grad, w.grad)
    y.zero_grad()
    y.backward(2.5)
    assert y.grad == 2.5
    assert (x.grad, w.grad) == pytest.approx(tuple(2.5 * g for g in grads), rel=1e-15)


def test_backward_of_a_leaf_is_one() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_rejects_a_non_numeric_seed() -> None:
    with pytest.raises(InvalidInputError, match="backward"):
        (Value(1.0) * 2).backward("1")  # type: ignore[arg-type]


def test_zero_grad_of_graph_and_of_parameters() -> None:
    a, b = Value(1.0), Value(2.0)
    out = (a * b).exp()
    out.backward()
    assert a.grad != 0 and b.grad != 0
    zero_grad([a])
    assert a.grad == 0.0 and b.grad != 0.0
    out.zero_grad()
    assert all(node.grad == 0.0 for node in out.walk())


def test_walk_visits_each_node_once() -> None:
    a = Value(1.0)
    b = a * a
    c = b + b
    nodes = list(c.walk())
    assert len(nodes) == 3 and {id(n) for n in nodes} == {id(a), id(b), id(c)}


def test_million_deep_chain_backpropagates_without_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_001.0
    del y  # freeing a million-deep chain must not overflow the C stack either
    gc.collect()


def test_python_sum_of_many_values() -> None:
    """micrograd raises RecursionError here (its topological sort recurses)."""
    xs = [Value(float(i)) for i in range(5000)]
    total = sum(xs)
    total.backward()
    assert total.data == sum(range(5000))
    assert all(x.grad == 1.0 for x in xs)


def test_no_grad_builds_no_graph_and_nests() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + x.exp()
        with enable_grad():
            z = x * 3.0
        w = x * 3.0
    assert is_grad_enabled()
    assert y.is_leaf and y.op == "" and y.data == pytest.approx(4 + math.exp(2))
    assert not z.is_leaf and w.is_leaf


def test_no_grad_is_per_thread() -> None:
    inside = threading.Event()
    release = threading.Event()
    results: dict[str, bool] = {}

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)
            results["worker"] = (Value(1.0) * 2).is_leaf

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    results["main"] = (Value(1.0) * 2).is_leaf  # the other thread is inside no_grad
    release.set()
    thread.join()
    assert results == {"worker": True, "main": False}


def test_no_grad_is_per_asyncio_task() -> None:
    async def recorded() -> bool:
        await asyncio.sleep(0)
        return (Value(1.0) * 2).is_leaf

    async def unrecorded() -> bool:
        with no_grad():
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return (Value(1.0) * 2).is_leaf

    async def main() -> list[bool]:
        return list(await asyncio.gather(unrecorded(), recorded()))

    assert asyncio.run(main()) == [True, False]


def test_detach_cuts_the_graph() -> None:
    x = Value(2.0, label="x")
    y = x * x
    d = y.detach()
    z = d * x
    z.backward()
    assert d.is_leaf and d.data == 4.0 and d.label == y.label
    assert x.grad == 4.0  # only the direct path: d counts as a constant


def test_comparisons_are_plain_bools_and_record_nothing() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a >= b) is False and (b > 1.5) is True and (a <= 1) is True
    assert a != Value(1.0)  # == is identity, so Values can live in sets and dicts
    assert len({a, b, a}) == 2
    assert sorted([b, a])[0] is a


def test_truth_value_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="truth value"):
        bool(Value(1.0, label="flag"))


def test_the_constructor_checks_its_arguments_and_makes_a_leaf() -> None:
    # Value(...) is checked by Value's type, so the operations can make their
    # nodes without running it; from outside it is an ordinary constructor.
    import copy
    import inspect
    import pickle

    assert list(inspect.signature(Value).parameters) == ["data", "label"]
    x = Value(2, "x")
    assert type(x.data) is float and (x.data, x.grad, x.label) == (2.0, 0.0, "x")
    assert x.op == "" and x.parents == ()
    assert isinstance(x, Value) and isinstance(Value, type)
    for clone in (copy.copy(x), pickle.loads(pickle.dumps(x))):
        assert type(clone) is Value and (clone.data, clone.label, clone.op) == (2.0, "x", "")
    with pytest.raises(InvalidInputError, match="expected a real number"):
        Value("2")
    with pytest.raises(InvalidInputError):
        Value(2.0, label=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Value()  # type: ignore[call-arg]
    with no_grad():  # a leaf whatever the mode
        assert Value(1.0).is_leaf


def test_repr_shows_data_grad_label_op() -> None:
    assert repr(Value(1.5, label="x")) == "Value(data=1.5, grad=0.0, label='x')"
    assert "op='tanh'" in repr(Value(0.0).tanh())


def test_create_graph_gives_differentiable_gradients() -> None:
    x = Value(0.4)
    y = x**3 + x.sin()
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    assert first.data == pytest.approx(3 * 0.4**2 + math.cos(0.4))
    x.grad = 0.0
    first.backward()
    assert x.grad == pytest.approx(6 * 0.4 - math.sin(0.4))


def test_detect_anomaly_names_the_first_non_finite_node_forward() -> None:
    a = Value(1e200, label="big")
    with detect_anomaly(), pytest.raises(NonFiniteError) as info:
        a * a
    message = str(info.value)
    assert "mul" in message and "'big'=1e+200" in message and "inf" in message


def test_detect_anomaly_rejects_non_finite_inputs() -> None:
    with detect_anomaly(), pytest.raises(NonFiniteError, match="'x'"):
        Value(float("nan"), label="x")


def test_detect_anomaly_names_the_node_in_backward() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()  # derivative 1/(2·sqrt(0)) is infinite
    with detect_anomaly(), pytest.raises(NonFiniteError) as info:
        y.backward()
    message = str(info.value)
    assert "backward" in message and "'x'" in message and "sqrt" in message


def test_without_check_mode_inf_flows_silently() -> None:
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_dropped_graph_is_freed_by_reference_counting_alone() -> None:
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        x = Value(0.5)
        y = x
        for _ in range(20_000):
            y = (y * 1.0001).tanh() + x
        y.backward()
        held = tracemalloc.get_traced_memory()[0] - before
        del x, y
        after = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    finally:
        gc.enable()
    assert held > 20_000 * 4 * 100  # 80,000 nodes were alive
    assert after < held / 100  # and went back without the cyclic collector


def test_backward_adds_terms_in_its_topological_order() -> None:
    """The step-through replays backward() in _topological_order's order, so
    that must be the order backward() adds terms in. Floating-point sums
    depend on order: 1e16 + 1 - 1e16 is 0 or 1."""
    from autograd_scalar.core.graph import topological_order as _topological_order

    x = Value(1.0, label="x")
    s = x * 1.0
    root = ((s * 1e16) + (s * 1.0)) + (s * -1e16)
    order = _topological_order(root)[::-1]  # listed root last; processed root first
    assert order[0] is root and order[-1] is s
    expected = 0.0
    for node in order:  # s's users in processing order, each adding ∂node/∂s · 1
        if s in node.parents:
            expected += node.local_grads[node.parents.index(s)]
    root.backward()
    assert s.grad == expected
    assert x.grad == expected


def test_topological_order_lists_every_node_before_its_users() -> None:
    from autograd_scalar.core.graph import topological_order as _topological_order

    a = Value(0.5)
    b = a * a
    c = b.tanh() + b
    d = c * a + c.exp()
    order = _topological_order(d)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(order) == len(position) == sum(1 for n in d.walk() if not n.is_leaf)
    for node in order:
        for parent in node.parents:
            if not parent.is_leaf:
                assert position[id(parent)] < position[id(node)]


def test_an_interrupted_backward_leaves_nothing_stale() -> None:
    """backward() marks nodes through grad; a pass cut short (here by a
    KeyboardInterrupt from a local derivative) must not confuse the next one."""
    x = Value(0.3)
    h = x.tanh()
    y = h * h + h

    class Boom:
        def __mul__(self, other: object) -> float:
            raise KeyboardInterrupt

    saved = y._d1
    y._d1 = Boom()
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    y._d1 = saved
    x.grad = 0.0
    y.backward()
    t = math.tanh(0.3)
    assert x.grad == pytest.approx((2 * t + 1) * (1 - t * t), rel=1e-15)
