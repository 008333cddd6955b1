"""Tests for autograd_scalar.vectorize.program: a recording replayed over a
batch must give what the engine gives one example at a time (see
``support.py`` for what "equal" means), on random graphs, on MLP losses, with
custom operations, and at the edge points of every rule in the table."""

from __future__ import annotations

import math
import random
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.check.gradcheck import gradcheck
from autograd_scalar.check.strategies import Expression, edge_operands, expressions
from autograd_scalar.core.apply import apply
from autograd_scalar.core.errors import (
    AutogradError,
    DataDependentError,
    DomainError,
    InvalidInputError,
    OverflowError_,
    ZeroDivisionError_,
)
from autograd_scalar.core.extend import define_op, remove_op
from autograd_scalar.core.functions import call
from autograd_scalar.core.maths import FLOAT_MATH
from autograd_scalar.core.rules import BUILTIN, RULES
from autograd_scalar.core.value import Value
from autograd_scalar.vectorize import PerformanceWarning, batched_loss_and_grad, record
from autograd_scalar.vectorize.backend import backend_for
from autograd_scalar.vectorize.program import Program, _sole_writers
from autograd_scalar.vectorize.steps import Group

from .conftest import Library
from .support import LOSSES, TOL, assert_matches_engine, make_mlp, mlp


# ------------------------------------------------------------ random graphs
@settings(max_examples=60)
@given(
    expressions(min_inputs=2, max_inputs=4, max_steps=10),
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
    st.sampled_from(["sum", "mean"]),
)
def test_random_graphs_match_the_engine(
    xp: Library, expr: Expression, seed: int, batch: int, reduce: str
) -> None:
    # The first input is a parameter shared by all examples, the others are data.
    w = Value(expr.point[0], label="w")
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2.0, 2.0, size=(batch, expr.n_inputs - 1))
    assert_matches_engine(lambda x: expr(w, *x), [xs], [w], reduce, xp)


@settings(max_examples=30)
@given(expressions(min_inputs=1, max_inputs=3, max_steps=8), st.integers(1, 5))
def test_graphs_of_parameters_only_are_computed_once_and_broadcast(
    xp: Library, expr: Expression, batch: int
) -> None:
    params = [Value(v) for v in expr.point]
    rec = record(lambda x: expr(*params) + 0.0 * x, 1.0, params=params)
    values, grads = rec.value_and_grad(xp.asarray(np.zeros(batch)), reduce="sum")
    values, grads = xp.numpy(values), xp.numpy(grads)
    out = expr(*params)
    out.backward(float(batch))
    assert values.tolist() == pytest.approx([out.data] * batch, rel=TOL, abs=TOL)
    assert grads.tolist() == pytest.approx([p.grad for p in params], rel=TOL, abs=TOL)


# ------------------------------------------------------------ MLP losses
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
    xp: Library,
    seed: int,
    hidden: list[int],
    activation: str,
    loss: str,
    batch: int,
    reduce: str,
    swap: bool,
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

    assert_matches_engine(f, [X, Y], params, reduce, xp)


# ------------------------------------------------------------ data dependence
def test_a_branch_on_data_is_found_on_the_first_replay(xp: Library) -> None:
    def f(x: Value) -> Value:
        return x * 2 if x.data > 0 else x.exp()

    rec = record(f, 1.0)
    rec.value_and_grad(xp.asarray([1.0, 2.0, 3.0]))  # the same branch for all: fine
    rec = record(f, 1.0)
    with pytest.raises(DataDependentError, match="depends on the data"):
        rec.value_and_grad(xp.asarray([1.0, -2.0, -3.0]))


def test_a_number_taken_from_the_data_is_found(xp: Library) -> None:
    # Same operations, but a constant that is the example's data.
    rec = record(lambda x: x * x.data, 2.0)
    with pytest.raises(DataDependentError, match="const"):
        rec.value_and_grad(xp.asarray([2.0, 5.0, 7.0]))


