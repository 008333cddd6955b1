"""Laws every gradient obeys, on random expression graphs with reused nodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_scalar import Value
from autograd_scalar.check.strategies import Expression, central_difference, expressions


def gradients(expr: Expression, point: tuple[float, ...], seed: float = 1.0) -> list[float]:
    xs = [Value(p) for p in point]
    expr(*xs).backward(seed)
    return [x.grad for x in xs]


def assert_close_to_numeric(expr: Expression, grads: list[float]) -> None:
    for i, grad in enumerate(grads):
        numeric = central_difference(expr.evaluate, expr.point, i)
        assert grad == pytest.approx(numeric, rel=1e-4, abs=1e-5), f"input {i} of {expr}"


@given(expressions())
def test_every_leaf_gradient_equals_the_central_difference(expr: Expression) -> None:
    assert_close_to_numeric(expr, gradients(expr, expr.point))


@given(expressions(), st.floats(-3, 3))
def test_backward_is_linear_in_its_seed(expr: Expression, seed: float) -> None:
    ones = gradients(expr, expr.point)
    seeded = gradients(expr, expr.point, seed)
    assert seeded == pytest.approx([seed * g for g in ones], rel=1e-12, abs=1e-12)


@given(expressions(min_inputs=2, max_inputs=2), expressions(min_inputs=2, max_inputs=2))
def test_sum_rule_and_product_rule(f: Expression, g: Expression) -> None:
    """d(f + g) = df + dg and d(f·g) = df·g + f·dg, input by input."""
    point = f.point
    df, dg = gradients(f, point), gradients(g, point)
    fv, gv = f.evaluate(*point), g.evaluate(*point)

    xs = [Value(p) for p in point]
    (f(*xs) + g(*xs)).backward()
    assert [x.grad for x in xs] == pytest.approx(
        [a + b for a, b in zip(df, dg)], rel=1e-9, abs=1e-9
    )

    xs = [Value(p) for p in point]
    (f(*xs) * g(*xs)).backward()
    product = [a * gv + fv * b for a, b in zip(df, dg)]
    assert [x.grad for x in xs] == pytest.approx(product, rel=1e-9, abs=1e-9)


@given(expressions(min_inputs=1, max_inputs=1))
def test_chain_rule_through_a_composed_function(expr: Expression) -> None:
    """d tanh(f(x)) / dx = (1 - tanh²(f)) · f'(x)."""
    (df,) = gradients(expr, expr.point)
    x = Value(expr.point[0])
    out = expr(x).tanh()
    out.backward()
    assert x.grad == pytest.approx((1 - out.data**2) * df, rel=1e-9, abs=1e-12)


@given(expressions())
def test_second_backward_doubles_leaf_gradients_and_resets_the_rest(expr: Expression) -> None:
    xs = [Value(p) for p in expr.point]
    out = expr(*xs)
    out.backward()
    first = [x.grad for x in xs]
    interior = {id(n): n.grad for n in out.walk() if not n.is_leaf}
    out.backward()
    # abs: a leaf reached by several paths adds them one by one, so cancelling terms round
    assert [x.grad for x in xs] == pytest.approx([2 * g for g in first], rel=1e-12, abs=1e-9)
    assert {id(n): n.grad for n in out.walk() if not n.is_leaf} == interior
