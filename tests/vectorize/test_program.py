"""Tests for autograd_scalar.vectorize: a recording replayed over a batch must
give what the engine gives one example at a time.

"Equal" is to 1e-12 relative, with an absolute floor of 1e-12 for results
near 0, and for a gradient summed over the batch relative to the sum of the
per-example magnitudes: the replay adds the chain rule's terms (and the
examples) in another order than the engine, which moves the last bits of a
result that cancels to almost nothing (seen: 5.383222370806e-08 against
5.383222370832e-08, from O(1) terms)."""

from __future__ import annotations

import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.check.strategies import Expression, expressions, op_inputs
from autograd_scalar.core.errors import (
    DataDependentError,
    DomainError,
    InvalidInputError,
    ZeroDivisionError_,
)
from autograd_scalar.core.rules import FLOAT_MATH, RULES
from autograd_scalar.core.value import Value
from autograd_scalar.vectorize import program as vectorize
from autograd_scalar.vectorize.program import array_local, batched_loss_and_grad, record

TOL = 1e-12


# ------------------------------------------------------------ the reference
def engine_per_example(
    f: Callable[..., Value],
    batch: Sequence[np.ndarray],
    params: Sequence[Value],
    reduce: str = "sum",
) -> tuple[list[float], list[float], list[float], list[list[float]]]:
    """Values, summed parameter gradients, their scale (Σ|per-example grad|),
    and per-example input gradients, from the scalar engine one example at
    a time: the ground truth."""
    n = len(batch[0])
    seed = 1.0 if reduce == "sum" else 1.0 / n
    values: list[float] = []
    total = [0.0] * len(params)
    scale = [0.0] * len(params)
    input_grads = []
    for i in range(n):
        inputs = [[Value(float(v)) for v in np.ravel(arr[i])] for arr in batch]
        args = [nested(ins, np.shape(arr[i])) for ins, arr in zip(inputs, batch)]
        for p in params:
            p.grad = 0.0
        out = f(*args)
        out.backward(seed)
        values.append(out.data)
        for k, p in enumerate(params):
            total[k] += p.grad
            scale[k] += abs(p.grad)
        input_grads.append([v.grad for ins in inputs for v in ins])
    return values, total, scale, input_grads


def nested(values: list[Value], shape: tuple[int, ...]) -> Any:
    """Values laid out in nested lists of the given shape (a Value for ())."""
    if not shape:
        return values[0]
    step = len(values) // shape[0]
    return [nested(values[k * step : (k + 1) * step], shape[1:]) for k in range(shape[0])]


def assert_matches_engine(
    f: Callable[..., Value],
    batch: Sequence[np.ndarray],
    params: Sequence[Value],
    reduce: str = "sum",
) -> None:
    rec = record(f, *(arr[0].tolist() for arr in batch), params=params)
    got = rec.run(*batch, reduce=reduce, input_grads=True)  # type: ignore[arg-type]
    values, grads, scale, input_grads = engine_per_example(f, batch, params, reduce)
    for a, b in zip(got.values.tolist(), values):
        assert math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), (a, b)
    for a, b, s in zip(got.grads.tolist(), grads, scale):
        assert abs(a - b) <= TOL * max(abs(b), s, 1.0), (a, b)
    assert got.input_grads is not None
    flat = np.concatenate([g.reshape(len(values), -1) for g in got.input_grads], axis=1)
    for row, expected in zip(flat.tolist(), input_grads):
        for a, b in zip(row, expected):
            assert math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), (a, b)


# ------------------------------------------------------------ random graphs
@settings(max_examples=60)
@given(
    expressions(min_inputs=2, max_inputs=4, max_steps=10),
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
    st.sampled_from(["sum", "mean"]),
)
def test_random_graphs_match_the_engine(
    expr: Expression, seed: int, batch: int, reduce: str
) -> None:
    # The first input is a parameter shared by all examples, the others are data.
    w = Value(expr.point[0], label="w")
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2.0, 2.0, size=(batch, expr.n_inputs - 1))
    assert_matches_engine(lambda x: expr(w, *x), [xs], [w], reduce)


@settings(max_examples=30)
@given(expressions(min_inputs=1, max_inputs=3, max_steps=8), st.integers(1, 5))
def test_graphs_of_parameters_only_are_computed_once_and_broadcast(
    expr: Expression, batch: int
) -> None:
    params = [Value(v) for v in expr.point]
    rec = record(lambda x: expr(*params) + 0.0 * x, 1.0, params=params)
    values, grads = rec.value_and_grad(np.zeros(batch), reduce="sum")
    out = expr(*params)
    out.backward(float(batch))
    assert values.tolist() == pytest.approx([out.data] * batch, rel=TOL, abs=TOL)
    assert grads.tolist() == pytest.approx([p.grad for p in params], rel=TOL, abs=TOL)


