"""Forward mode: Dual numbers, jvp, and the operation counter."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar import engine, functional
from autograd_scalar.check.strategies import Expression, central_difference, expressions, op_inputs
from autograd_scalar.core.errors import DomainError, InvalidInputError, ZeroDivisionError_
from autograd_scalar.core.functions import abs as abs_
from autograd_scalar.core.functions import cos, exp, log, relu, sigmoid, sin, sqrt, tanh
from autograd_scalar.core.value import Value
from autograd_scalar.transforms.cost import cost_table, count_ops
from autograd_scalar.transforms.forward import Dual, counting, jvp
from autograd_scalar.transforms.functional import grad

UNARY_CLOSED_FORMS = {
    # name: (function, its derivative, from calculus, not from the rule table)
    "exp": (exp, math.exp),
    "log": (log, lambda x: 1.0 / x),
    "sqrt": (sqrt, lambda x: 0.5 / math.sqrt(x)),
    "tanh": (tanh, lambda x: 1.0 / math.cosh(x) ** 2),
    "sigmoid": (sigmoid, lambda x: math.exp(-x) / (1.0 + math.exp(-x)) ** 2),
    "relu": (relu, lambda x: 1.0 if x > 0 else 0.0),
    "sin": (sin, math.cos),
    "cos": (cos, lambda x: -math.sin(x)),
    "abs": (abs_, lambda x: math.copysign(1.0, x)),
}


@pytest.mark.parametrize("name", sorted(UNARY_CLOSED_FORMS))
@given(data=st.data())
def test_each_function_has_its_textbook_derivative(name: str, data: st.DataObject) -> None:
    f, df = UNARY_CLOSED_FORMS[name]
    x = data.draw(op_inputs(name))
    value, slope = jvp(f, [x], [1.0])
    assert value == pytest.approx(f(x).data, rel=1e-15)
    # σ(1 - σ) loses a few digits to cancellation for large x: rel 1e-9, not 1e-15.
    assert slope == pytest.approx(df(x), rel=1e-9, abs=1e-300)


def test_operators_on_duals() -> None:
    x, y = Dual(3.0, 1.0), Dual(2.0, 0.0)
    assert (x * y + x).tangent == 3.0  # y + 1
    assert (x / y).tangent == 0.5
    assert (y / x).tangent == pytest.approx(-2.0 / 9.0)
    assert (x - y).tangent == 1.0
    assert (1.0 - x).tangent == -1.0
    assert (-x).tangent == -1.0
    assert (x**3).tangent == 27.0  # 3x²
    assert (2.0**x).tangent == pytest.approx(8.0 * math.log(2.0))
    assert (x**y).tangent == pytest.approx(2.0 * 3.0)  # y·x^(y-1), dy = 0
    assert (y**x).tangent == pytest.approx(8.0 * math.log(2.0))  # x^y ln x, along x
    assert abs(Dual(-2.0, 1.0)).tangent == -1.0


def test_comparisons_and_truth() -> None:
    assert Dual(1.0) < 2.0
    assert Dual(3.0) >= Dual(3.0, 5.0)
    with pytest.raises(InvalidInputError, match="no truth value"):
        bool(Dual(1.0))


def test_a_value_met_in_forward_mode_is_a_constant() -> None:
    c = Value(2.0) * 3.0
    value, slope = jvp(lambda x: x * c + x * exp(1.0), [1.0], [1.0])
    assert value == pytest.approx(6.0 + math.e)
    assert slope == pytest.approx(6.0 + math.e)


def test_domain_errors_in_forward_mode_name_the_operation() -> None:
    with pytest.raises(DomainError, match=r"log\(-1.0\) is undefined"):
        jvp(log, [-1.0], [1.0])
    with pytest.raises(ZeroDivisionError_, match="div"):
        jvp(lambda x: 1.0 / x, [0.0], [1.0])
    with pytest.raises(InvalidInputError, match="Dual"):
        Dual("1")


def test_jvp_checks_its_arguments() -> None:
    with pytest.raises(InvalidInputError, match="2 primals but 1 tangents"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(InvalidInputError, match="must return a scalar"):
        jvp(lambda x: (x, x), [1.0], [1.0])
    assert jvp(lambda x: 4.0, [1.0], [1.0]) == (4.0, 0.0)


def test_forward_mode_never_runs_a_reverse_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("reverse mode was used")

    monkeypatch.setattr(engine.Value, "backward", forbidden)
    monkeypatch.setattr(functional, "gradients", forbidden)
    assert jvp(lambda x: sin(x) * x, [1.0], [1.0])[1] == pytest.approx(
        math.cos(1.0) + math.sin(1.0)
    )


# --------------------------------------------- agreement with reverse mode
@settings(max_examples=100)
@given(expressions(), st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_forward_equals_reverse_equals_central_difference(
    expr: Expression, direction: list[float]
) -> None:
    n = expr.n_inputs
    point = list(expr.point)
    reverse = grad(expr, argnums=tuple(range(n)))(*point)
    for i in range(n):
        unit = [1.0 if j == i else 0.0 for j in range(n)]
        value, forward = jvp(expr, point, unit)
        numeric = central_difference(expr.evaluate, point, i)
        assert value == expr.evaluate(*point)
        assert forward == pytest.approx(reverse[i], rel=1e-9, abs=1e-9), str(expr)
        assert forward == pytest.approx(numeric, rel=1e-4, abs=1e-5), str(expr)
    # Along any direction: one pass gives ∇f · v.
    v = direction[:n]
    directional = sum(g * d for g, d in zip(reverse, v))
    assert jvp(expr, point, v)[1] == pytest.approx(directional, rel=1e-9, abs=1e-9)


# --------------------------------------------------------- counting costs
def test_count_ops_by_hand() -> None:
    # x*y + x: two operations with two operands each → 4 derivative edges.
    count = count_ops(lambda x, y: x * y + x, [2.0, 3.0])
    assert (count.n_inputs, count.forward, count.reverse) == (2, 2, 2 + 4)
    assert count.forward_mode == 2 * (2 + 4)  # n passes of (ops + tangent multiply-adds)


def test_counting_counts_every_dual_operation() -> None:
    with counting() as counter:
        x = Dual(1.0, 1.0)
        _ = sin(x) * x + 2.0  # sin: 1 madd; mul and add: 2 each
    assert (counter.ops, counter.madds) == (3, 5)
    assert (Dual(1.0) + 1.0).primal == 2.0  # outside the block: not counted
    assert (counter.ops, counter.madds) == (3, 5)


def chain(*xs: Value) -> Value:
    """A function whose every input feeds a shared tanh chain."""
    acc: Value = xs[0]
    for x in xs[1:]:
        acc = tanh(acc * x + x)
    return acc


@pytest.mark.parametrize("f", [chain, lambda *xs: sum((x * x for x in xs), 0.0)])
def test_reverse_cost_is_flat_while_forward_mode_grows_with_n(f: object) -> None:
    sizes = [2, 4, 8, 16, 32]
    rows = cost_table(f, *([0.5] * n for n in sizes)).rows  # type: ignore[arg-type]
    for row, n in zip(rows, sizes):
        assert row.n_inputs == n
        assert row.reverse_ratio <= 3.0  # each node: ≤ 2 derivative edges on top of itself
        assert row.forward_mode_ratio == pytest.approx(n * row.reverse_ratio)
    assert rows[-1].forward_mode > 16 * rows[-1].reverse


def test_cost_table_prints_one_row_per_size() -> None:
    text = str(cost_table(lambda *xs: sum((x * x for x in xs), 0.0), [1.0] * 3, [1.0] * 30))
    header, rule, *lines = text.splitlines()
    assert "forward pass" in header
    assert "reverse (all n)" in header
    assert "forward mode (n)" in header
    assert set(rule) <= {"-", " "}
    assert [line.split()[0] for line in lines] == ["3", "30"]


def test_free_functions_dispatch_on_the_argument() -> None:
    from decimal import Decimal

    assert isinstance(exp(Dual(0.0, 1.0)), Dual)
    assert isinstance(exp(Value(0.0)), Value)
    assert isinstance(exp(0.0), Value)  # a number: a constant Value, as before
    with pytest.raises(InvalidInputError, match="exp: expected a real number"):
        exp("1")
    with pytest.raises(InvalidInputError, match="exp: expected a real number"):
        exp(Decimal(1))  # has its own .exp(), but is not a type the engine computes with
