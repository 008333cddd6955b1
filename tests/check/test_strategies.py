"""The public hypothesis strategies: they draw what they promise."""

from __future__ import annotations

import math

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd_scalar.check.strategies import (
    BINARY_DOMAINS,
    EXPRESSION_OPS,
    KINKED_OPS,
    SMOOTH_DOMAINS,
    Expression,
    binary_op_inputs,
    central_difference,
    expressions,
    op_inputs,
)
from autograd_scalar.core.errors import AutogradError
from autograd_scalar.core.rules import BUILTIN as BUILTIN_OPS
from autograd_scalar.core.value import Value
from autograd_scalar.transforms.forward import Dual


def test_every_builtin_rule_has_a_domain_to_draw_from() -> None:
    assert set(SMOOTH_DOMAINS) | set(BINARY_DOMAINS) == BUILTIN_OPS
    assert not set(SMOOTH_DOMAINS) & set(BINARY_DOMAINS)
    assert set(EXPRESSION_OPS) == BUILTIN_OPS


@pytest.mark.parametrize("op", sorted(SMOOTH_DOMAINS))
@given(data=st.data())
def test_op_inputs_are_inside_the_smooth_domain(op: str, data: st.DataObject) -> None:
    x = data.draw(op_inputs(op))
    low, high = SMOOTH_DOMAINS[op]
    assert low <= x <= high
    if op in KINKED_OPS:
        assert abs(x) > 1e-3
    out = getattr(Value(x), op)() if op != "neg" else -Value(x)
    assert math.isfinite(out.data)


@pytest.mark.parametrize("op", sorted(BINARY_DOMAINS))
@given(data=st.data())
def test_binary_op_inputs_never_leave_the_domain(op: str, data: st.DataObject) -> None:
    x, y = data.draw(binary_op_inputs(op))
    a = Value(x)
    apply = {
        "add": lambda: a + y,
        "sub": lambda: a - y,
        "mul": lambda: a * y,
        "div": lambda: a / y,
        "pow": lambda: a**y,
        "rpow": lambda: y**a,
        "powv": lambda: a ** Value(y),
    }[op]
    out = apply()  # would raise an AutogradError outside the domain
    out.backward()
    assert math.isfinite(out.data)
    assert math.isfinite(a.grad)


def test_divisors_come_with_both_signs() -> None:
    assert find(binary_op_inputs("div"), lambda xy: xy[1] < 0)[1] <= -0.1
    assert find(binary_op_inputs("div"), lambda xy: xy[1] > 0)[1] >= 0.1


def test_unknown_ops_are_rejected() -> None:
    with pytest.raises(ValueError, match="no rule named"):
        op_inputs("nope")
    with pytest.raises(ValueError, match="sin takes 1 operand"):
        binary_op_inputs("sin")
    with pytest.raises(ValueError, match="no rule named"):
        find(expressions(ops=["nope"]), lambda e: True)


def uses_a_result_twice(expr: Expression) -> bool:
    operands = [i for _, ops in expr.steps for i in ops]
    return any(operands.count(i) > 1 for i in range(expr.n_inputs, expr.n_inputs + len(expr.steps)))


def test_expressions_share_subexpressions_and_have_several_inputs() -> None:
    shared = find(expressions(min_inputs=2), uses_a_result_twice)
    assert shared.n_inputs >= 2
    assert uses_a_result_twice(shared)


def test_every_op_appears_and_can_be_differentiated() -> None:
    seen: set[str] = set()

    @settings(max_examples=200, derandomize=True, database=None)
    @given(expressions())
    def record(expr: Expression) -> None:
        seen.update(name for name, _ in expr.steps)
        expr(*expr.point).backward()

    record()
    assert seen == set(EXPRESSION_OPS)


@given(expressions(ops=["sin", "mul"]))
def test_ops_restricts_the_operations(expr: Expression) -> None:
    assert {name for name, _ in expr.steps} <= {"sin", "mul"}


@given(expressions())
def test_an_expression_runs_on_values_duals_and_numbers(expr: Expression) -> None:
    value = expr(*expr.point)
    dual = expr(*(Dual(p) for p in expr.point))
    assert isinstance(value, Value)
    assert isinstance(dual, Dual)
    assert dual.primal == value.data == expr.evaluate(*expr.point)
    assert expr.kink_distance(*expr.point) > 1e-3


def test_expression_checks_its_arity() -> None:
    expr = find(expressions(min_inputs=2, max_inputs=2), lambda e: True)
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        expr(1.0)
    with pytest.raises(AutogradError):
        expr("a", 1.0)


def test_central_difference_is_accurate_to_many_digits() -> None:
    slope = central_difference(lambda x, y: math.exp(x) * y, [1.0, 3.0], 0)
    assert slope == pytest.approx(3.0 * math.e, rel=1e-8)
    big = central_difference(lambda x: x * x, [1e6], 0)  # the step scales with |x|
    assert big == pytest.approx(2e6, rel=1e-8)
