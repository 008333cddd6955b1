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
from collections.abc import Collection, Sequence, Sized
from typing import Any

from .errors import DomainError, InvalidInputError, OverflowError_, ShapeError

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
    if type(x) is int and -(2**1023) < x < 2**1023:  # the common case, no isinstance walk
        return float(x)
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


# Checks added for the neural-network layer (nn): finite numbers, sequences of
# them, and batches whose two sides must be equally long.
__all__ += ["finite_number", "real_numbers", "same_length", "sequence"]


def finite_number(x: object, op: str, name: str | None = None, label: str | None = None) -> float:
    """``x`` as a finite float: a real number, not NaN nor an infinity.

    >>> finite_number(3, "load")
    3.0
    >>> finite_number(float("nan"), "load", label="b")
    Traceback (most recent call last):
    ...
    autograd_scalar.core.errors.DomainError: load: expected a finite number, got nan (node 'b')
    """
    value = real_number(x, op, name, label)
    if not math.isfinite(value):
        what = f"{name} must be a finite number" if name else "expected a finite number"
        raise DomainError(op, value, f"{what}, got {value!r}", label)
    return value


def sequence(xs: object, op: str, name: str, min_length: int = 1) -> Sequence[Any]:
    """``xs`` if it is a sequence (a list, a tuple...; not a str or bytes) of at
    least ``min_length`` items.

    >>> sequence((1, 2), "MLP", "sizes")
    (1, 2)
    >>> sequence("12", "MLP", "sizes")
    Traceback (most recent call last):
    ...
    autograd_scalar.core.errors.ShapeError: MLP: sizes must be a list, got '12' (str)
    """
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise ShapeError(op, xs, f"{name} must be a list, got {xs!r} ({type(xs).__name__})")
    if len(xs) < min_length:
        raise ShapeError(
            op, len(xs), f"{name} must have at least {min_length} item(s), got {len(xs)}"
        )
    return xs


def real_numbers(
    xs: object, op: str, name: str, *, length: int | None = None, finite: bool = True
) -> list[float]:
    """``xs`` as a list of floats: a sequence of real numbers (finite ones
    unless ``finite=False``), of ``length`` items when it is given.

    >>> real_numbers([1, 2.5], "from_weights", "layer 1, neuron 1")
    [1.0, 2.5]
    >>> real_numbers([1, "a"], "fit", "x", length=2)
    Traceback (most recent call last):
    ...
    autograd_scalar.core.errors.InvalidInputError: fit: x[2] must be a real number, got 'a' (str)
    """
    items = sequence(xs, op, name, min_length=0)
    if length is not None and len(items) != length:
        raise ShapeError(op, len(items), f"{name} must have {length} number(s), got {len(items)}")
    check = finite_number if finite else real_number
    # items are named 1-based, as the rest of the package numbers things for people
    return [check(x, op, f"{name}[{i + 1}]") for i, x in enumerate(items)]


def same_length(
    a: Sized, b: Sized, op: str, what_a: str = "examples", what_b: str = "labels"
) -> int:
    """The common length of ``a`` and ``b``, which must be at least 1.

    >>> same_length([1, 2], [0], "fit")
    Traceback (most recent call last):
    ...
    autograd_scalar.core.errors.ShapeError: fit: expected as many labels as examples, \
got 2 examples and 1 labels
    """
    if len(a) == 0:
        raise ShapeError(op, 0, f"expected at least one of the {what_a}, got none")
    if len(a) != len(b):
        raise ShapeError(
            op,
            (len(a), len(b)),
            f"expected as many {what_b} as {what_a}, got {len(a)} {what_a} and {len(b)} {what_b}",
        )
    return len(a)