def test_verify_always_rechecks_every_call(xp: Library) -> None:
    calls = []

    def f(x: Value) -> Value:
        calls.append(1)
        return x * 3.0

    rec = record(f, 1.0)
    rec.run(xp.asarray(np.ones(4)), verify="always")
    rec.run(xp.asarray(np.ones(4)), verify="always")
    # the recording; then per call 2 examples recorded again and all 4 evaluated
    assert len(calls) == 1 + 2 * (2 + 4)
    rec.run(xp.asarray(np.ones(4)), verify="never")
    assert len(calls) == 1 + 2 * (2 + 4)  # no check at all


# ------------------------------------------------------------ errors
def test_log_of_a_negative_example_names_the_op_and_the_example(xp: Library) -> None:
    rec = record(lambda x: x.log(), 1.0, params=[])
    with pytest.raises(DomainError, match=r"log.*batch example 2") as info:
        rec.value_and_grad(xp.asarray([1.0, 2.0, -3.0, 4.0]), verify="never")
    assert info.value.op == "log"
    assert info.value.value == -3.0
    assert info.value.label == "x"


def test_division_by_zero_names_the_divisor_and_the_example(xp: Library) -> None:
    rec = record(lambda x, y: x / y, 1.0, 1.0)
    with pytest.raises(ZeroDivisionError_, match="batch example 1") as info:
        rec.run(xp.asarray([1.0, 2.0]), xp.asarray([1.0, 0.0]), verify="never")
    assert isinstance(info.value, ZeroDivisionError)
    assert info.value.label == "y"


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        ((np.ones((3, 3)),), "shape"),
        ((np.array([["a", "b"]]),), "array of numbers"),
        ((np.ones((2, 2)), np.ones(2)), "expected 1 batch arguments"),
        ((np.ones((0, 2)),), "empty"),
    ],
)
def test_bad_batches_are_refused(batch: tuple[Any, ...], match: str) -> None:
    rec = record(lambda x: x[0] * x[1], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match=match):
        rec.run(*batch, verify="never")


def test_nan_inputs_propagate_as_in_the_engine(xp: Library) -> None:
    """Value(nan) is a number to the engine; the replay computes it the same way."""
    rec = record(lambda x: (x * 2.0).relu(), 1.0)
    result = rec.run(xp.asarray([1.0, math.nan]), input_grads=True, verify="never")
    values = xp.numpy(result.values)
    assert values[0] == 2.0 and math.isnan(values[1])
    assert result.input_grads is not None
    scalar = Value(math.nan)
    (scalar * 2.0).relu().backward()
    assert math.isnan(xp.numpy(result.input_grads[0])[1]) and math.isnan(scalar.grad)


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


def test_shared_leaves_are_read_at_each_replay_and_constants_are_not(xp: Library) -> None:
    w = Value(2.0)
    rec = record(lambda x: w * x + 1.0, 1.0)
    assert xp.numpy(rec.value_and_grad(xp.asarray([1.0, 2.0]))[0]).tolist() == [3.0, 5.0]
    w.data = 10.0
    values, grads = rec.value_and_grad(xp.asarray([1.0, 2.0]))
    assert xp.numpy(values).tolist() == [11.0, 21.0]
    assert xp.numpy(grads).tolist() == [3.0]


def test_unused_params_get_zero_and_the_mean_divides(xp: Library) -> None:
    w, unused = Value(3.0), Value(7.0)
    rec = record(lambda x: w * x, 1.0, params=[w, unused])
    _, grads = rec.value_and_grad(xp.asarray([1.0, 2.0, 6.0]), reduce="mean")
    assert xp.numpy(grads).tolist() == [3.0, 0.0]


def test_backward_adds_into_grad_like_the_engine(xp: Library) -> None:
    w = Value(1.5)
    rec = record(lambda x, y: (w * x - y) ** 2, 1.0, 1.0)
    X, Y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0])
    w.grad = 1.0
    loss = rec.backward(xp.asarray(X), xp.asarray(Y), reduce="mean")
    expected = sum((1.5 * x - y) ** 2 for x, y in zip(X, Y)) / 3
    assert loss == pytest.approx(expected, rel=TOL)
    assert w.grad == pytest.approx(1.0 + sum(2 * (1.5 * x - y) * x for x, y in zip(X, Y)) / 3)


