"""gradcheck on what users check: closures over parameters, models, the
domain's edge, and inputs from 1e-6 to 1e6 (issue: correct at the edges)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from autograd_scalar import MLP, Value, exp, grad, hvp, jvp, log, sin, sqrt
from autograd_scalar.check.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_scalar.core.errors import DomainError
from autograd_scalar.core.extend import CustomOp, define_op, remove_op


def test_forward_mode_treats_closed_over_values_as_constants() -> None:
    w = Value(0.5, label="w")
    assert gradcheck(lambda x: w * x, 0.3)
    assert gradcheck(lambda x: x * w + w, 0.3)
    assert gradcheck(lambda x: exp(1.0) * x, 0.3)
    assert jvp(lambda x: w * x, (2.0,), (1.0,)) == (1.0, 0.5)


def test_gradcheck_runs_through_a_model() -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    assert gradcheck(lambda a, b: model([a, b])[0], 0.3, -0.7)
    assert gradgradcheck(lambda a, b: model([a, b])[0], 0.3, -0.7)


def f(x: Any, y: Any) -> Any:
    return x * x * y + sin(x * y)


@pytest.mark.parametrize("v", [(1.0, 0.0), (0.0, 1.0), (1.0, 0.3), (-2.0, 5.0)])
def test_forward_over_reverse_equals_hvp(v: tuple[float, float]) -> None:
    point = (0.5, 2.0)
    for i in range(2):
        value, slope = jvp(grad(f, argnums=i), point, v)
        assert value == grad(f, argnums=i)(*point)
        assert slope == pytest.approx(hvp(f, list(point), list(v))[i], rel=1e-13)


@pytest.mark.parametrize("op", [log, sqrt])
def test_a_stencil_leaving_the_domain_does_not_crash(op: Any) -> None:
    """At 5e-7, x - 1e-6 is outside log's and sqrt's domain: the check uses a
    step that fits, and passes a correct derivative."""
    assert gradcheck(op, 5e-7)
    assert gradcheck(op, 1e-300 + 5e-7)


def test_no_stencil_fits_a_one_point_domain_and_the_row_says_why() -> None:
    def g(x: Any) -> Any:  # defined at 0 only
        return sqrt(x) + sqrt(-x)

    with pytest.raises(GradcheckError) as caught:
        gradcheck(g, 0.0, check_forward=False)
    assert not isinstance(caught.value, DomainError)
    (row,) = caught.value.failures
    assert row.reason is not None and "leaves the domain" in row.reason
    assert "why" in str(caught.value) and "sqrt" in str(caught.value)


@pytest.mark.parametrize(
    ("function", "x"),
    [
        (sin, 1e5),
        (sin, 1e6),
        (lambda v: v.cos(), 3e5),
        (lambda v: sin(v * v), 300.0),
        (lambda v: v * v, 1e6),
        (log, 1e6),
        (sqrt, 1e-6),
        (log, 1e-6),
        (lambda v: 1.0 / v, 1e-6),
    ],
)
def test_correct_rules_pass_at_large_and_small_inputs(function: Any, x: float) -> None:
    assert gradcheck(function, x)


def test_gradgradcheck_of_sin_at_a_large_input() -> None:
    assert gradgradcheck(sin, 1e5)


@pytest.fixture
def one_percent_off() -> Iterator[dict[str, CustomOp]]:
    ops = {
        "sin": define_op("sin_off", math.sin, lambda m, x, y, out: m.cos(x) * 1.01),
        "log": define_op("log_off", math.log, lambda m, x, y, out: 1.01 / x, interval=(1e-3, 10.0)),
    }
    yield ops
    for op in ops.values():
        remove_op(op.name)


@pytest.mark.parametrize("x", [1e-6, 1e-3, 0.7, 1e3, 1e5, 1e6])
def test_a_one_percent_error_still_fails_at_every_magnitude(
    one_percent_off: dict[str, CustomOp], x: float
) -> None:
    for name, op in one_percent_off.items():
        if name == "sin" and abs(math.cos(x)) < 1e-2:
            continue  # the derivative is ~0 there: 1% of it is below atol
        with pytest.raises(GradcheckError):
            gradcheck(op, x, check_forward=False)
