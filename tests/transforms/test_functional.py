"""grad, value_and_grad, hessian, hvp, and backward(create_graph=True) to any depth."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.check.strategies import Expression, central_difference, expressions
from autograd_scalar.core import Value, detect_anomaly, no_grad
from autograd_scalar.core.errors import InvalidInputError, NonFiniteError
from autograd_scalar.core.functions import exp, log, sigmoid, sin, tanh
from autograd_scalar.transforms.functional import grad, gradients, hessian, hvp, value_and_grad

finite = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)


def nth(f, n):  # type: ignore[no-untyped-def]
    for _ in range(n):
        f = grad(f)
    return f


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------- closed forms
@given(finite)
def test_derivatives_of_sin_cycle_with_period_four(x: float) -> None:
    expected = [math.sin(x), math.cos(x), -math.sin(x), -math.cos(x), math.sin(x)]
    for n in range(1, 5):
        assert nth(sin, n)(x) == pytest.approx(expected[n], abs=1e-12)


@given(st.floats(0.2, 3.0), st.integers(-3, 5))
def test_second_derivative_of_a_power(x: float, n: int) -> None:
    assert nth(lambda t: t**n, 2)(x) == pytest.approx(n * (n - 1) * x ** (n - 2), rel=1e-12)


@given(finite)
def test_second_derivative_of_exp_of_a_square(x: float) -> None:
    # d/dx e^(x²) = 2x e^(x²);  d²/dx² = (2 + 4x²) e^(x²)
    assert nth(lambda t: exp(t * t), 2)(x) == pytest.approx(
        (2.0 + 4.0 * x * x) * math.exp(x * x), rel=1e-12
    )


@given(st.floats(-8.0, 8.0))
def test_sigmoid_derivatives_are_the_textbook_identities(x: float) -> None:
    s = sig(x)
    first = s * (1.0 - s)
    assert grad(sigmoid)(x) == pytest.approx(first, rel=1e-9, abs=1e-15)
    assert nth(sigmoid, 2)(x) == pytest.approx(first * (1.0 - 2.0 * s), rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 6])
def test_any_order_of_exp_of_2x(order: int) -> None:
    assert nth(lambda t: exp(2.0 * t), order)(0.3) == pytest.approx(2.0**order * math.exp(0.6))


def test_fifth_derivative_of_exp_of_a_square() -> None:
    x = 0.3  # d⁵/dx⁵ e^(x²) = e^(x²)(32x⁵ + 160x³ + 120x)
    expected = math.exp(x * x) * (32 * x**5 + 160 * x**3 + 120 * x)
    assert nth(lambda t: exp(t * t), 5)(x) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ the API
def test_grad_argnums_int_tuple_and_negative() -> None:
    def f(x: Value, y: Value) -> Value:
        return x * x * y

    assert grad(f)(3.0, 2.0) == 12.0
    assert grad(f, argnums=1)(3.0, 2.0) == 9.0
    assert grad(f, argnums=-1)(3.0, 2.0) == 9.0
    assert grad(f, argnums=(1, 0))(3.0, 2.0) == (9.0, 12.0)
    assert grad(grad(f, 0), 1)(3.0, 2.0) == 6.0  # ∂²/∂y∂x = 2x


def test_value_and_grad_returns_both() -> None:
    value, slope = value_and_grad(lambda x: x * log(x))(math.e)
    assert value == pytest.approx(math.e)
    assert slope == pytest.approx(2.0)  # log x + 1
    value, slopes = value_and_grad(lambda x, y: x / y, argnums=(0, 1))(1.0, 2.0)
    assert (value, slopes) == (0.5, (0.5, -0.25))


def test_floats_in_floats_out_values_in_values_out() -> None:
    df = grad(lambda x: x * x * x)
    assert type(df(2.0)) is float
    x = Value(2.0)
    out = df(x)
    assert isinstance(out, Value)
    assert out.data == 12.0
    out.backward()
    assert x.grad == 12.0  # d/dx 3x² = 6x


def test_a_constant_function_has_zero_derivative_at_every_order() -> None:
    assert grad(lambda x: 5.0)(1.0) == 0.0
    assert grad(lambda x: exp(1.0))(1.0) == 0.0
    assert nth(lambda x: x + 1.0, 3)(2.0) == 0.0
    assert isinstance(grad(lambda x: 5.0)(Value(1.0)), Value)


def test_grad_leaves_every_grad_attribute_alone() -> None:
    w = Value(3.0, label="w")
    loss = w * w
    df = grad(lambda x: x * w)
    assert df(2.0) == 3.0
    assert w.grad == 0.0
    loss.backward()
    assert w.grad == 6.0
    df(Value(1.0))
    assert w.grad == 6.0


def test_the_same_value_twice_is_two_variables() -> None:
    x = Value(3.0)
    assert grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)[0].data == 9.0  # b² at b = 3
    assert grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)[1].data == 18.0  # 2ab


def test_grad_works_under_no_grad() -> None:
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert grad(grad(lambda x: x * x * x))(1.0) == 6.0


def test_bad_calls_raise_errors_naming_the_problem() -> None:
    with pytest.raises(InvalidInputError, match="argnums 2 does not fit a call with 1 arguments"):
        grad(lambda x: x, argnums=2)(1.0)
    with pytest.raises(InvalidInputError, match="must return a scalar"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(InvalidInputError, match="argument 0 must be a real number"):
        grad(lambda x: x)("1.0")


def test_gradients_stops_at_interior_inputs() -> None:
    x = Value(2.0, label="x")
    h = x * x  # an interior node used as an input
    y = h.sin()
    (dh,) = gradients(y, [h])
    assert dh == pytest.approx(math.cos(4.0))
    assert x.grad == 0.0
    assert h.grad == 0.0


# ------------------------------------------------------------ Hessian & hvp
def test_hessian_of_a_known_polynomial() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return x * x * y + y * z * z * z + 3.0 * x

    x, y, z = 1.0, 2.0, -1.0
    expected = [[2 * y, 2 * x, 0.0], [2 * x, 0.0, 3 * z * z], [0.0, 3 * z * z, 6 * y * z]]
    assert hessian(f)(x, y, z) == expected
    assert hessian(f, argnums=(2, 0))(x, y, z) == [[6 * y * z, 0.0], [0.0, 2 * y]]


def test_hvp_is_the_hessian_times_the_vector() -> None:
    def f(x: Value, y: Value) -> Value:
        return tanh(x * y) + x * x * x

    point, v = [0.3, -0.7], [2.0, 0.5]
    h = hessian(f)(*point)
    expected = [sum(h[i][j] * v[j] for j in range(2)) for i in range(2)]
    assert hvp(f, point, v) == pytest.approx(expected, rel=1e-12)


# -------------------------------------------------- random expression laws
def assert_close(a: float, b: float, what: str) -> None:
    assert a == pytest.approx(b, rel=1e-3, abs=1e-5), what


@settings(max_examples=60)
@given(expressions(max_steps=6))
def test_second_derivatives_agree_three_ways(expr: Expression) -> None:
    point = expr.point
    n = expr.n_inputs
    h = hessian(expr)(*point)
    for i in range(n):
        first = grad(expr, argnums=i)
        assert_close(grad(first, argnums=i)(*point), h[i][i], f"grad(grad) vs hessian in {expr}")
        for j in range(n):
            numeric = central_difference(first, point, j)
            assert_close(h[i][j], numeric, f"H[{i}][{j}] vs numeric in {expr}")
            assert_close(h[i][j], h[j][i], f"H symmetric in {expr}")


@settings(max_examples=40)
@given(expressions(max_steps=5), st.lists(finite, min_size=3, max_size=3))
def test_hvp_matches_the_hessian_on_random_graphs(expr: Expression, v: list[float]) -> None:
    v = v[: expr.n_inputs]
    h = hessian(expr)(*expr.point)
    expected = [sum(h[i][j] * v[j] for j in range(expr.n_inputs)) for i in range(expr.n_inputs)]
    assert hvp(expr, expr.point, v) == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ----------------------------------- Value.backward(create_graph=True) depth
def test_create_graph_gradients_are_values_even_for_linear_graphs() -> None:
    x = Value(2.0)
    y = x + x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 2.0


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_backward_with_create_graph_to_any_depth(depth: int) -> None:
    x = Value(0.7, label="x")
    out = (2.0 * x).sin()
    for _ in range(depth):
        x.grad = 0.0
        out.backward(create_graph=True)
        out = x.grad
    # d^k/dx^k sin(2x) = 2^k sin(2x + kπ/2)
    assert out.data == pytest.approx(2.0**depth * math.sin(1.4 + depth * math.pi / 2))


def test_create_graph_records_inf_for_an_unbounded_derivative() -> None:
    x = Value(0.0)
    x.sqrt().backward(create_graph=True)
    assert x.grad.data == math.inf  # as the ordinary backward pass does


# ------------------------------------------------------- anomaly detection
def test_anomaly_in_forward_names_op_and_parents() -> None:
    a, b = Value(1e300, label="a"), Value(1e300, label="b")
    with detect_anomaly(), pytest.raises(NonFiniteError) as info:
        (a * b).tanh()
    message = str(info.value)
    assert message.startswith("mul: produced inf")
    assert "'a'=1e+300" in message
    assert "'b'=1e+300" in message


def test_anomaly_is_reported_at_the_first_node_not_later() -> None:
    x = Value(1e308, label="x")
    with detect_anomaly(), pytest.raises(NonFiniteError) as info:
        (x + x) - (x + x)
    assert str(info.value).startswith("add: produced inf from 'x'=1e+308, 'x'=1e+308")


def test_anomaly_in_backward_names_node_op_and_values() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * 3.0
    with detect_anomaly(), pytest.raises(NonFiniteError) as info:
        y.backward()
    message = str(info.value)
    assert message.startswith("backward: the gradient of 'x'=0.0 became inf")
    assert "op sqrt" in message
    assert "upstream gradient 3.0" in message
    assert info.value.label == "x"


def test_anomaly_in_create_graph_backward_names_the_same_node() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * 3.0
    with detect_anomaly(), pytest.raises(NonFiniteError) as info:
        y.backward(create_graph=True)
    message = str(info.value)
    assert message.startswith("backward: the gradient of 'x'=0.0 became inf")
    assert "op sqrt" in message


def test_anomaly_detection_covers_the_functional_api() -> None:
    with detect_anomaly(), pytest.raises(NonFiniteError, match="backward.*sqrt"):
        grad(lambda t: t.sqrt())(0.0)
