"""Tests for autograd_scalar.vectorize.steps: the NumPy m, the in-place
forwards read from the rules, scatter plans, and the engine's errors."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from autograd_scalar.check.strategies import EDGE_POINTS
from autograd_scalar.core.errors import DomainError, ZeroDivisionError_
from autograd_scalar.core.extend import define_op, remove_op
from autograd_scalar.core.maths import IEEE_MATH, ieee
from autograd_scalar.core.rules import BUILTIN, RULES
from autograd_scalar.vectorize.backend import backend_for, numpy_math
from autograd_scalar.vectorize.steps import (
    UNIFORM,
    VARYING,
    engine_error,
    in_place,
    index,
    scatter_plan,
)

from .conftest import Library

M = numpy_math()
POINTS = [*EDGE_POINTS, math.nan, math.inf, -math.inf]


def same(a: float, b: float, ulps: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= ulps * math.ulp(max(abs(a), abs(b)))


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "tanh", "sin", "cos", "abs", "step", "sign", "floor"]
)
def test_numpy_m_agrees_with_ieee_floats_at_edge_points(name: str) -> None:
    """What the engine computes in IEEE arithmetic, NumPy computes on arrays
    (NaN through step and sign included); tanh to 2 ulp, see test_program."""
    with np.errstate(all="ignore"):
        got = getattr(M, name)(np.array(POINTS)).tolist()
    for x, g in zip(POINTS, got):
        expected = float(getattr(IEEE_MATH, name)(ieee(x)))
        assert same(g, expected, 2.0 if name == "tanh" else 0.0), (name, x, g, expected)


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "tanh", "sin", "cos", "abs", "step", "sign", "floor"]
)
def test_every_librarys_m_agrees_with_ieee_floats_at_edge_points(xp: Library, name: str) -> None:
    """The same on the other libraries' m (array-api-strict computes with
    NumPy; PyTorch's vectorised functions may differ by an ulp or two)."""
    be = backend_for([xp.asarray(POINTS)])
    with np.errstate(all="ignore"):
        got = xp.numpy(getattr(be.m, name)(xp.asarray(POINTS))).tolist()
    ulps = 4.0 if xp.name == "torch" else 2.0 if name == "tanh" else 0.0
    for x, g in zip(POINTS, got):
        expected = float(getattr(IEEE_MATH, name)(ieee(x)))
        assert same(g, expected, ulps), (name, x, g, expected)
    xs = xp.asarray(POINTS)
    maximum = xp.numpy(be.m.maximum(xs, 0.0)).tolist()
    assert all(same(a, float(IEEE_MATH.maximum(x, 0.0))) for x, a in zip(POINTS, maximum))
    chosen = xp.numpy(be.m.where(xs > 0.0, 1.0, 2.0)).tolist()
    assert chosen == [1.0 if x > 0 else 2.0 for x in POINTS]


def test_numpy_m_two_operand_functions() -> None:
    xs = np.array(POINTS)
    with np.errstate(all="ignore"):
        maximum = M.maximum(xs, 0.0).tolist()
        powers = M.pow(np.abs(xs), -1.5).tolist()
    for x, mx, p in zip(POINTS, maximum, powers):
        assert same(mx, float(IEEE_MATH.maximum(x, 0.0)))
        assert same(p, float(IEEE_MATH.pow(abs(x), -1.5)))
    assert M.where(xs > 0, 1.0, 2.0).tolist() == [1.0 if x > 0 else 2.0 for x in POINTS]
    assert M.isinf(xs).tolist() == [math.isinf(x) for x in POINTS]


@pytest.fixture
def custom_m() -> Iterator[None]:
    define_op("twice_m", lambda m, x: 2.0 * x, lambda m, x, y, out: 2.0)
    define_op("soft_m", lambda m, x: m.log(1.0 + m.exp(x)), lambda m, x, y, out: 1.0 - m.exp(-out))
    define_op("twice_math", lambda x: 2.0 * x, lambda m, x, y, out: 2.0)
    yield
    for name in ("twice_m", "soft_m", "twice_math"):
        remove_op(name)


def test_in_place_forwards_are_read_from_the_rules(custom_m: None) -> None:
    """One ufunc on the operands and numbers has an out= form; anything
    else (sigmoid's where, a composition, a forward written with math) has none."""
    with_form = {name for name in RULES if in_place(np, M, RULES[name]) is not None}
    # a subset, not a list of every rule: a new rule may or may not have one
    assert BUILTIN - {"sigmoid"} <= with_form and "twice_m" in with_form
    assert "sigmoid" not in with_form