def test_nested_example_shapes(xp: Library) -> None:
    M = Value(0.25)

    def f(a: list[list[Value]], s: Value) -> Value:
        return (a[0][0] * a[1][1] - a[0][1] * a[1][0]) * s * M

    batch = np.random.default_rng(1).normal(size=(4, 2, 2))
    scale = np.array([1.0, 2.0, 3.0, 4.0])
    assert_matches_engine(f, [batch, scale], [M], xp=xp)


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


def test_replays_do_not_share_their_results(xp: Library) -> None:
    """The work arrays are reused between calls; what a call returns is not."""
    w = Value(2.0)
    rec = record(lambda x: w * x * x, 1.0)
    first = rec.run(xp.asarray([1.0, 2.0]), input_grads=True)
    second = rec.run(xp.asarray([3.0, 4.0]), input_grads=True)
    assert xp.numpy(first.values).tolist() == [2.0, 8.0]
    assert xp.numpy(first.grads).tolist() == [5.0]
    assert first.input_grads is not None
    assert xp.numpy(first.input_grads[0]).tolist() == [4.0, 8.0]
    assert xp.numpy(second.values).tolist() == [18.0, 32.0]


def test_concurrent_replays_are_correct(xp: Library) -> None:
    from concurrent.futures import ThreadPoolExecutor

    w = Value(0.5)
    rec = record(lambda x: (w * x).tanh(), 1.0)
    batches = [np.linspace(-1, 1, 50) * k for k in range(1, 9)]
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda b: rec.value_and_grad(xp.asarray(b), verify="never"), batches)
        )
    for b, (values, grads) in zip(batches, results):
        values, grads = xp.numpy(values), xp.numpy(grads)
        assert values.tolist() == pytest.approx(np.tanh(0.5 * b).tolist(), rel=1e-15)
        expected = float(np.sum((1 - np.tanh(0.5 * b) ** 2) * b))
        assert grads[0] == pytest.approx(expected, rel=1e-12)


def test_shared_arguments_pass_through_and_params_default_to_the_leaves_reached(
    xp: Library,
) -> None:
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
    assert_matches_engine(lambda x, y: f(layers, x, y), [X, Y], rec.params, xp=xp)
    with pytest.raises(InvalidInputError, match="expected 2 batch arguments"):
        rec.run(layers, X, Y)


def test_verify_on_chosen_examples(xp: Library) -> None:
    rec = record(lambda x: x if x.data > 0 else -x, 1.0)
    X = xp.asarray([1.0, 2.0, -3.0])
    rec.verify(X, examples=[0, 1])  # both take the recorded branch
    with pytest.raises(DataDependentError, match="batch example 2"):
        rec.verify(X, examples=[2])
    with pytest.raises(InvalidInputError, match="no example 3"):
        rec.verify(X, examples=[3])


# ------------------------------------------------------------ custom operations
def _softplus_local(m: Any, x: Any, y: Any, out: Any) -> Any:
    return 1.0 - m.exp(-out)  # σ(x) = 1 - e^(-softplus x)


def _sqrt_plus_local(m: Any, x: Any, y: Any, out: Any) -> Any:
    return 0.5 / (out - y), 1.0


#: Custom operations the table walk includes: each forward written with m
#: (replayed on arrays) and with math (replayed example by example).
CUSTOM_OPS: dict[str, dict[str, Any]] = {
    "softplus_m": {
        "forward": lambda m, x: m.maximum(x, 0.0) + m.log(1.0 + m.exp(-m.abs(x))),
        "local": _softplus_local,
    },
    "softplus_math": {
        "forward": lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
        "local": _softplus_local,
    },
    "sqrt_plus_m": {
        "forward": lambda m, x, y: m.sqrt(x) + y,
        "local": _sqrt_plus_local,
        "domain": "x ≥ 0",
        "outside": lambda m, x, y: x < 0.0,
        "interval": (0.1, 10.0),
    },
    "sqrt_plus_math": {  # no outside: the engine learns of the domain from math.sqrt
        "forward": lambda x, y: math.sqrt(x) + y,
        "local": _sqrt_plus_local,
        "domain": "x ≥ 0",
        "interval": (0.1, 10.0),
    },
}


