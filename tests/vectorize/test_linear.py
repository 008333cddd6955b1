"""Tests for autograd_scalar.vectorize.linear and the plan's find_layers pass:
a layer's weighted sums become one matrix product where the pattern is
there, what is not the pattern keeps the other steps, and either way the
replay gives the engine's numbers (to 1e-12, see support.py) and those of the
path without layers."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.core.errors import DomainError
from autograd_scalar.core.value import Value
from autograd_scalar.vectorize import record
from autograd_scalar.vectorize.backend import numpy_backend, numpy_math
from autograd_scalar.vectorize.linear import Linear, _shaped_view
from autograd_scalar.vectorize.plan import Plan, compile_plan
from autograd_scalar.vectorize.program import Program
from autograd_scalar.vectorize.record import arg_names, trace
from autograd_scalar.vectorize.steps import Chain

from .support import LOSSES, TOL, assert_matches_engine, make_mlp, mlp


def plan_of(
    f: Callable[..., Value],
    example: Sequence[Any],
    params: Sequence[Value],
    input_grads: bool = True,
    layers: bool = True,
) -> Plan:
    graph = trace(np, f, example, range(len(example)), arg_names(f, len(example)))
    return compile_plan(np, numpy_math(), graph, params, input_grads, layers)


def linears(plan: Plan) -> list[tuple[int, int]]:
    """The (J, K) of each Linear step, in the order they run."""
    return [s.shape for s in plan.steps if isinstance(s, Linear)]


def run(plan: Plan, batch: Sequence[np.ndarray]) -> tuple[Any, Any, Any]:
    """Values, parameter gradients and input gradients of a plan over a batch."""
    n = len(batch[0])
    inputs = np.concatenate([np.asarray(a, dtype=float).reshape(n, -1) for a in batch], axis=1).T
    with np.errstate(all="ignore"):
        return Program(plan, numpy_backend()).evaluate(inputs, n, 1.0, True)


def close(a: Any, b: Any) -> bool:
    """Equal to 1e-12 (relative, with an absolute floor), NaN where NaN."""
    a, b = np.asarray(a), np.asarray(b)
    return bool(np.allclose(a, b, rtol=TOL, atol=TOL, equal_nan=True))


def assert_same_both_ways(
    f: Callable[..., Value],
    batch: Sequence[np.ndarray],
    params: Sequence[Value],
    expected_layers: list[tuple[int, int]] | None = None,
) -> Plan:
    """The plan with layers (whose Linear steps are ``expected_layers`` if
    given) matches the engine and the plan without them."""
    example = [a[0].tolist() for a in batch]
    plan = plan_of(f, example, params)
    if expected_layers is not None:
        assert linears(plan) == expected_layers
    before = plan_of(f, example, params, layers=False)
    assert not linears(before)
    for got, old in zip(run(plan, batch), run(before, batch)):
        assert close(got, old), (got, old)
    assert_matches_engine(f, batch, params)
    return plan


def dense(
    weights: list[list[Value]], biases: list[Value] | None, x: Sequence[Value]
) -> list[Value]:
    """micrograd's neuron sums: b + w₀x₀ + w₁x₁ + …"""
    out = []
    for j, row in enumerate(weights):
        act: Value = biases[j] if biases is not None else row[0] * x[0]
        for w, xi in zip(row if biases is not None else row[1:], x if biases else x[1:]):
            act = act + w * xi
        out.append(act)
    return out


def values(rng: random.Random, rows: int, cols: int) -> list[list[Value]]:
    return [[Value(rng.uniform(-1, 1)) for _ in range(cols)] for _ in range(rows)]


X4 = np.random.default_rng(11).uniform(-2, 2, size=(7, 4))


# ------------------------------------------------------------ MLPs
@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.integers(1, 6), min_size=1, max_size=3),
    st.integers(1, 4),
    st.sampled_from(["relu", "tanh", "sigmoid"]),
    st.sampled_from(sorted(LOSSES)),
    st.booleans(),
    st.integers(1, 9),
)
def test_every_layer_of_an_mlp_is_one_linear_step(
    seed: int,
    hidden: list[int],
    nin: int,
    activation: str,
    loss: str,
    swap: bool,
    batch: int,
) -> None:
    rng = random.Random(seed)
    sizes = [nin, *hidden, 1]
    layers = make_mlp(rng, sizes)
    params = [p for layer in layers for neuron in layer for p in neuron]
    nrng = np.random.default_rng(seed)
    X = nrng.uniform(-2, 2, size=(batch, nin))
    Y = nrng.choice([-1.0, 1.0], size=batch)

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES[loss](mlp(layers, x, activation, swap), y)

    # a neuron of one input is b + w·x: a lone addition, not a chain
    expected = [(j, k) for k, j in zip(sizes, sizes[1:]) if k > 1]
    plan = assert_same_both_ways(f, [X, Y], params, expected)
    assert not any(isinstance(s, Chain) for s in plan.steps)


