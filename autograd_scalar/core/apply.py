"""The one way to apply a rule: its result and its local derivatives.

:func:`apply` is used by the engine's forward pass, by the recorded backward
pass (``create_graph=True``), by forward mode and by custom operations, so all
of them give the same numbers and the same errors:

* outside the rule's domain (``log(-1)``), a division by zero (``1 / 0``) or an
  overflow of the result (``exp(1000)``): the library's error, naming the
  operation and the numbers;
* NaN operands propagate (``relu(nan)`` is NaN), as in NumPy and PyTorch;
* a local derivative that divides by zero or overflows (``sqrt`` at 0,
  ``x ** -1`` at ``1e-200``) is evaluated again in IEEE-754 arithmetic
  (:class:`~autograd_scalar.core.maths.IEEEFloat`): it becomes ``±inf`` (or NaN)
  exactly as the NumPy replay computes it, for that operand only; the other
  operands' derivatives are kept.

>>> from autograd_scalar.core.rules import RULES
>>> apply(RULES["sqrt"], (4.0,))
(2.0, (0.25,))
>>> apply(RULES["sqrt"], (0.0,))   # an unbounded derivative: inf, not an error
(0.0, (inf,))
>>> apply(RULES["log"], (-2.0,))
Traceback (most recent call last):
...
autograd_scalar.core.errors.DomainError: log: log(-2.0) is undefined: log(x) needs x > 0
"""

from __future__ import annotations

import re
from typing import Any

from .checks import describe_number
from .errors import AutogradError, DomainError, OverflowError_, ZeroDivisionError_
from .maths import FLOAT_MATH, IEEE_MATH, Maths, ieee
from .rules import Rule

__all__ = ["apply", "apply_ieee", "rule_error", "substitute"]

_FAILURES = (ValueError, ArithmeticError)
_UNBOUNDED = (ZeroDivisionError, OverflowError)


def apply(
    rule: Rule, operands: tuple[Any, ...], m: Maths = FLOAT_MATH, out: Any = None
) -> tuple[Any, tuple[Any, ...]]:
    """``(result, local derivatives)`` of ``rule`` at ``operands``.

    With the default ``m`` the operands are floats and errors are the
    library's (see the module docstring). Any other ``m`` (Values, arrays) is
    trusted to handle its own edge cases. ``out``: the result, if already
    known (the recorded backward pass recomputes derivatives only).
    """
    if m is not FLOAT_MATH:
        if out is None:
            out = rule.forward(m, *operands)
        return out, rule.local(m, *operands, out)
    if out is None:  # the forward, inline: this is the engine's hot path
        outside = rule.domain.outside
        if outside is not None and outside(m, *operands):
            raise rule_error(rule, operands, ValueError("outside the domain"))
        try:
            out = rule.forward(m, *operands)
        except _FAILURES as exc:
            raise rule_error(rule, operands, exc) from None
    try:
        return out, rule.local(m, *operands, out)
    except _UNBOUNDED:
        return out, _ieee_locals(rule, operands, out)


def apply_ieee(rule: Rule, operands: tuple[float, ...]) -> tuple[float, tuple[Any, ...]]:
    """:func:`apply` in IEEE-754 arithmetic: never raises for numbers
    (``1/0 = inf``, ``log(-1) = nan``), as NumPy and PyTorch compute."""
    wrapped = tuple(ieee(x) for x in operands)
    try:
        out = float(rule.forward(IEEE_MATH, *wrapped))
    except _FAILURES:  # a custom forward written with math.*: undefined here
        out = float("nan")
    return out, _ieee_locals(rule, operands, out)


def _ieee_locals(rule: Rule, operands: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
    """The local derivatives in IEEE arithmetic, as plain floats (``None`` kept)."""
    try:
        locals_ = rule.local(IEEE_MATH, *(ieee(x) for x in operands), ieee(out))
    except _FAILURES:  # a custom rule written with math.*: undefined here
        return tuple(None if not d else float("nan") for d in rule.differentiable)
    return tuple(None if d is None else float(d) for d in locals_)


def rule_error(
    rule: Rule, operands: tuple[Any, ...], exc: BaseException, label: str | None = None
) -> AutogradError:
    """The library's error for ``rule`` failing at ``operands`` with ``exc``."""
    value: Any = operands[0] if len(operands) == 1 else tuple(operands)
    shown = substitute(rule.formula, operands)
    if isinstance(exc, ZeroDivisionError):
        return ZeroDivisionError_(rule.name, value, f"division by zero in {shown}", label)
    if isinstance(exc, OverflowError):
        return OverflowError_(rule.name, value, f"{shown} overflows a float", label)
    return DomainError(
        rule.name, value, f"{shown} is undefined: {rule.formula} needs {rule.domain.text}", label
    )


def substitute(formula: str, operands: tuple[Any, ...]) -> str:
    """The formula with the operands' numbers in place of its letters (x, then
    y, n or c), negative numbers parenthesised where a reader could misread them.

    >>> substitute("x ** n", (-2.0, 0.5)), substitute("log(x)", (-2.0,))
    ('(-2.0) ** 0.5', 'log(-2.0)')
    """

    def number(match: re.Match[str]) -> str:
        text = describe_number(operands[0] if match.group() == "x" else operands[-1])
        before = formula[match.start() - 1 : match.start()]
        after = formula[match.end() : match.end() + 1]
        if before == "(" and after in (")", ",") and text.startswith("("):
            text = text[1:-1]  # log(-2.0) is unambiguous
        return text

    return re.sub(r"\b[xync]\b", number, formula)
