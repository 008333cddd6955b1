"""Bad input gets a clear error: the operation, the value, the node's label."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd_scalar import (
    AutogradError,
    DomainError,
    InvalidInputError,
    OverflowError_,
    Value,
    ZeroDivisionError_,
    exp,
    log,
    sqrt,
)

CASES: list[tuple[str, Callable[[], object], type[Exception], type[Exception], list[str]]] = [
    ("log of zero", lambda: Value(0.0, label="x").log(), DomainError, ValueError, ["log", "0.0", "'x'", "x > 0"]),
    ("log of negative", lambda: log(Value(-2.0, label="p")), DomainError, ValueError, ["log", "-2.0", "'p'"]),
    ("sqrt of negative", lambda: sqrt(Value(-4.0, label="s")), DomainError, ValueError, ["sqrt", "-4.0", "'s'"]),
    ("divide by zero", lambda: Value(1.0) / Value(0.0, label="d"), ZeroDivisionError_, ZeroDivisionError, ["div", "1.0 / 0.0", "'d'"]),
    ("divide by number zero", lambda: Value(3.0, label="n") / 0, ZeroDivisionError_, ZeroDivisionError, ["div", "3.0 / 0.0"]),
    ("number over zero Value", lambda: 1 / Value(0.0, label="z"), ZeroDivisionError_, ZeroDivisionError, ["'z'"]),
    ("negative base, fractional exponent", lambda: Value(-8.0, label="b") ** 0.5, DomainError, ValueError, ["pow", "(-8.0) ** 0.5", "'b'", "integer"]),
    ("zero to a negative power", lambda: Value(0.0, label="b") ** -1, ZeroDivisionError_, ZeroDivisionError, ["pow", "0.0 ** (-1.0)", "'b'"]),
    ("non-positive base for a Value exponent", lambda: (-2.0) ** Value(0.5, label="e"), DomainError, ValueError, ["rpow", "c > 0", "'e'"]),
    ("Value ** Value needs a positive base", lambda: Value(-1.0, label="a") ** Value(2.0), DomainError, ValueError, ["powv", "'a'"]),
    ("exp overflow", lambda: exp(Value(1000.0, label="big")), OverflowError_, OverflowError, ["exp", "1000.0", "overflows", "'big'"]),
    ("power overflow", lambda: Value(10.0) ** 400, OverflowError_, OverflowError, ["pow", "overflows"]),
    ("string data", lambda: Value("3"), InvalidInputError, TypeError, ["Value", "'3'", "str"]),  # type: ignore[arg-type]
    ("complex data", lambda: Value(1 + 2j), InvalidInputError, TypeError, ["Value", "(1+2j)", "complex"]),  # type: ignore[arg-type]
    ("bool data", lambda: Value(True), InvalidInputError, TypeError, ["Value", "True", "bool"]),
    ("None data", lambda: Value(None), InvalidInputError, TypeError, ["None"]),  # type: ignore[arg-type]
    ("string operand", lambda: Value(1.0) * "a", InvalidInputError, TypeError, ["mul", "'a'"]),  # type: ignore[operator]
    ("reflected string operand", lambda: "a" + Value(1.0), InvalidInputError, TypeError, ["add", "'a'"]),  # type: ignore[operator]
    ("bool operand", lambda: Value(1.0) + True, InvalidInputError, TypeError, ["add", "True", "bool"]),
    ("complex exponent", lambda: Value(2.0) ** 1j, InvalidInputError, TypeError, ["pow", "1j"]),  # type: ignore[operator]
    ("label not a string", lambda: Value(1.0, label=3), InvalidInputError, TypeError, ["label", "3"]),  # type: ignore[arg-type]
    ("comparison with a string", lambda: Value(1.0) < "a", InvalidInputError, TypeError, ["<", "'a'"]),  # type: ignore[operator]
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "make", "kind", "builtin", "fragments"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_raises_a_named_error(
    case: str,
    make: Callable[[], object],
    kind: type[Exception],
    builtin: type[Exception],
    fragments: list[str],
) -> None:
    with pytest.raises(kind) as info:
        make()
    error = info.value
    assert isinstance(error, AutogradError) and isinstance(error, builtin)
    for fragment in fragments:
        assert fragment in str(error), f"{fragment!r} not in {str(error)!r}"


def test_error_attributes_identify_the_failure() -> None:
    with pytest.raises(DomainError) as info:
        Value(-1.0, label="q").log()
    assert (info.value.op, info.value.value, info.value.label) == ("log", -1.0, "q")


def test_numbers_of_other_real_types_are_accepted() -> None:
    from fractions import Fraction

    assert Value(Fraction(1, 4)).data == 0.25
    assert (Value(1.0) + Fraction(1, 2)).data == 1.5
    assert Value(3).data == 3.0 and isinstance(Value(3).data, float)


def test_nan_data_is_allowed_outside_check_mode() -> None:
    v = Value(float("nan"))
    assert v.data != v.data