def test_values_differ_from_the_chains_by_rounding_only() -> None:
    """The matrix product adds in its own order: the last bits move (here up
    to some 4e-14 relative, on sums near 0 of terms near 1)."""
    rng = random.Random(4)
    layers = make_mlp(rng, [4, 16, 16, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]

    def f(x: list[Value]) -> Value:
        return mlp(layers, x, "tanh")

    X = np.random.default_rng(4).uniform(-2, 2, size=(200, 4))
    new, old = (
        run(plan_of(f, [X[0].tolist()], params), [X]),
        run(plan_of(f, [X[0].tolist()], params, layers=False), [X]),
    )
    np.testing.assert_allclose(new[0], old[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(new[1], old[1], rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------ partial patterns
def test_a_neuron_with_an_extra_term_keeps_its_chain() -> None:
    rng = random.Random(1)
    w, b = values(rng, 3, 4), [Value(0.1), Value(0.2), Value(0.3)]
    params = [p for row in w for p in row] + b

    def f(x: list[Value]) -> Value:
        z = dense(w, b, x)
        z[1] = z[1] + x[0] * x[1]  # a varying extra term: not a weighted sum
        return sum((zj.tanh() for zj in z), Value(0.0))

    plan = assert_same_both_ways(f, [X4], params, [(2, 4)])
    assert sum(isinstance(s, Chain) for s in plan.steps) >= 1


def test_weights_shared_across_neurons_get_the_sum_of_their_gradients() -> None:
    rng = random.Random(2)
    w = values(rng, 3, 4)
    w[2] = [w[0][0], w[1][1], w[0][2], w[2][3]]  # neuron 2 reuses others' weights
    b = [Value(0.5)] * 3  # one bias for all
    params = list({id(p): p for p in [*(p for row in w for p in row), *b]}.values())

    def f(x: list[Value]) -> Value:
        return sum((zj.relu() * zj for zj in dense(w, b, x)), Value(0.0))

    assert_same_both_ways(f, [X4], params, [(3, 4)])


def test_a_product_with_a_varying_weight_keeps_its_chain() -> None:
    rng = random.Random(3)
    w, b = values(rng, 2, 4), [Value(0.1), Value(0.2)]
    params = [p for row in w for p in row] + b

    def f(x: list[Value]) -> Value:
        z0 = dense(w[:1], b[:1], x)[0]
        z1 = b[1] + w[1][0] * x[0] + x[1] * x[2] + w[1][3] * x[3]  # x₁·x₂: no weight
        return (z0 * z1).tanh()

    plan = assert_same_both_ways(f, [X4], params, [(1, 4)])
    assert sum(isinstance(s, Chain) for s in plan.steps) == 1


def test_a_chain_in_another_order_is_a_layer_of_its_own() -> None:
    rng = random.Random(5)
    w, b = values(rng, 3, 4), [Value(0.1), Value(0.2), Value(0.3)]
    params = [p for row in w for p in row] + b

    def f(x: list[Value]) -> Value:
        z = dense(w[:2], b[:2], x)
        act = b[2]
        for k in (3, 1, 0, 2):  # the same inputs, summed in another order
            act = act + w[2][k] * x[k]
        return sum((zj.sigmoid() for zj in [*z, act]), Value(0.0))

    plan = assert_same_both_ways(f, [X4], params)
    assert sorted(linears(plan)) == [(1, 4), (2, 4)]


def test_a_neuron_of_a_subset_of_the_inputs_is_a_layer_of_its_own() -> None:
    rng = random.Random(6)
    w, b = values(rng, 3, 4), [Value(0.1), Value(0.2), Value(0.3)]
    params = [p for row in w for p in row] + b

    def f(x: list[Value]) -> Value:
        z = dense(w[:2], b[:2], x)
        z.append(dense([w[2][:3]], b[2:], x[:3])[0])  # inputs 0, 1, 2 only
        return sum((zj.relu() for zj in z), Value(0.0))

    plan = assert_same_both_ways(f, [X4], params)
    assert sorted(linears(plan)) == [(1, 3), (2, 4)]


def test_a_bias_in_the_middle_or_products_used_twice_keep_the_chains() -> None:
    rng = random.Random(7)
    w, b = values(rng, 2, 4), [Value(0.1), Value(0.2)]
    params = [p for row in w for p in row] + b

    def middle(x: list[Value]) -> Value:
        z = [w[j][0] * x[0] + w[j][1] * x[1] + b[j] + w[j][2] * x[2] for j in range(2)]
        return z[0] * z[1]

    assert_same_both_ways(middle, [X4], params, [])

    def reused(x: list[Value]) -> Value:
        p = [[w[j][k] * x[k] for k in range(4)] for j in range(2)]
        z = [b[j] + p[j][0] + p[j][1] + p[j][2] + p[j][3] for j in range(2)]
        return z[0] * z[1] + p[0][0]  # a product used outside its sum

    plan = assert_same_both_ways(reused, [X4], params, [(1, 4)])
    assert sum(isinstance(s, Chain) for s in plan.steps) == 1


def test_a_sum_of_products_without_bias_and_with_constant_weights() -> None:
    def f(x: list[Value]) -> Value:
        return (x[0] * 2.0 + x[1] * -3.0 + 0.5 * x[2] + x[3] * 4.0).exp()

    assert_same_both_ways(f, [X4 / 4], [], [(1, 4)])


# ------------------------------------------------------------ the replay's contract
def mlp_loss(seed: int, sizes: list[int]) -> tuple[Callable[..., Value], list[Value]]:
    rng = random.Random(seed)
    layers = make_mlp(rng, sizes)
    params = [p for layer in layers for neuron in layer for p in neuron]

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES["squared"](mlp(layers, x, "relu"), y)

    return f, params


def test_input_gradients_through_layers() -> None:
    f, params = mlp_loss(8, [3, 5, 4, 1])
    X = np.random.default_rng(8).uniform(-2, 2, size=(6, 3))
    Y = np.linspace(-1, 1, 6)
    rec = record(f, X[0].tolist(), 0.0, params=params)
    got = rec.run(X, Y, input_grads=True)
    assert got.input_grads is not None and got.input_grads[0].shape == (6, 3)
    assert linears(rec._program(True).plan) == [(5, 3), (4, 5), (1, 4)]
    assert_same_both_ways(f, [X, Y], params, [(5, 3), (4, 5), (1, 4)])


def test_nan_inputs_replay_through_layers() -> None:
    f, params = mlp_loss(9, [2, 4, 1])
    X = np.array([[0.5, -1.0], [math.nan, 1.0], [2.0, math.inf]])
    Y = np.array([1.0, -1.0, 1.0])
    rec = record(f, [0.0, 0.0], 0.0, params=params)
    got = rec.run(X, Y, input_grads=True, verify="never")
    assert math.isfinite(got.values[0]) and math.isnan(got.values[1])
    assert np.isnan(got.grads).all()  # the NaN example reaches every parameter
    plan = plan_of(f, [[0.0, 0.0], 0.0], params)
    assert linears(plan) == [(4, 2), (1, 4)]
    for new, old in zip(
        run(plan, [X, Y]), run(plan_of(f, [[0.0, 0.0], 0.0], params, True, False), [X, Y])
    ):
        assert close(new, old)
    engine = f([Value(math.nan), Value(1.0)], Value(-1.0))
    assert math.isnan(engine.data)


def test_a_domain_error_after_a_layer_names_the_node_and_the_example() -> None:
    rng = random.Random(10)
    w, b = values(rng, 2, 3), [Value(0.1), Value(0.2)]

    def f(x: list[Value]) -> Value:
        z0, z1 = dense(w, b, x)
        z0.label = "z0"
        return z0.log() * z1

    sign = math.copysign(1.0, sum(v.data for v in w[0]))
    X = sign * np.array([[5.0] * 3, [1.0] * 3, [-9.0] * 3])  # z0 > 0, z0 > 0, z0 < 0
    rec = record(f, X[0].tolist())
    assert linears(rec._program(False).plan) == [(2, 3)]
    with pytest.raises(DomainError, match=r"log.*batch example 2") as info:
        rec.run(X, verify="never")
    assert info.value.label == "z0"
    with pytest.raises(DomainError) as engine:
        f([Value(v) for v in X[2].tolist()])
    assert info.value.value == pytest.approx(engine.value.value, rel=1e-12)


def test_a_bound_layer_reads_its_weights_through_views_only() -> None:
    """Bound to a workspace, a layer keeps a view of its weights' rows,
    reshaped (J, K); where the reshape would be a copy it is not kept (a copy
    would not see the next call's weights)."""
    be = numpy_backend()
    u = np.arange(12.0).reshape(12, 1)
    view = _shaped_view(be, u[0:6], (2, 3))
    assert view is not None and np.shares_memory(view, u)
    u[0, 0] = 100.0
    assert view[0, 0] == 100.0
    transposed = np.arange(12.0).reshape(3, 4).T  # (4, 3), not reshapeable as a view
    assert _shaped_view(be, transposed, (2, 6)) is None
    assert _shaped_view(be, None, (2, 3)) is None
