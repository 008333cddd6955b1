"""check_derivative: right answers pass however written; each kind of wrong answer is named."""

from __future__ import annotations

import math

import pytest

from autograd_scalar import AutogradError, Value, check_derivative
from autograd_scalar.check.derivation import KINDS
from autograd_scalar.expr import ExpressionError

F = "(sigmoid(w*x + b) - y)**2"
A = "sigmoid(w*x + b)"
RIGHT = f"2*({A} - y)*{A}*(1 - {A})*x"


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ------------------------------------------------------------ right answers
@pytest.mark.parametrize(
    ("f", "claim", "wrt"),
    [
        (F, RIGHT, "w"),
        ("x*tanh(z)", "x*(1-tanh(z)**2)", "z"),
        ("x*tanh(z)", "x*(1-tanh(z))*(1+tanh(z))", "z"),  # written differently
        ("x*x", "2*x", "x"),
        ("log(x)", "1/x", "x"),  # log needs x > 0: points outside are skipped
        ("exp(2*x)", "2*exp(x)**2", "x"),
    ],
)
def test_right_answers_pass(f: str, claim: str, wrt: str) -> None:
    result = check_derivative(f, claim, wrt=wrt)
    assert result.ok, result.diagnosis
    assert result.kind is None and result.diagnosis is None and result.rows == ()
    assert len(result.checked) == 20
    assert str(result).startswith("right:")


def test_functions_of_values_and_of_floats() -> None:
    result = check_derivative(
        lambda w, x, b, y: ((w * x + b).sigmoid() - y) ** 2,
        lambda w, x, b, y: 2 * (sig(w * x + b) - y) * sig(w * x + b) * (1 - sig(w * x + b)) * x,
        wrt="w",
    )
    assert result.ok


def test_fixed_values_and_ranges_are_used() -> None:
    result = check_derivative("w*x", "x", wrt="w", x=3.0, w=(10.0, 11.0), samples=5)
    assert result.ok
    assert all(row.point["x"] == 3.0 and 10.0 <= row.point["w"] <= 11.0 for row in result.checked)
    again = check_derivative("w*x", "x", wrt="w", x=3.0, w=(10.0, 11.0), samples=5)
    assert [r.point for r in again.checked] == [r.point for r in result.checked]  # seeded


# ------------------------------------------------------ each kind of mistake
def test_sign_error() -> None:
    result = check_derivative(F, f"-{RIGHT}", wrt="w")
    assert (result.ok, result.kind) == (False, "sign")
    assert result.diagnosis.startswith("A sign error")


def test_sign_error_names_the_minus_one_it_may_come_from() -> None:
    result = check_derivative("y - w*x", "x", wrt="w")
    assert result.kind == "sign"
    assert "−1 of ∂f/∂(w*x)" in result.diagnosis


def test_dropped_path_names_the_missing_nodes_the_seeds_two_paths() -> None:
    """∂C/∂a = w₃·∂C/∂z′ + w₄·∂C/∂z″ (seed 000/002/004), with the z″ term left out."""

    def cost(a: Value, w3: Value, w4: Value) -> Value:
        z1, z2 = w3 * a, w4 * a
        z1.label, z2.label = "z′", "z″"
        out = (z1.sigmoid() - 1) ** 2 + z2.sigmoid() ** 2
        out.label = "C"
        return out

    def dc_dz1(a: float, w3: float) -> float:
        return 2 * (sig(w3 * a) - 1) * sig(w3 * a) * (1 - sig(w3 * a))

    def dc_dz2(a: float, w4: float) -> float:
        return 2 * sig(w4 * a) * sig(w4 * a) * (1 - sig(w4 * a))

    both = check_derivative(
        cost, lambda a, w3, w4: w3 * dc_dz1(a, w3) + w4 * dc_dz2(a, w4), wrt="a"
    )
    assert both.ok
    one = check_derivative(cost, lambda a, w3: w3 * dc_dz1(a, w3), wrt="a")
    assert one.kind == "dropped_path"
    assert "1 of the 2 paths from C to a" in one.diagnosis
    assert "z″" in one.diagnosis and "z′" not in one.diagnosis


def test_dropped_path_of_a_product_rule() -> None:
    result = check_derivative("x*x + 3*x", "x + 3", wrt="x")
    assert result.kind == "dropped_path"
    assert "2 of the 3 paths" in result.diagnosis
    same_nodes = check_derivative("x*x", "x", wrt="x")
    assert same_nodes.kind == "dropped_path"
    assert "operand of f" in same_nodes.diagnosis


@pytest.mark.parametrize(
    ("f", "claim", "factor"),
    [
        ("(w*x - y)**2/2", "2*(w*x - y)*x", "2 times"),  # the ½ convention dropped
        ("(w*x - y)**2", "(w*x - y)*x", "½ times"),  # a ½ added
        ("((w*x - y)**2 + (w*z - t)**2)/3", "2*((w*x - y)*x + (w*z - t)*z)", "3 times"),  # 1/m
        ("(w*x - y)**2", "-4*(w*x - y)*x", "minus 2 times"),
    ],
)
def test_constant_factor(f: str, claim: str, factor: str) -> None:
    result = check_derivative(f, claim, wrt="w")
    assert result.kind == "constant_factor"
    assert f"the claim is {factor} the derivative" in result.diagnosis


