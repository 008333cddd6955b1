"""Argument checks, in one place, for every layer of the package.

Each check returns the argument in the form the caller computes with (a float,
an int...) or raises the library's error naming the operation (``op``), the
argument and, where there is one, the node's label. They are the only place
that decides what counts as a real number, a size or a rate, so every entry
point refuses the same things with the same words:

>>> real_number(2, "Value")
2.0
>>> real_number(True, "Value")
Traceback (most recent call last):
...
autograd_scalar.core.errors.InvalidInputError: Value: expected a real number, got True (bool)
>>> real_number(10**400, "Value", label="x")
Traceback (most recent call last):
...
autograd_scalar.core.errors.OverflowError_: Value: an integer of 401 digits is too large for \
a float (the largest is about 1.8e308) (node 'x')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection

from .errors import DomainError, InvalidInputError, OverflowError_

__all__ = [
    "choice",
    "describe_number",
    "label",
    "non_negative",
    "positive",
    "positive_int",
    "real_number",
]


def describe_number(x: object) -> str:
    """``x`` as an error message shows it: short, and unambiguous in a formula.

    A negative number is parenthesised (``(-2.0) ** 0.5`` is not ``-(2.0 ** 0.5)``)
    and an integer too long to read is described by its number of digits.

    >>> describe_number(-2.0), describe_number(3), describe_number(10**50)
    ('(-2.0)', '3', 'an integer of 51 digits')
    """
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 10**20:
        return f"an integer of {len(str(abs(x)))} digits"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


def real_number(x: object, op: str, name: str | None = None, label: str | None = None) -> float:
    """``x`` as a float: any real number but a bool (NaN and infinities included).

    Raises:
        InvalidInputError: not a real number (a str, a complex number, a bool...).
        OverflowError_: an integer too large for a float.
    """
    if type(x) is float:
        return x
    what = f"{name} must be a real number" if name else "expected a real number"
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        kind = "bool" if isinstance(x, bool) else type(x).__name__
        shown = describe_number(x) if isinstance(x, numbers.Number) else repr(x)
        raise InvalidInputError(op, x, f"{what}, got {shown} ({kind})", label)
    try:
        return float(x)
    except OverflowError:
        raise OverflowError_(
            op,
            x,
            f"{describe_number(x)} is too large for a float (the largest is about 1.8e308)",
            label,
        ) from None


def positive_int(n: object, op: str, name: str, minimum: int = 1) -> int:
    """``n`` as an int of at least ``minimum`` (a bool is not an int here)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise InvalidInputError(op, n, f"{name} must be an integer, got {n!r}")
    if n < minimum:
        raise DomainError(op, n, f"{name} must be at least {minimum}, got {n}")
    return int(n)


def positive(x: object, op: str, name: str) -> float:
    """``x`` as a finite float > 0."""
    value = real_number(x, op, name)
    if not (math.isfinite(value) and value > 0.0):
        raise DomainError(op, x, f"{name} must be a finite number > 0, got {value!r}")
    return value


def non_negative(x: object, op: str, name: str) -> float:
    """``x`` as a finite float ≥ 0."""
    value = real_number(x, op, name)
    if not (math.isfinite(value) and value >= 0.0):
        raise DomainError(op, x, f"{name} must be a finite number ≥ 0, got {value!r}")
    return value


def choice(x: object, options: Collection[str], op: str, name: str) -> str:
    """``x`` if it is one of ``options`` (strings)."""
    if not isinstance(x, str) or x not in options:
        raise InvalidInputError(
            op, x, f"{name} must be one of {', '.join(map(repr, options))}; got {x!r}"
        )
    return x


def label(x: object, op: str) -> str | None:
    """A node's label: ``None`` or a str."""
    if x is not None and not isinstance(x, str):
        raise InvalidInputError(op, x, f"label must be a str, got {x!r}")
    return x