def test_in_place_forwards_compute_what_the_rules_compute(custom_m: None) -> None:
    rng = np.random.default_rng(0)
    special = np.array(POINTS)
    x = np.concatenate([special, rng.normal(0, 3, 40)]).reshape(2, -1)
    y = np.concatenate([rng.normal(0, 3, 40), special[::-1]]).reshape(2, -1)
    for name, rule in RULES.items():
        write = in_place(np, M, rule)
        if write is None:
            continue
        with np.errstate(all="ignore"):
            expected = rule.forward(M, x) if rule.arity == 1 else rule.forward(M, x, y)
            out = np.empty_like(x)
            write(x, None if rule.arity == 1 else y, out)
        np.testing.assert_array_equal(out, expected, err_msg=name)  # NaN-aware, bit for bit


def test_index_is_a_slice_where_rows_are_evenly_spaced() -> None:
    assert index(np, [4]) == slice(4, 5)
    assert index(np, [1, 3, 5]) == slice(1, 6, 2)
    assert index(np, [3, 2, 1]).tolist() == [3, 2, 1]  # descending: an array
    assert index(np, [0, 1, 5]).tolist() == [0, 1, 5]


@pytest.mark.parametrize(
    "rows",
    [[0, 2, 4], [5, 6, 5, 6, 5, 6], [3, 1, 3, 0, 1]],
    ids=["distinct", "tiles", "sorted runs"],
)
@pytest.mark.parametrize("select", [None, "some"])
def test_scatter_plans_add_like_add_at(xp: Library, rows: list[int], select: str | None) -> None:
    """On every backend (the plan compiled with NumPy, then ported)."""
    rng = np.random.default_rng(1)
    chosen = None if select is None else list(range(0, 2 * len(rows), 2))
    terms = rng.normal(size=(2 * len(rows) if chosen else len(rows), 3))
    be = backend_for([xp.asarray(terms)])
    grads = [be.asarray(np.zeros((7, 1))), be.asarray(np.zeros((7, 3)))]
    be.port(scatter_plan(np, VARYING, chosen, rows)).add(be, grads, xp.asarray(terms), VARYING)
    expected = np.zeros((7, 3))
    np.add.at(expected, rows, terms if chosen is None else terms[chosen])
    np.testing.assert_allclose(xp.numpy(grads[VARYING]), expected, rtol=1e-15)
    # into a shared (uniform) row, a varying term is summed over the batch too
    be.port(scatter_plan(np, UNIFORM, chosen, rows)).add(be, grads, xp.asarray(terms), VARYING)
    summed = expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(xp.numpy(grads[UNIFORM]), summed, rtol=1e-14)


def test_engine_error_is_the_engines_own() -> None:
    error = engine_error(RULES["log"], (-2.0,), ("x",))
    assert type(error) is DomainError and error.label == "x" and error.value == -2.0
    error = engine_error(RULES["div"], (1.0, 0.0), ("a", "b"))
    assert type(error) is ZeroDivisionError_ and error.label == "b"  # the divisor
    assert engine_error(RULES["mul"], (1e300, 1e300), (None, None)) is None  # inf, no error


@pytest.mark.parametrize(
    "rows",
    [[0, 2, 4], [1, 2, 3], [5, 6, 5, 6, 5, 6], [3, 1, 3, 0, 1]],
    ids=["spaced", "consecutive", "tiles", "sorted runs"],
)
@pytest.mark.parametrize("kind", [UNIFORM, VARYING])
def test_a_bound_scatter_adds_what_the_scatter_adds(rows: list[int], kind: int) -> None:
    """Bound to one workspace's gradient arrays (a view where the rows are a
    slice), repeatedly: the same sums as :meth:`Scatter.add`."""
    rng = np.random.default_rng(2)
    be = backend_for([np.zeros(1)])
    plan = scatter_plan(np, kind, None, rows)
    bound = [np.zeros((7, 1)), np.zeros((7, 3))]
    add, into = plan.bind(be, bound)
    assert into is None
    expected = [np.zeros((7, 1)), np.zeros((7, 3))]
    for _ in range(2):
        terms = rng.normal(size=(len(rows), 3))
        add(terms, VARYING)
        plan.add(be, expected, terms, VARYING)
    np.testing.assert_array_equal(bound[kind], expected[kind])
    assert not bound[1 - kind].any()
    # the only writer of its rows, into zeros: written, not added
    fresh = [np.zeros((7, 1)), np.zeros((7, 3))]
    add, into = plan.bind(be, fresh, sole=True)
    add(terms, VARYING)
    expected = [np.zeros((7, 1)), np.zeros((7, 3))]
    plan.add(be, expected, terms, VARYING)
    np.testing.assert_array_equal(fresh[kind], expected[kind])
    if isinstance(plan.rows, slice) and plan.tiles == 0:
        assert into is not None and np.shares_memory(into, fresh[kind])
    else:
        assert into is None
