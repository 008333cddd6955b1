"""User-defined operations: define_op, and property-testing one in three lines."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from hypothesis import given, settings

from autograd_scalar.check.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_scalar.check.strategies import (
    EXPRESSION_OPS,
    Expression,
    binary_op_inputs,
    central_difference,
    expressions,
    op_inputs,
)
from autograd_scalar.core.errors import DomainError, InvalidInputError
from autograd_scalar.core.extend import (
    CUSTOM_OPS,
    CustomOp,
    OpDefinitionError,
    define_op,
    remove_op,
)
from autograd_scalar.core.rules import RULES
from autograd_scalar.core.value import Value
from autograd_scalar.transforms.forward import Dual, jvp
from autograd_scalar.transforms.functional import grad


def _softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _logaddexp(x: float, y: float) -> float:
    top = max(x, y)
    return top + math.log(math.exp(x - top) + math.exp(y - top))


@pytest.fixture(scope="module")
def softplus() -> Iterator[CustomOp]:
    op = define_op(
        "softplus",
        _softplus,
        lambda m, x, y, out: 1.0 - m.exp(-out),  # σ(x)
        formula="log(1 + exp(x))",
        derivatives=("σ(x)",),
    )
    yield op
    remove_op("softplus")


@pytest.fixture(scope="module")
def logaddexp() -> Iterator[CustomOp]:
    # ∂/∂x log(eˣ + eʸ) = e^(x - out), ∂/∂y = e^(y - out)
    op = define_op(
        "logaddexp",
        _logaddexp,
        lambda m, x, y, out: (m.exp(x - out), m.exp(y - out)),
        formula="log(exp(x) + exp(y))",
        interval=(-5.0, 5.0),
    )
    yield op
    remove_op("logaddexp")


@pytest.fixture(scope="module")
def safe_log() -> Iterator[CustomOp]:
    def forward(x: float) -> float:
        return math.log(x)  # raises ValueError for x ≤ 0

    op = define_op(
        "safe_log", forward, lambda m, x, y, out: 1.0 / x, domain="x > 0", interval=(0.01, 50.0)
    )
    yield op
    remove_op("safe_log")


@pytest.fixture(autouse=True)
def _ops(softplus: CustomOp, logaddexp: CustomOp, safe_log: CustomOp) -> None:
    """Every test here sees the three ops defined; they are removed after the
    module, so other test modules see the built-in table only."""


# ------------------------------------------ the three-line property test
# A user's test module would define the op at import time and write the three
# lines at top level; here the op lives in a fixture, so they run inside a test.
def test_softplus_in_three_lines(softplus: CustomOp) -> None:
    @given(op_inputs(softplus))
    def test_softplus(x: float) -> None:
        assert gradcheck(softplus, x) and gradgradcheck(softplus, x)  # noqa: PT018

    test_softplus()


def test_a_binary_custom_op_in_three_lines(logaddexp: CustomOp) -> None:
    @given(binary_op_inputs(logaddexp))
    def test_logaddexp(xy: tuple[float, float]) -> None:
        assert gradcheck(logaddexp, *xy) and gradgradcheck(logaddexp, *xy)  # noqa: PT018

    test_logaddexp()


def test_the_three_lines_catch_a_wrong_rule() -> None:
    bad = define_op("bad_softplus", _softplus, lambda m, x, y, out: m.exp(-out))  # 1 - σ
    try:

        @given(op_inputs(bad))
        def test_bad(x: float) -> None:
            assert gradcheck(bad, x)

        with pytest.raises(GradcheckError, match="FAIL"):
            test_bad()
    finally:
        remove_op("bad_softplus")


@settings(max_examples=60)
@given(expressions(ops=[*EXPRESSION_OPS, "softplus", "logaddexp", "safe_log"], max_steps=10))
def test_custom_ops_inside_random_graphs(expr: Expression) -> None:
    n = expr.n_inputs
    reverse = grad(expr, argnums=tuple(range(n)))(*expr.point)
    for i in range(n):
        unit = [1.0 if j == i else 0.0 for j in range(n)]
        assert jvp(expr, expr.point, unit)[1] == pytest.approx(reverse[i], rel=1e-9, abs=1e-9)
        numeric = central_difference(expr.evaluate, expr.point, i)
        assert reverse[i] == pytest.approx(numeric, rel=1e-4, abs=1e-5), str(expr)


# ---------------------------------------------------- what define_op gives
def test_works_on_values_duals_and_numbers(softplus: CustomOp) -> None:
    x = Value(0.0, label="x")
    y = softplus(x)
    assert y.op == "softplus"
    assert y.rule is RULES["softplus"]
    assert y.data == pytest.approx(math.log(2.0))
    y.backward()
    assert x.grad == 0.5
    d = softplus(Dual(0.0, 2.0))
    assert (d.primal, d.tangent) == (pytest.approx(math.log(2.0)), 1.0)
    assert softplus(3).data == pytest.approx(math.log1p(math.e**3))


def test_higher_derivatives_come_from_the_same_rule(softplus: CustomOp) -> None:
    x = 0.4
    s = 1.0 / (1.0 + math.exp(-x))
    assert grad(softplus)(x) == pytest.approx(s)
    assert grad(grad(softplus))(x) == pytest.approx(s * (1.0 - s))
    v = Value(x)
    softplus(v).backward(create_graph=True)
    first = v.grad
    v.grad = 0.0
    first.backward()
    assert v.grad == pytest.approx(s * (1.0 - s))


def test_binary_op_mixes_values_duals_and_numbers(logaddexp: CustomOp) -> None:
    a, b = Value(1.0), Value(2.0)
    out = logaddexp(a, b)
    out.backward()
    total = math.exp(1.0) + math.exp(2.0)
    assert a.grad == pytest.approx(math.exp(1.0) / total)
    assert b.grad == pytest.approx(math.exp(2.0) / total)
    assert logaddexp(Dual(1.0, 1.0), 2.0).tangent == pytest.approx(math.exp(1.0) / total)
    assert logaddexp(1.0, Dual(2.0, 1.0)).tangent == pytest.approx(math.exp(2.0) / total)
    assert logaddexp(1.0, 2.0).data == pytest.approx(math.log(total))


def test_a_const_arg_op_differentiates_only_its_first_operand() -> None:
    scale = define_op(
        "scale_by",
        lambda x, c: c * x,
        lambda m, x, c, out: c,
        const_arg=True,
        formula="c · x",
    )
    try:
        x = Value(2.0)
        scale(x, 3.0).backward()
        assert x.grad == 3.0
        assert scale(Dual(2.0, 1.0), Value(5.0)).tangent == 5.0
        with pytest.raises(InvalidInputError, match="fixed number"):
            scale(2.0, Dual(1.0, 1.0))
    finally:
        remove_op("scale_by")


def test_domain_errors_quote_the_formula_and_domain(safe_log: CustomOp) -> None:
    with pytest.raises(DomainError) as info:
        safe_log(Value(-2.0, label="w"))
    assert str(info.value) == (
        "safe_log: safe_log(-2.0) is undefined: safe_log(x) needs x > 0 (node 'w')"
    )
    with pytest.raises(DomainError, match="safe_log"):
        jvp(safe_log, [-2.0], [1.0])


def test_definition_errors() -> None:
    with pytest.raises(OpDefinitionError, match="built-in"):
        define_op("tanh", math.tanh, lambda m, x, y, out: 1.0 - out * out)
    with pytest.raises(OpDefinitionError, match="identifier"):
        define_op("not a name", math.tanh, lambda m, x, y, out: 1.0)
    with pytest.raises(OpDefinitionError, match="arity"):
        define_op("three", lambda a, b, c: a, lambda m, x, y, out: 1.0)
    with pytest.raises(OpDefinitionError, match="interval"):
        define_op("empty", math.tanh, lambda m, x, y, out: 1.0, interval=(1.0, 1.0))
    with pytest.raises(OpDefinitionError, match="not a custom operation"):
        remove_op("tanh")
    assert "tanh" in RULES


def test_wrong_number_of_operands(softplus: CustomOp, logaddexp: CustomOp) -> None:
    with pytest.raises(InvalidInputError, match="takes one operand"):
        softplus(1.0, 2.0)
    with pytest.raises(InvalidInputError, match="takes two operands"):
        logaddexp(1.0)


def test_remove_op_unregisters() -> None:
    op = define_op("temporary", math.sin, lambda m, x, y, out: m.cos(x))
    assert RULES["temporary"] is op.rule
    remove_op("temporary")
    assert "temporary" not in RULES
    assert "temporary" not in CUSTOM_OPS
