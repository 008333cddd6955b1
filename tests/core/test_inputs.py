"""Inputs the engine refuses with its own words (issue: correct at the edges)."""

from __future__ import annotations

import pytest

from autograd_scalar import Value
from autograd_scalar.core.errors import DomainError, OverflowError_
from autograd_scalar.transforms.forward import Dual


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(10**400, label="huge"),
        lambda: Value(1.0) + 10**400,
        lambda: 10**400 * Value(1.0),
        lambda: Value(2.0) ** 10**400,
        lambda: Dual(10**400),
    ],
    ids=["Value", "add", "rmul", "pow", "Dual"],
)
def test_an_integer_too_large_for_a_float_is_the_librarys_overflow(make: object) -> None:
    with pytest.raises(OverflowError_, match="integer of 401 digits is too large for a float"):
        make()  # type: ignore[operator]


def test_the_label_is_named_for_a_huge_input() -> None:
    with pytest.raises(OverflowError_, match="'huge'"):
        Value(10**400, label="huge")


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: Value(-2.0) ** 0.5, "(-2.0) ** 0.5"),
        (lambda: Value(-8.0) ** -0.5, "(-8.0) ** (-0.5)"),
        (lambda: (-2.0) ** Value(0.5), "(-2.0) ** 0.5"),
        (lambda: Value(-2.0).log(), "log(-2.0)"),
    ],
)
def test_messages_parenthesise_negative_numbers(make: object, shown: str) -> None:
    with pytest.raises(DomainError) as caught:
        make()  # type: ignore[operator]
    assert shown in str(caught.value)