def test_constant_factor_names_the_constant_left_out() -> None:
    result = check_derivative("(w*x - y)**2/2", "2*(w*x - y)*x", wrt="w")
    assert "the factor left out is ∂f/∂((w*x - y)**2) = 1/2" in result.diagnosis


def test_missing_factor_names_the_sigmoid_derivative() -> None:
    result = check_derivative(F, f"2*({A} - y)*x", wrt="w")
    assert result.kind == "missing_factor"
    assert (
        f"σ(w*x + b)·(1 - σ(w*x + b)), the local derivative of the sigmoid node {A}"
        in result.diagnosis
    )


def test_missing_factor_with_labelled_nodes() -> None:
    def loss(w: Value, x: Value) -> Value:
        z = w * x
        z.label = "z"
        a = z.sigmoid()
        a.label = "a"
        return a

    result = check_derivative(loss, lambda w, x: x, wrt="w")
    assert result.kind == "missing_factor"
    assert "∂a/∂z = σ(z)·(1 - σ(z)), the local derivative of the sigmoid node a" in result.diagnosis


def test_wrong_point_sigma_prime_of_a_instead_of_z() -> None:
    claim = f"2*({A} - y)*sigmoid({A})*(1 - sigmoid({A}))*x"
    result = check_derivative(F, claim, wrt="w")
    assert result.kind == "wrong_point"
    assert (
        f"is taken at x = {A} (its output) instead of at its input x = w*x + b" in result.diagnosis
    )


def test_wrong_point_output_formula_with_the_input() -> None:
    claim = f"2*({A} - y)*(w*x + b)*(1 - (w*x + b))*x"  # a(1 − a) written with z for a
    result = check_derivative(F, claim, wrt="w")
    assert result.kind == "wrong_point"
    assert "has w*x + b in place of the output" in result.diagnosis


def test_differs_otherwise_and_says_where() -> None:
    result = check_derivative(F, "x", wrt="w")
    assert result.kind == "differs"
    assert "differs from the derivative at 20 of 20 points" in result.diagnosis
    assert len(result.rows) == 20
    row = result.rows[0]
    assert row.claimed == row.point["x"] and row.error == abs(row.engine - row.claimed)


def test_a_claim_undefined_at_some_points() -> None:
    result = check_derivative("x*x", "2*sqrt(x)**2", wrt="x")
    assert result.kind == "differs"
    assert any(row.note and "sqrt" in row.note for row in result.rows)
    assert "undefined" in str(result)


def test_every_kind_is_tested() -> None:
    names = {name for name in globals() if name.startswith("test_")}
    for kind in KINDS:
        assert any(kind.split("_")[0] in name for name in names), kind


# ------------------------------------------------------------- the result
def test_table_and_html() -> None:
    result = check_derivative(F, f"2*({A} - y)*x", wrt="w", samples=12)
    text = str(result)
    assert text.splitlines()[0] == f"wrong: {result.diagnosis}"
    assert "12 points (seed 0): they differ at 12" in text
    assert text.splitlines()[2].split() == ["w", "x", "b", "y", "engine", "claimed", "error"]
    assert "... 2 more" in text
    html = result._repr_html_()
    assert "<table>" in html and "&lt;" not in result.diagnosis and "σ(w*x + b)" in html


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("x*x", "2*x"), {"wrt": "q"}, "wrt='q' is not a variable of f"),
        (("x*x", "2*y"), {"wrt": "x"}, "unknown name 'y'"),
        (("x*x", "2*x"), {"wrt": "x", "y": 2.0}, "'y' is not a variable of f"),
        (("x*x", "2*x"), {"wrt": "x", "x": (3.0, 1.0)}, "low < high"),
        (("x*x", "2*x"), {"wrt": "x", "x": "two"}, "x must be a real number"),
        (("x*x", "2*x"), {"wrt": "x", "x": math.inf}, "must be finite"),
        (
            ("sqrt(x - 5)", "1"),
            {"wrt": "x"},
            "found no point where f and its derivative are defined",
        ),
        (("__import__('os')", "1"), {"wrt": "x"}, "not allowed"),
        ((lambda x: 2.0, "1"), {"wrt": "x"}, "f must return a Value"),
        ((42, "1"), {"wrt": "x"}, "f must be an expression"),
        (("x*x", lambda q: q), {"wrt": "x"}, "claimed uses 'q'"),
    ],
)
def test_bad_input_is_the_librarys_error(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(AutogradError, match=None) as info:
        check_derivative(*args, **kwargs)
    assert message in str(info.value)


def test_expression_errors_point_at_the_culprit() -> None:
    with pytest.raises(ExpressionError) as info:
        check_derivative("x*x", "2*x +", wrt="x")
    assert "^" in str(info.value)


def test_at_gives_values_for_names_that_clash() -> None:
    result = check_derivative("seed*x", "x", wrt="seed", at={"x": 2.0})
    assert result.ok and all(row.point["x"] == 2.0 for row in result.checked)