# ------------------------------------------------------------ MLP losses
def make_mlp(rng: random.Random, sizes: list[int]) -> list[list[list[Value]]]:
    """Layers of neurons [w_1..w_n, b], plain Values (the nn module's contract)."""
    return [
        [[Value(rng.uniform(-1, 1)) for _ in range(nin + 1)] for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]


def mlp(
    layers: list[list[list[Value]]], x: list[Any], activation: str, swap: bool = False
) -> Value:
    """micrograd's MLP; ``swap`` writes the products x·w instead of w·x."""
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        out = []
        for neuron in layer:
            act = neuron[-1]
            for wi, xi in zip(neuron, x):
                act = act + (xi * wi if swap else wi * xi)
            out.append(act if last else getattr(act, activation)())
        x = out
    result: Value = x[0]
    return result


LOSSES: dict[str, Callable[[Value, Value], Value]] = {
    "hinge": lambda s, y: (1 + -y * s).relu(),
    "squared": lambda s, y: (s - y) ** 2,
    "logistic": lambda s, y: (1 + (-y * s).exp()).log(),
    "absolute": lambda s, y: abs(s - y),
}


@settings(max_examples=25)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.integers(1, 5), min_size=1, max_size=2),
    st.sampled_from(["relu", "tanh", "sigmoid"]),
    st.sampled_from(sorted(LOSSES)),
    st.integers(1, 20),
    st.sampled_from(["sum", "mean"]),
    st.booleans(),
)
def test_mlp_losses_match_the_engine(
    seed: int, hidden: list[int], activation: str, loss: str, batch: int, reduce: str, swap: bool
) -> None:
    rng = random.Random(seed)
    nin = rng.randint(1, 3)
    layers = make_mlp(rng, [nin, *hidden, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    nrng = np.random.default_rng(seed)
    X = nrng.uniform(-2, 2, size=(batch, nin))
    Y = nrng.choice([-1.0, 1.0], size=batch)

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES[loss](mlp(layers, x, activation, swap), y)

    assert_matches_engine(f, [X, Y], params, reduce)


def test_layers_products_become_matrix_products() -> None:
    """micrograd's layout is recognised (two layers' products are one step
    each, whichever side the weight is on) and still matches the engine."""
    rng = random.Random(7)
    layers = make_mlp(rng, [3, 4, 5, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    X = np.random.default_rng(7).uniform(-2, 2, size=(9, 3))
    Y = np.ones(9)
    for swap in (False, True):

        def f(x: list[Value], y: Value, swap: bool = swap) -> Value:
            return LOSSES["hinge"](mlp(layers, x, "relu", swap), y)

        rec = record(f, X[0].tolist(), 1.0, params=params)
        program = rec._program(True)
        assert sum(type(s) is vectorize._Outer for s in program.steps) == 2
        assert_matches_engine(f, [X, Y], params, "mean")


def test_a_wrong_array_rule_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is not vacuous: break relu's array derivative
    (1 everywhere, as if it were linear) and it fails."""
    rng = random.Random(3)
    layers = make_mlp(rng, [2, 4, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    X = np.random.default_rng(0).uniform(-2, 2, size=(8, 2))
    Y = np.ones(8)

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES["squared"](mlp(layers, x, "relu"), y)

    assert_matches_engine(f, [X, Y], params)
    monkeypatch.setitem(vectorize._LOCAL_OVERRIDES, "relu", lambda np, x, y, out: np.ones_like(x))
    with pytest.raises(AssertionError):
        assert_matches_engine(f, [X, Y], params)


# ------------------------------------------------------------ array rules
_BINARY_POINTS: dict[str, st.SearchStrategy[tuple[float, float]]] = {
    "add": st.tuples(op_inputs("neg"), op_inputs("neg")),
    "sub": st.tuples(op_inputs("neg"), op_inputs("neg")),
    "mul": st.tuples(op_inputs("neg"), op_inputs("neg")),
    "div": st.tuples(op_inputs("neg"), op_inputs("log")),
    "pow": st.tuples(op_inputs("log"), st.sampled_from([-2.0, 0.0, 0.5, 1.0, 3.0])),
    "rpow": st.tuples(op_inputs("neg"), op_inputs("log")),
    "powv": st.tuples(op_inputs("log"), op_inputs("neg")),
}


@settings(max_examples=40)
@given(st.data())
def test_array_local_derivatives_equal_the_float_rules(data: st.DataObject) -> None:
    """The array derivatives (the rules' own formulas with NumPy, plus four
    array forms of rules that branch in Python) equal the float rules."""
    name = data.draw(st.sampled_from(sorted(RULES)))
    rule = RULES[name]
    if rule.arity == 1:
        points = data.draw(st.lists(op_inputs(name), min_size=1, max_size=5))
        pairs = [(x, None) for x in points]
    else:
        pairs = data.draw(st.lists(_BINARY_POINTS[name], min_size=1, max_size=5))
    xs = np.array([[x for x, _ in pairs]])
    ys = None if rule.arity == 1 else np.array([[y for _, y in pairs]])
    outs = np.array([[rule.forward(x) if y is None else rule.forward(x, y) for x, y in pairs]])
    got = array_local(np, rule, xs, ys, outs)
    for j, (x, y) in enumerate(pairs):
        expected = rule.local(FLOAT_MATH, x, y, outs[0, j])
        expected = expected if isinstance(expected, tuple) else (expected,)
        for g, e in zip(got, expected):
            value = float(np.broadcast_to(g, xs.shape)[0, j])
            assert math.isclose(value, e, rel_tol=1e-14, abs_tol=1e-300), (name, x, y)


# ------------------------------------------------------------ data dependence
def test_a_comparison_while_recording_is_refused() -> None:
    def f(x: Value) -> Value:
        return x * 2 if x > 0 else -x  # a Python branch on the data

    with pytest.raises(DataDependentError, match="compared while recording"):
        record(f, 1.0)
    assert Value(1.0) > 0  # the guard is lifted afterwards


def test_the_comparison_guard_is_lifted_when_the_function_raises() -> None:
    def f(x: Value) -> Value:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        record(f, 1.0)
    assert Value(1.0) < 2.0
    assert Value(1.0) >= Value(1.0)


def test_a_branch_on_data_is_found_on_the_first_replay() -> None:
    def f(x: Value) -> Value:
        return x * 2 if x.data > 0 else x.exp()

    rec = record(f, 1.0)
    rec.value_and_grad(np.array([1.0, 2.0, 3.0]))  # the same branch for all: fine
    rec = record(f, 1.0)
    with pytest.raises(DataDependentError, match="depends on the data"):
        rec.value_and_grad(np.array([1.0, -2.0, -3.0]))


def test_a_number_taken_from_the_data_is_found() -> None:
    # Same operations, but a constant that is the example's data.
    rec = record(lambda x: x * x.data, 2.0)
    with pytest.raises(DataDependentError, match="const"):
        rec.value_and_grad(np.array([2.0, 5.0, 7.0]))


def test_verify_always_rechecks_every_call() -> None:
    calls = []

    def f(x: Value) -> Value:
        calls.append(1)
        return x * 3.0

    rec = record(f, 1.0)
    rec.run(np.ones(4), verify="always")
    rec.run(np.ones(4), verify="always")
    assert len(calls) == 1 + 2 * 2  # the recording, then 2 examples per call
    rec.run(np.ones(4), verify="never")
    assert len(calls) == 5


# ------------------------------------------------------------ errors
def test_log_of_a_negative_example_names_the_op_and_the_example() -> None:
    rec = record(lambda x: x.log(), 1.0, params=[])
    with pytest.raises(DomainError, match=r"log.*batch example 2") as info:
        rec.value_and_grad(np.array([1.0, 2.0, -3.0, 4.0]), verify="never")
    assert info.value.op == "log"
    assert info.value.value == -3.0
    assert info.value.label == "x"


def test_division_by_zero_names_the_divisor_and_the_example() -> None:
    rec = record(lambda x, y: x / y, 1.0, 1.0)
    with pytest.raises(ZeroDivisionError_, match="batch example 1") as info:
        rec.run(np.array([1.0, 2.0]), np.array([1.0, 0.0]), verify="never")
    assert isinstance(info.value, ZeroDivisionError)
    assert info.value.label == "y"


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        ((np.ones((3, 3)),), "shape"),
        ((np.array([[1.0, math.nan]]),), "not finite in batch example 0"),
        ((np.array([["a", "b"]]),), "array of numbers"),
        ((np.ones((2, 2)), np.ones(2)), "expected 1 batch arguments"),
        ((np.ones((0, 2)),), "empty"),
    ],
)
def test_bad_batches_are_refused(batch: tuple[Any, ...], match: str) -> None:
    rec = record(lambda x: x[0] * x[1], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match=match):
        rec.run(*batch, verify="never")


def test_bad_recordings_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="must return a Value"):
        record(lambda x: 3.0, 1.0)
    with pytest.raises(InvalidInputError, match="numbers"):
        record(lambda x: x, "one")
    with pytest.raises(InvalidInputError, match="out of range"):
        record(lambda x: x, 1.0, batch_argnums=3)
    y = Value(2.0) * 3
    with pytest.raises(InvalidInputError, match="leaf"):
        record(lambda x: x * y, 1.0, params=[y])
    rec = record(lambda x: x, 1.0)
    with pytest.raises(InvalidInputError, match="reduce"):
        rec.run(np.ones(2), reduce="max")  # type: ignore[arg-type]


def test_a_missing_numpy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r"autograd_scalar\[vectorize\]"):
        record(lambda x: x, 1.0)


# ------------------------------------------------------------ the recording
def test_the_recording_can_be_inspected() -> None:
    w, b = Value(0.5, label="w"), Value(-1.0, label="b")
    rec = record(lambda x, y: ((w * x + b).tanh() - y) ** 2, 1.0, 0.0)
    nodes = list(rec.output.walk())
    assert rec.n_nodes == len(nodes) == 10
    assert rec.ops == Counter(node.op or "leaf" for node in nodes)
    assert rec.ops["tanh"] == 1
    assert rec.params == [w, b]
    assert {v.label for v in nodes if v.is_leaf} >= {"w", "b", "x", "y"}
    assert "10 nodes" in repr(rec)


def test_shared_leaves_are_read_at_each_replay_and_constants_are_not() -> None:
    w = Value(2.0)
    rec = record(lambda x: w * x + 1.0, 1.0)
    assert rec.value_and_grad(np.array([1.0, 2.0]))[0].tolist() == [3.0, 5.0]
    w.data = 10.0
    values, grads = rec.value_and_grad(np.array([1.0, 2.0]))
    assert values.tolist() == [11.0, 21.0]
    assert grads.tolist() == [3.0]


def test_unused_params_get_zero_and_the_mean_divides() -> None:
    w, unused = Value(3.0), Value(7.0)
    rec = record(lambda x: w * x, 1.0, params=[w, unused])
    _, grads = rec.value_and_grad(np.array([1.0, 2.0, 6.0]), reduce="mean")
    assert grads.tolist() == [3.0, 0.0]


def test_backward_adds_into_grad_like_the_engine() -> None:
    w = Value(1.5)
    rec = record(lambda x, y: (w * x - y) ** 2, 1.0, 1.0)
    X, Y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0])
    w.grad = 1.0
    loss = rec.backward(X, Y, reduce="mean")
    expected = sum((1.5 * x - y) ** 2 for x, y in zip(X, Y)) / 3
    assert loss == pytest.approx(expected, rel=TOL)
    assert w.grad == pytest.approx(1.0 + sum(2 * (1.5 * x - y) * x for x, y in zip(X, Y)) / 3)


def test_nested_example_shapes() -> None:
    M = Value(0.25)

    def f(a: list[list[Value]], s: Value) -> Value:
        return (a[0][0] * a[1][1] - a[0][1] * a[1][0]) * s * M

    batch = np.random.default_rng(1).normal(size=(4, 2, 2))
    scale = np.array([1.0, 2.0, 3.0, 4.0])
    assert_matches_engine(f, [batch, scale], [M])


# ------------------------------------------------------------ training
def test_batched_training_of_a_plain_value_mlp() -> None:
    """An MLP of plain Values trained with SGD on 2,000 points through
    batched_loss_and_grad: the first steps equal the engine's, and it learns."""
    rng = random.Random(0)
    layers = make_mlp(rng, [2, 8, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    twin = [[[Value(p.data) for p in neuron] for neuron in layer] for layer in layers]
    twin_params = [p for layer in twin for neuron in layer for p in neuron]
    nrng = np.random.default_rng(0)
    X = nrng.uniform(-1, 1, size=(2000, 2))
    Y = np.where(X[:, 0] * X[:, 1] + 0.3 * X[:, 0] > 0, 1.0, -1.0)

    def loss(x: list[Value], y: Value) -> Value:
        return LOSSES["hinge"](mlp(layers, x, "tanh"), y)

    losses = []
    for step in range(60):
        for p in params:
            p.grad = 0.0
        losses.append(batched_loss_and_grad(params, loss, X, Y))
        if step < 2:  # the same step with the scalar engine, on the twin network
            for p in twin_params:
                p.grad = 0.0
            total = sum(
                (LOSSES["hinge"](mlp(twin, [Value(a), Value(b)], "tanh"), Value(y))
                 for (a, b), y in zip(X.tolist(), Y.tolist())),
                Value(0.0),
            ) * (1.0 / len(Y))  # fmt: skip
            total.backward()
            assert losses[-1] == pytest.approx(total.data, rel=TOL)
            for p, q in zip(params, twin_params):
                assert p.grad == pytest.approx(q.grad, rel=1e-10, abs=1e-14)
                q.data -= 0.5 * q.grad
        for p in params:
            p.data -= 0.5 * p.grad
    assert losses[-1] < 0.5 * losses[0]


def test_replays_do_not_share_their_results() -> None:
    """The work arrays are reused between calls; what a call returns is not."""
    w = Value(2.0)
    rec = record(lambda x: w * x * x, 1.0)
    first = rec.run(np.array([1.0, 2.0]), input_grads=True)
    second = rec.run(np.array([3.0, 4.0]), input_grads=True)
    assert first.values.tolist() == [2.0, 8.0]
    assert first.grads.tolist() == [5.0]
    assert first.input_grads is not None
    assert first.input_grads[0].tolist() == [4.0, 8.0]
    assert second.values.tolist() == [18.0, 32.0]


def test_concurrent_replays_are_correct() -> None:
    from concurrent.futures import ThreadPoolExecutor

    w = Value(0.5)
    rec = record(lambda x: (w * x).tanh(), 1.0)
    batches = [np.linspace(-1, 1, 50) * k for k in range(1, 9)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: rec.value_and_grad(b, verify="never"), batches))
    for b, (values, grads) in zip(batches, results):
        assert values.tolist() == pytest.approx(np.tanh(0.5 * b).tolist(), rel=1e-15)
        expected = float(np.sum((1 - np.tanh(0.5 * b) ** 2) * b))
        assert grads[0] == pytest.approx(expected, rel=1e-12)


def test_shared_arguments_pass_through_and_params_default_to_the_leaves_reached() -> None:
    rng = random.Random(5)
    layers = make_mlp(rng, [2, 3, 1])
    unused = Value(9.0)

    def f(model: list[list[list[Value]]], x: list[Value], y: Value) -> Value:
        return LOSSES["squared"](mlp(model, x, "tanh"), y)

    rec = record(f, layers, [0.1, 0.2], 0.5, batch_argnums=(1, 2))
    every = {id(p) for layer in layers for neuron in layer for p in neuron}
    assert {id(p) for p in rec.params} == every
    assert id(unused) not in {id(p) for p in rec.params}
    labels = {v.label for v in rec.output.walk() if v.is_leaf and v.label}
    assert labels == {"x[0]", "x[1]", "y"}
    X = np.random.default_rng(2).uniform(-1, 1, size=(6, 2))
    Y = np.linspace(-1, 1, 6)
    assert_matches_engine(lambda x, y: f(layers, x, y), [X, Y], rec.params)
    with pytest.raises(InvalidInputError, match="expected 2 batch arguments"):
        rec.run(layers, X, Y)


def test_verify_on_chosen_examples() -> None:
    rec = record(lambda x: x if x.data > 0 else -x, 1.0)
    X = np.array([1.0, 2.0, -3.0])
    rec.verify(X, examples=[0, 1])  # both take the recorded branch
    with pytest.raises(DataDependentError, match="batch example 2"):
        rec.verify(X, examples=[2])
    with pytest.raises(InvalidInputError, match="no example 3"):
        rec.verify(X, examples=[3])


def test_products_not_summed_per_neuron_are_not_taken_for_a_layer() -> None:
    """w[j,k]·x[k] for every j, k, but each product through its own tanh:
    the gradients do not arrive per neuron, so no matrix product applies."""
    w = [[Value(0.1 * (j + 1) - 0.2 * k) for k in range(3)] for j in range(2)]
    params = [p for row in w for p in row]

    def f(x: list[Value]) -> Value:
        return sum(((w[j][k] * x[k]).tanh() for j in range(2) for k in range(3)), Value(0.0))

    X = np.random.default_rng(3).uniform(-2, 2, size=(5, 3))
    rec = record(f, X[0].tolist(), params=params)
    assert not any(type(s) is vectorize._Outer for s in rec._program(True).steps)
    assert_matches_engine(f, [X], params)