@pytest.fixture(scope="module")
def custom_ops() -> Iterator[None]:
    for name, definition in CUSTOM_OPS.items():
        define_op(name, **definition)
    yield
    for name in CUSTOM_OPS:
        remove_op(name)


def test_a_custom_op_written_with_math_replays_example_by_example_and_says_so(
    xp: Library,
) -> None:
    """Issue #10: this was a bare KeyError: 'softplus'."""
    softplus = define_op("softplus", CUSTOM_OPS["softplus_math"]["forward"], _softplus_local)
    try:
        w = Value(0.5, label="w")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rec = record(lambda x: softplus(w * x), 1.0)
            X = np.linspace(-3.0, 3.0, 7)
            rec.run(xp.asarray(X))
            rec.run(xp.asarray(X))
        assert [w.category for w in caught] == [PerformanceWarning]  # once per recording
        message = str(caught[0].message)
        assert "softplus" in message and "example by example" in message and "m.exp" in message
        with pytest.warns(PerformanceWarning):
            assert_matches_engine(lambda x: softplus(w * x), [X], [w], xp=xp)
    finally:
        remove_op("softplus")


def test_a_custom_op_written_with_m_replays_on_arrays(xp: Library, custom_ops: None) -> None:
    w, b = Value(0.5, label="w"), Value(-0.25, label="b")

    def f(x: Value, y: Value) -> Value:
        return call(RULES["sqrt_plus_m"], call(RULES["softplus_m"], w * x), b * y)

    X = np.random.default_rng(4).uniform(-3.0, 3.0, size=6)
    Y = np.linspace(0.0, 1.0, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        assert_matches_engine(f, [X, Y], [w, b], xp=xp)


def test_a_custom_op_written_with_math_raises_the_engines_error_per_example(
    xp: Library,
) -> None:
    log_math = define_op("log_math", lambda x: math.log(x), lambda m, x, y, out: 1.0 / x)
    try:
        with pytest.warns(PerformanceWarning):
            rec = record(lambda x: log_math(x), 1.0)
        with pytest.raises(DomainError, match=r"log_math.*in batch example 2") as info:
            rec.run(xp.asarray([1.0, 2.0, -3.0, -4.0]), verify="never")
        assert info.value.value == -3.0
        assert info.value.label == "x"
    finally:
        remove_op("log_math")


def test_a_finite_result_outside_the_domain_is_refused_like_the_engine(xp: Library) -> None:
    """0 ** 2 is 0 in NumPy, but x ** y needs x > 0 (the engine refuses it):
    the replay tests the rule's domain, not only the results."""
    rec = record(lambda x, y: x**y, 1.0, 2.0)
    with pytest.raises(DomainError, match=r"powv.*in batch example 1") as info:
        rec.run(xp.asarray([1.0, 0.0]), xp.asarray([2.0, 2.0]), verify="never")
    with pytest.raises(DomainError) as engine:
        Value(0.0, label="x") ** Value(2.0)
    assert info.value.value == engine.value.value == (0.0, 2.0)
    assert info.value.label == engine.value.label == "x"


def test_a_division_by_zero_of_inf_or_nan_raises_like_the_engine(xp: Library) -> None:
    """inf / 0 and nan / 0 are inf and NaN in NumPy but ZeroDivisionError in
    Python: the replay raised nothing there (the divisor is not finite-checked
    by the overflow test, which skips non-finite operands)."""
    rec = record(lambda x, y: x / y, 1.0, 2.0)
    for x in (math.inf, -math.inf, math.nan):
        with pytest.raises(ZeroDivisionError_) as engine:
            Value(x) / Value(0.0, label="y")
        with pytest.raises(ZeroDivisionError_, match=r"batch example 1") as info:
            rec.run(xp.asarray([1.0, x]), xp.asarray([2.0, 0.0]), verify="never")
        assert info.value.label == engine.value.label == "y"
        assert str(info.value.value) == str(engine.value.value)  # (inf, 0.0), (nan, 0.0)
    # a non-finite quotient of a non-zero divisor is still the engine's number
    values = xp.numpy(rec.run(xp.asarray([math.inf]), xp.asarray([2.0]), verify="never").values)
    assert values.tolist() == [math.inf] == [(Value(math.inf) / 2.0).data]


def test_zero_to_the_power_minus_inf_raises_like_the_engine(xp: Library) -> None:
    """0 ** -inf is inf in NumPy; the engine refuses 0 to any negative power
    (found by the edge-point property test once it drew infinities)."""
    rec = record(lambda x: x**-math.inf, 0.5)
    with pytest.raises(ZeroDivisionError_) as engine:
        Value(0.0) ** -math.inf
    with pytest.raises(ZeroDivisionError_, match=r"batch example 1") as info:
        rec.run(xp.asarray([0.5, 0.0]), verify="never")
    assert info.value.value == engine.value.value == (0.0, -math.inf)


def test_the_first_call_checks_finite_examples_only(xp: Library) -> None:
    """The first call records the function again at some examples: a batch whose
    last example was inf failed with "record: argument 'x' is not finite",
    though the same batch replays (NaN and inf are numbers to the engine)."""
    rec = record(lambda x, y: x * y, 1.0, 2.0)
    values = xp.numpy(rec.run(xp.asarray([1.0, 2.0, math.inf]), xp.asarray([2.0] * 3)).values)
    assert values.tolist() == [2.0, 4.0, math.inf]
    everywhere = record(lambda x: x * 2.0, 1.0)
    assert xp.numpy(everywhere.run(xp.asarray([math.nan, math.inf])).values)[1] == math.inf
    with pytest.raises(InvalidInputError, match="example 1 has an input that is not finite"):
        rec.verify(xp.asarray([1.0, math.inf]), xp.asarray([2.0, 2.0]), examples=[1])


def test_nan_propagates_into_values_and_gradients_like_the_engine(xp: Library) -> None:
    """relu(nan) is nan, and so is its derivative (it was 0 in the replay)."""
    w = Value(1.0, label="w")
    rec = record(lambda x: (w * x).relu(), 1.0)
    w.data = math.nan
    values, grads = rec.value_and_grad(xp.asarray([1.0, -2.0]), verify="never")
    values, grads = xp.numpy(values), xp.numpy(grads)
    out = (Value(math.nan) * 1.0).relu()
    out.backward()
    assert math.isnan(out.data) and math.isnan(out.parents[0].grad)
    assert all(math.isnan(v) for v in values.tolist())
    assert math.isnan(grads[0])


def test_an_unbounded_derivative_is_inf_like_the_engine(xp: Library) -> None:
    rec = record(lambda x: x.sqrt() + x**0, 1.0)
    got = rec.run(xp.asarray([0.0, 4.0]), input_grads=True, verify="never")
    assert got.input_grads is not None
    x = Value(0.0)
    (x.sqrt() + x**0).backward()
    assert xp.numpy(got.input_grads[0]).tolist() == [x.grad, 0.25] == [math.inf, 0.25]


def test_a_wrong_rule_is_wrong_alike_in_the_engine_and_the_replay(xp: Library) -> None:
    """One source of truth: a rule with a wrong derivative (relu claiming to
    be linear) gives the same wrong gradients in the engine and the replay,
    and gradcheck catches it."""
    bad = define_op("bad_relu", lambda m, x: m.maximum(x, 0.0), lambda m, x, y, out: 1.0)
    try:
        w = Value(0.5)
        X = np.array([-2.0, -1.0, 1.0, 3.0])
        assert_matches_engine(lambda x: bad(w * x), [X], [w], xp=xp)
        with pytest.raises(AssertionError, match="disagree"):
            gradcheck(bad, -1.0, check_forward=False)
    finally:
        remove_op("bad_relu")


def test_the_comparison_with_the_engine_is_not_vacuous(
    xp: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Break the replay's m alone (relu's derivative 1 everywhere, as if it
    were linear): the replay no longer matches the engine."""
    rng = random.Random(3)
    layers = make_mlp(rng, [2, 4, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    X = np.random.default_rng(0).uniform(-2, 2, size=(8, 2))
    Y = np.ones(8)

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES["squared"](mlp(layers, x, "relu"), y)

    assert_matches_engine(f, [X, Y], params, xp=xp)
    backend = backend_for([xp.asarray(X)])
    broken = type(backend.m)(**{**vars(backend.m), "step": lambda x: 0.0 * x + 1.0})
    monkeypatch.setattr(backend, "m", broken)
    with pytest.raises(AssertionError):
        assert_matches_engine(f, [X, Y], params, xp=xp)


# ------------------------------------------------------------ every rule at its edges
def _same_value(a: float, b: float) -> bool:
    """Equal, NaN-aware, to 2 ulp: NumPy's tanh and the C library's differ
    in the last bit at some points (no other function does here)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 2.0 * math.ulp(max(abs(a), abs(b)))


def _same_gradient(a: float, b: float) -> bool:
    """Equal to 1e-12 relative, or the same infinity, or both NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _engine(rule_name: str, operands: tuple[float, ...]) -> Any:
    """The engine at ``operands``: its error, or (value, gradients)."""
    inputs = [Value(x) for x in operands]
    try:
        out = call(RULES[rule_name], *inputs)
    except AutogradError as exc:
        return exc
    out.backward()
    return out.data, tuple(v.grad for v in inputs)


EDGE_RULES = sorted(BUILTIN) + sorted(CUSTOM_OPS)


@pytest.mark.parametrize("name", EDGE_RULES)
@settings(max_examples=40)
@given(data=st.data())
def test_the_replay_equals_the_engine_at_edge_points(
    xp: Library, custom_ops: None, name: str, data: st.DataObject
) -> None:
    """For every rule (custom ones included), at operands drawn around its
    edges (signed zeros, kinks, tiny and huge numbers, infinities and NaN):
    either both raise the same error for the same first example, or values
    and gradients agree."""
    rule = RULES[name]
    operands = edge_operands(rule, non_finite=True)
    batch = data.draw(st.lists(operands, min_size=1, max_size=4), label="batch")
    expected = [_engine(name, operands) for operands in batch]
    ordinary = tuple(sum(rule.domain.draw[k][-1]) / 2.0 for k in range(rule.arity))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerformanceWarning)
        rec = record(lambda *xs: call(RULES[name], *xs), *ordinary)
    columns = [xp.asarray([operands[k] for operands in batch]) for k in range(rule.arity)]
    errors = [(k, e) for k, e in enumerate(expected) if isinstance(e, AutogradError)]
    if errors:
        k, error = errors[0]
        with pytest.raises(AutogradError) as info:
            rec.run(*columns, input_grads=True, verify="never")
        assert type(info.value) is type(error)
        assert repr(info.value.value) == repr(error.value)  # NaN included
        assert info.value.message.endswith(f", in batch example {k}")
        return
    got = rec.run(*columns, input_grads=True, verify="never")
    assert got.input_grads is not None
    got_values = xp.numpy(got.values)
    got_grads = [xp.numpy(g) for g in got.input_grads]
    for k, (value, grads) in enumerate(expected):
        replayed = float(got_values[k])
        assert _same_value(replayed, value), (batch[k], replayed, value)
        if replayed != value:
            # The gradient is then the rule's at the replay's own value
            # (1 - tanh² magnifies a last-bit difference of tanh).
            _, locals_ = apply(rule, batch[k], FLOAT_MATH, out=replayed)
            grads = tuple(0.0 if d is None else d for d in locals_)
        for operand, expected_grad in enumerate(grads):
            replayed_grad = float(got_grads[operand][k])
            assert _same_gradient(replayed_grad, expected_grad), (
                batch[k],
                operand,
                replayed_grad,
                expected_grad,
            )


# ------------------------------------------------------------ bound programs (NumPy)
def _outcome(rec: Any, *batch: np.ndarray) -> Any:
    """A replay's results, or the error it raises (its type and message)."""
    try:
        result = rec.run(*batch, input_grads=True, verify="never")
    except AutogradError as error:
        return type(error), str(error), error.op, error.label
    assert result.input_grads is not None
    return result.values, result.grads, result.input_grads


def _assert_same(a: Any, b: Any) -> None:
    if isinstance(a[0], type):
        assert a == b
        return
    for x, y in zip((a[0], a[1], *a[2]), (b[0], b[1], *b[2])):
        np.testing.assert_array_equal(x, y)  # the same calls: the same bits


def _step_by_step(rec: Any, *batch: np.ndarray) -> Any:
    """The replay run step by step, with no program bound to its arrays."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Program, "_bound_to", lambda self, store, grads: None)
        return _outcome(rec, *batch)


@settings(max_examples=60)
@given(
    expressions(min_inputs=2, max_inputs=4, max_steps=10),
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
)
def test_the_bound_program_computes_what_the_steps_compute(
    expr: Expression, seed: int, batch: int
) -> None:
    """NumPy replays run bound to their reused arrays; the numbers (or the
    error) are those of the step-by-step replay, on any graph."""
    w = Value(expr.point[0], label="w")
    xs = np.random.default_rng(seed).uniform(-3.0, 3.0, size=(batch, expr.n_inputs - 1))
    rec = record(lambda x: expr(w, *x), xs[0].tolist(), params=[w])
    expected = _step_by_step(rec, xs)
    _assert_same(_outcome(rec, xs), expected)
    _assert_same(_outcome(rec, xs), expected)  # the second call: the same binding, reused
    if not isinstance(expected[0], type):
        assert rec._program(True)._bound is not None


@settings(max_examples=20)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.sampled_from(sorted(LOSSES)))
def test_a_bound_mlp_computes_what_its_steps_compute(seed: int, batch: int, loss: str) -> None:
    rng = random.Random(seed)
    layers = make_mlp(rng, [2, 3, 3, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    nrng = np.random.default_rng(seed)
    X, Y = nrng.uniform(-2, 2, size=(batch, 2)), nrng.choice([-1.0, 1.0], size=batch)
    rec = record(
        lambda x, y: LOSSES[loss](mlp(layers, x, "relu"), y), X[0].tolist(), 1.0, params=params
    )
    _assert_same(_outcome(rec, X, Y), _step_by_step(rec, X, Y))


def test_non_finite_results_are_checked_once_and_blamed_on_the_first_step() -> None:
    """exp(x) overflows in example 2, the later exp(2y) in example 1: the
    engine, one step after the other, stops at the first step's."""
    rec = record(lambda x, y: x.exp() + (y * 2.0).exp(), 0.0, 0.0)
    x, y = np.array([0.0, 0.0, 1000.0]), np.array([0.0, 1000.0, 0.0])
    with pytest.raises(OverflowError_, match=r"exp.*batch example 2") as info:
        rec.run(x, y, verify="never")
    assert info.value.op == "exp"
    assert info.value.label == "x"
    assert _outcome(rec, x, y) == _step_by_step(rec, x, y)
    # and where the second step alone overflows, it is the one named
    with pytest.raises(OverflowError_, match=r"exp.*batch example 1"):
        rec.run(np.zeros(3), y, verify="never")


def test_a_pending_check_is_made_before_a_step_that_checks_its_domain() -> None:
    """exp(x) overflows in example 1 (checked later), log(y·1) is outside its
    domain in example 0 (checked at once, one step further): the first step's
    error is raised, as step by step."""
    rec = record(lambda x, y: x.exp() + (y * 1.0).log(), 0.0, 1.0)
    x, y = np.array([0.0, 1000.0]), np.array([-1.0, 1.0])
    with pytest.raises(OverflowError_, match=r"exp.*batch example 1"):
        rec.run(x, y, verify="never")
    assert _outcome(rec, x, y) == _step_by_step(rec, x, y)
    with pytest.raises(DomainError, match=r"log.*batch example 0"):
        rec.run(np.zeros(2), y, verify="never")


def test_non_finite_inputs_do_not_raise_in_a_bound_program() -> None:
    """The once-per-call check fails on NaN and inf inputs; the steps' own
    checks then find no result that the engine would refuse."""
    w = Value(0.5)
    rec = record(lambda x: (w * x).relu().exp(), 1.0)
    batch = np.array([1.0, math.nan, math.inf, -math.inf])
    values, grads = rec.value_and_grad(batch, verify="never")
    expected = _step_by_step(rec, batch)
    np.testing.assert_array_equal(values, expected[0])
    np.testing.assert_array_equal(grads, expected[1])


def test_work_arrays_follow_the_batch_size_and_results_stay_the_callers() -> None:
    """Each batch size gets work arrays (and a binding) of its own; what a
    call returned is not written by the next calls, of any size."""
    w = Value(0.5)
    rec = record(lambda x: (w * x).relu() * x + w, 1.0)
    program = rec._program(True)

    def engine(x: float) -> tuple[float, float, float]:
        v = Value(x)
        w.grad = 0.0
        out = (w * v).relu() * v + w
        out.backward()
        return out.data, w.grad, v.grad

    batches = [np.array([1.0, -2.0, 3.0]), np.array([4.0]), np.array([-1.0, 5.0, 6.0])]
    results = [rec.run(b, input_grads=True, verify="never") for b in batches * 2]
    for batch, result in zip(batches * 2, results):
        expected = [engine(x) for x in batch.tolist()]
        assert result.values.tolist() == [e[0] for e in expected]
        assert result.grads.tolist() == [sum(e[1] for e in expected)]
        assert result.input_grads is not None
        assert result.input_grads[0].tolist() == [e[2] for e in expected]
        assert program._workspace is not None
        for returned in (result.values, result.grads, result.input_grads[0]):
            assert not any(np.shares_memory(returned, a) for a in program._workspace)
    assert program._bound is not None and program._bound[0] is program._workspace


def test_gradient_rows_with_two_writers_are_added_into() -> None:
    """A term is written straight into gradient rows only where it is their
    sole writer; ``h`` feeds relu and tanh, so both add into its row."""
    w = Value(0.5, label="w")

    def f(x: Value) -> Value:
        h = w * x
        return h.relu() + h.tanh()

    xs = np.linspace(-2.0, 2.0, 5)
    assert_matches_engine(f, [xs], [w])
    rec = record(f, 1.0, params=[w])
    rec.run(xs, verify="never")
    program = rec._program(False)
    assert program._workspace is not None
    _, _, gu, gv = program._workspace
    sole = _sole_writers(program.steps, [gu, gv], program.plan.out)
    groups = {s.rule.name: s for s in program.steps if isinstance(s, Group)}
    for name in ("relu", "tanh"):
        assert all(id(p) not in sole for p in groups[name].scatters if p is not None)
    # the product's own gradient, into w's row, has no other writer
    assert any(id(p) in sole for p in groups["mul"].scatters if p is not None)


class _Sub(np.ndarray):  # type: ignore[type-arg]
    """An ndarray subclass: not the short way, converted like a list."""


def test_float64_arrays_take_the_short_way_and_give_what_other_inputs_give() -> None:
    """Float64 NumPy arrays skip the search for a backend and the conversion;
    lists, other float dtypes, subclasses and non-contiguous views of the
    same numbers give the same results."""
    w = Value(0.5, label="w")
    rec = record(lambda x, y: (w * x[0] + x[1] - y) ** 2, [1.0, 2.0], 0.0)
    X = np.arange(-5.0, 5.0).reshape(5, 2) * 0.25  # exact in float32 too
    Y = np.arange(5.0) * 0.5
    expected = _outcome(rec, X, Y)
    wide = np.zeros((5, 4))
    wide[:, ::2] = X
    for batch in [
        (X.tolist(), Y.tolist()),
        (X.astype(np.float32), Y.astype(np.float32)),
        (X.view(_Sub), Y.view(_Sub)),
        (np.asfortranarray(X), Y),
        (wide[:, ::2], Y),
    ]:
        _assert_same(_outcome(rec, *batch), expected)
    residuals = [0.5 * x0 + x1 - y for (x0, x1), y in zip(X.tolist(), Y.tolist())]
    assert expected[2][0].tolist() == [[r, 2 * r] for r in residuals]  # ∂/∂x of r²
