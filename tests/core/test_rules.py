"""Every derivative rule: its value, its derivative, and the central difference."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograd_scalar import RULES, Value
from autograd_scalar.check.strategies import SMOOTH_DOMAINS, central_difference, op_inputs
from autograd_scalar.core.rules import FLOAT_MATH, sigmoid

UNARY = sorted(name for name, rule in RULES.items() if rule.arity == 1)

# Closed forms written from the math, independently of rules.py.
CLOSED_FORMS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "neg": (lambda x: -x, lambda x: -1.0),
    "exp": (math.exp, math.exp),
    "log": (math.log, lambda x: 1 / x),
    "sqrt": (math.sqrt, lambda x: 1 / (2 * math.sqrt(x))),
    "tanh": (math.tanh, lambda x: 1 / math.cosh(x) ** 2),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    "relu": (lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "sin": (math.sin, math.cos),
    "cos": (math.cos, lambda x: -math.sin(x)),
    "abs": (abs, lambda x: math.copysign(1.0, x)),
}


def apply_unary(name: str, x: Value) -> Value:
    return -x if name == "neg" else abs(x) if name == "abs" else getattr(x, name)()


def test_every_unary_rule_has_a_closed_form_test() -> None:
    assert set(UNARY) == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_value_and_derivative_match_closed_form(name: str, data: st.DataObject) -> None:
    x = data.draw(op_inputs(name))
    f, df = CLOSED_FORMS[name]
    v = Value(x)
    out = apply_unary(name, v)
    out.backward()
    assert out.data == pytest.approx(f(x), rel=1e-12, abs=1e-300)
    assert v.grad == pytest.approx(df(x), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_derivative_equals_central_difference(name: str, data: st.DataObject) -> None:
    x = data.draw(op_inputs(name))
    v = Value(x)
    apply_unary(name, v).backward()
    numeric = central_difference(lambda t: apply_unary(name, Value(t)).data, [x], 0)
    assert v.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
positive = st.floats(0.1, 20, allow_nan=False, allow_infinity=False)
BINARY: dict[
    str, tuple[Callable[[Value, Value], Value], st.SearchStrategy[float], st.SearchStrategy[float]]
] = {
    "add": (lambda a, b: a + b, finite, finite),
    "sub": (lambda a, b: a - b, finite, finite),
    "mul": (lambda a, b: a * b, finite, finite),
    "div": (lambda a, b: a / b, finite, finite.filter(lambda y: abs(y) > 0.1)),
    "powv": (lambda a, b: a**b, positive, st.floats(-3, 3)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_gradients_equal_central_differences(name: str, data: st.DataObject) -> None:
    op, xs, ys = BINARY[name]
    x, y = data.draw(xs), data.draw(ys)
    a, b = Value(x), Value(y)
    out = op(a, b)
    assert out.op == name
    out.backward()
    f = lambda s, t: op(Value(s), Value(t)).data  # noqa: E731
    for grad, index in ((a.grad, 0), (b.grad, 1)):
        numeric = central_difference(f, [x, y], index)
        assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@given(
    x=st.floats(-3, 3).filter(lambda t: abs(t) > 0.05),
    n=st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 5.0]),
)
def test_pow_with_number_exponent(x: float, n: float) -> None:
    v = Value(x)
    (v**n).backward()
    assert v.grad == pytest.approx(n * x ** (n - 1) if n else 0.0, rel=1e-12)


@given(x=st.floats(-5, 5), c=st.floats(0.1, 10))
def test_pow_with_number_base(x: float, c: float) -> None:
    v = Value(x)
    out = c**v
    assert out.op == "rpow"
    out.backward()
    assert out.data == pytest.approx(c**x, rel=1e-12)
    assert v.grad == pytest.approx(c**x * math.log(c), rel=1e-9, abs=1e-12)


def test_fractional_power_at_zero_has_an_infinite_derivative() -> None:
    x = Value(0.0)
    (x**0.5).backward()
    assert x.grad == math.inf


@pytest.mark.parametrize("x", [-1000.0, -745.2, -30.0, 0.0, 30.0, 710.0, 1000.0])
def test_sigmoid_is_stable_everywhere(x: float) -> None:
    v = Value(x)
    out = v.sigmoid()
    out.backward()
    assert 0.0 <= out.data <= 1.0
    assert math.isfinite(v.grad) and v.grad >= 0.0
    assert sigmoid(x) + sigmoid(-x) == pytest.approx(1.0)


@given(x=finite, y=finite)
def test_inlined_add_and_mul_agree_with_the_table(x: float, y: float) -> None:
    """+ and * are written out in core/value.py for speed; they must equal the rules."""
    for name in ("add", "mul"):
        rule = RULES[name]
        out = Value(x) + Value(y) if name == "add" else Value(x) * Value(y)
        assert out.data == rule.forward(FLOAT_MATH, x, y)
        assert out.local_grads == rule.local(FLOAT_MATH, x, y, out.data)


@given(x=st.floats(-1e300, 1e300, allow_nan=False))
@example(x=0.0)
@example(x=-0.0)
@example(x=math.nan)
@example(x=math.inf)
@example(x=-math.inf)
def test_inlined_relu_agrees_with_the_table(x: float) -> None:
    """relu is written out in core/value.py for speed; bit for bit the rule's
    result (the sign of a zero included) and local derivative, NaN too."""
    rule = RULES["relu"]
    out = Value(x, label="x").relu()
    expected = rule.forward(FLOAT_MATH, x)
    (local,) = rule.local(FLOAT_MATH, x, expected)
    assert out.op == "relu" and out.parents and out.label is None and out.grad == 0.0
    if math.isnan(x):
        assert math.isnan(out.data) and math.isnan(out.local_grads[0])
        return
    assert math.copysign(1.0, out.data) == math.copysign(1.0, expected)
    assert out.data == expected and out.local_grads == (local,)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rules_describe_themselves(name: str) -> None:
    rule = RULES[name]
    assert rule.name == name
    assert rule.formula and rule.domain.text
    assert len(rule.derivatives) == rule.arity == len(rule.domain.draw[: rule.arity])
    assert rule.differentiable[0]  # the first operand is always differentiated


def test_a_wrong_rule_is_caught_by_the_central_difference_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The property above can fail: break tanh's rule (forget the square) and it does."""
    broken = dataclasses.replace(RULES["tanh"], local=lambda m, x, out: (1.0 - out,))
    monkeypatch.setattr("autograd_scalar.core.value._TANH", broken)
    caught = 0
    for x in (-2.0, -0.5, 0.3, 1.7):
        v = Value(x)
        v.tanh().backward()
        numeric = central_difference(lambda t: math.tanh(t), [x], 0)
        caught += v.grad != pytest.approx(numeric, rel=1e-5, abs=1e-6)
    assert caught == 4


def test_smooth_domains_cover_every_unary_rule() -> None:
    assert set(SMOOTH_DOMAINS) == set(UNARY)
