"""gradcheck and gradgradcheck: pass on correct derivatives, fail with a table on wrong ones."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import pytest
from hypothesis import given, settings

from autograd_scalar.check.gradcheck import (
    GradcheckError,
    finite_differences,
    gradcheck,
    gradgradcheck,
)
from autograd_scalar.check.strategies import Expression, expressions
from autograd_scalar.core.errors import AutogradError
from autograd_scalar.core.extend import CustomOp, define_op, remove_op
from autograd_scalar.core.functions import cos, exp, log, sigmoid, sin
from autograd_scalar.core.rules import RULES
from autograd_scalar.core.value import Value
from autograd_scalar.transforms.functional import grad


@pytest.fixture
def wrong_cos() -> Iterator[CustomOp]:
    """cos whose rule claims d/dx cos x = +sin x (the classic sign slip)."""
    op = define_op("wrong_cos", math.cos, lambda m, x, y, out: m.sin(x))
    yield op
    remove_op("wrong_cos")


@pytest.fixture
def graph_breaking_sin() -> Iterator[CustomOp]:
    """sin with a first derivative that is right as a number but cut off from
    the graph (it reads ``.data``), so second derivatives come out 0."""

    def local(m: object, x: object, y: object, out: object) -> float:
        return math.cos(x.data if isinstance(x, Value) else x)  # type: ignore[arg-type]

    op = define_op("flat_sin", math.sin, local)
    yield op
    remove_op("flat_sin")


def test_gradcheck_passes_on_correct_functions() -> None:
    assert gradcheck(lambda x, y: x * sin(y) + exp(x / y), 0.5, -1.2)
    assert gradcheck(lambda x: log(x) * sigmoid(x), 3.0)
    assert gradcheck(lambda x: x**2.5, Value(1.7))  # a Value is checked at its data


def test_gradgradcheck_passes_on_correct_functions() -> None:
    assert gradgradcheck(lambda x, y: x * sin(y) + exp(x / y), 0.5, -1.2)
    assert gradgradcheck(lambda x: cos(x) ** 3, 0.4)


@settings(max_examples=40)
@given(expressions(max_steps=6))
def test_gradcheck_and_gradgradcheck_pass_on_random_graphs(expr: Expression) -> None:
    assert gradcheck(expr, *expr.point)
    assert gradgradcheck(expr, *expr.point)


def test_a_cancelling_derivative_at_a_tiny_point_is_not_read_as_zero() -> None:
    # f = -2x + exp(2x): f' = -2 + 2·exp(2x) is exactly 0 at and around x = 8.8e-293,
    # so a step relative to x (1e-298) sees no change and claims f'' = 0 with no
    # error; f'' is 4 there (a random graph of hypothesis found this).
    def f(x: Value) -> Value:
        return -(x + x) + exp(x + x)

    point = (8.774156576556988e-293,)
    assert gradgradcheck(f, *point)
    estimate = finite_differences(grad(f), point, 0)
    assert abs(estimate.value - 4.0) < 1e-6 and estimate.error < 1e-6


def test_a_wrong_rule_fails_with_a_readable_table(wrong_cos: CustomOp) -> None:
    def f(x: Value, y: Value) -> Value:
        return wrong_cos(x) * y

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, 0.8, 2.0)
    error = info.value
    lines = str(error).splitlines()
    assert lines[0].startswith("gradcheck: the derivatives of f disagree with central differences")
    assert lines[1].split() == [
        "input", "value", "analytic", "forward", "numeric", "abs", "error", "rel", "error", "check"
    ]  # fmt: skip
    x_row, y_row = lines[3].split(), lines[4].split()
    # x: the rule says +2·sin(0.8), the truth is -2·sin(0.8).
    assert x_row[0] == "x"
    assert float(x_row[2]) == pytest.approx(2 * math.sin(0.8))
    assert float(x_row[4]) == pytest.approx(-2 * math.sin(0.8), rel=1e-6)
    assert float(x_row[5]) == pytest.approx(4 * math.sin(0.8), rel=2e-3)  # 3 digits shown
    assert float(x_row[6]) == pytest.approx(2.0, rel=2e-3)
    assert x_row[-1] == "FAIL"
    assert y_row[0] == "y"
    assert y_row[-1] == "ok"  # ∂/∂y = cos x is not touched by the bad rule
    assert [r.name for r in error.failures] == ["x"]
    assert isinstance(error, AutogradError)
    assert isinstance(error, AssertionError)


def test_a_wrong_rule_in_the_builtin_table_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Forward mode reads RULES at each call, so a bad entry shows up there:
    # forward mode then disagrees with reverse mode and with central differences.
    bad = dataclasses.replace(RULES["cos"], local=lambda m, x, out: (m.sin(x),))
    monkeypatch.setitem(RULES, "cos", bad)
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck(cos, 1.0)


def test_defaults_are_tighter_than_one_percent() -> None:
    slightly_off = define_op(
        "slightly_off_sin", math.sin, lambda m, x, y, out: m.cos(x) * 1.002
    )  # 0.2 % too steep: passes a 1e-2 check, fails the float64 default
    try:
        assert gradcheck(slightly_off, 0.3, atol=1e-2, rtol=1e-2)
        with pytest.raises(GradcheckError):
            gradcheck(slightly_off, 0.3)
    finally:
        remove_op("slightly_off_sin")


def test_gradgradcheck_catches_a_derivative_cut_off_from_the_graph(
    graph_breaking_sin: CustomOp,
) -> None:
    assert gradcheck(graph_breaking_sin, 0.7)  # first derivatives are right
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(graph_breaking_sin, 0.7)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("gradgradcheck: the second derivatives of flat_sin")
    assert "forward" not in lines[1]
    row = lines[3].split()
    assert row[0] == "∂²/∂x²"
    assert float(row[2]) == 0.0  # what the broken graph gives
    assert float(row[3]) == pytest.approx(-math.sin(0.7), rel=1e-5)  # the truth
    assert row[-1] == "FAIL"


def test_gradcheck_without_inputs_or_with_a_non_finite_derivative() -> None:
    assert gradcheck(lambda: 1.0)
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck(lambda x: abs(x) ** 0.5, 0.0)  # inf · 0 = nan at 0: never "close"
