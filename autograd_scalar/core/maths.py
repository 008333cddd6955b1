"""The ``m`` that rules compute with: elementary functions on floats.

Every rule in :mod:`autograd_scalar.core.rules` is written with arithmetic
operators and the functions of a namespace ``m``, never with :mod:`math`
directly, so the same line runs on whatever ``m`` works on:

* :data:`FLOAT_MATH`: Python floats, raising on a domain error or an overflow
  (``math.log(-1)``, ``math.exp(1000)``), so the engine can say what went wrong;
* :data:`IEEE_MATH`: floats with IEEE-754 semantics instead of exceptions
  (``1/0 = inf``, ``log(0) = -inf``, ``log(-1) = nan``), as NumPy and PyTorch
  compute; with :class:`IEEEFloat` operands, the operators behave the same way;
* ``VALUE_MATH`` (in :mod:`.value`): Values, so a rule's derivative is itself
  recorded in the graph (``backward(create_graph=True)``);
* the NumPy namespace of :mod:`autograd_scalar.vectorize` for whole batches.

Besides the elementary functions, a namespace gives what branch-free rules
need instead of a Python ``if`` on an operand: ``where(c, a, b)`` (both ``a``
and ``b`` are evaluated, so both must be safe to compute), ``step`` (the
derivative of relu), ``sign`` (of abs), ``maximum``, ``isinf`` and ``floor``.
NaN propagates through all of them, as in NumPy: ``maximum(nan, 0) = nan``,
``step(nan) = sign(nan) = nan``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, SupportsFloat

__all__ = ["FLOAT_MATH", "IEEE_MATH", "IEEEFloat", "Maths", "ieee"]

_INF = math.inf
_NAN = math.nan


@dataclass(frozen=True)
class Maths:
    """A namespace of the functions rules may call as ``m.<name>``."""

    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    tanh: Callable[[Any], Any]
    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]
    abs: Callable[[Any], Any]
    pow: Callable[[Any, Any], Any]
    maximum: Callable[[Any, Any], Any]
    step: Callable[[Any], Any]
    sign: Callable[[Any], Any]
    where: Callable[[Any, Any, Any], Any]
    isinf: Callable[[Any], Any]
    floor: Callable[[Any], Any]


# ------------------------------------------------------------------ floats
def _pow(x: float, n: float) -> float:
    # math.pow, unlike **, raises instead of returning a complex number for a
    # negative base with a fractional exponent; 0 ** -n is a division by zero.
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError("zero to a negative power")
    return math.pow(x, n)


def _maximum(a: float, b: float) -> float:
    if a >= b:
        return a
    return b if b >= a else _NAN  # neither holds only for a NaN


def _step(x: float) -> float:
    return 1.0 if x > 0.0 else 0.0 if x <= 0.0 else _NAN


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0  # ±0, or NaN


def _where(condition: Any, a: Any, b: Any) -> Any:
    return a if condition else b


def _isinf(x: float) -> bool:
    return x == _INF or x == -_INF


def _floor(x: float) -> float:
    return float(math.floor(x)) if math.isfinite(x) else x


#: Floats; raises ``ValueError``, ``ZeroDivisionError`` or ``OverflowError``
#: where :mod:`math` does.
FLOAT_MATH = Maths(
    exp=math.exp,
    log=math.log,
    sqrt=math.sqrt,
    tanh=math.tanh,
    sin=math.sin,
    cos=math.cos,
    abs=math.fabs,
    pow=_pow,
    maximum=_maximum,
    step=_step,
    sign=_sign,
    where=_where,
    isinf=_isinf,
    floor=_floor,
)


# ------------------------------------------------------------ IEEE floats
def _is_odd_integer(n: float) -> bool:
    return math.isfinite(n) and n == math.floor(n) and n % 2.0 == 1.0


def ieee_divide(a: float, b: float) -> float:
    """``a / b`` as IEEE-754 defines it: ±inf for a finite ``a`` over ±0, NaN for 0/0."""
    if b != 0.0:
        return a / b
    if a == 0.0 or a != a:
        return _NAN
    return math.copysign(_INF, a) * math.copysign(1.0, b)


def ieee_pow(x: float, n: float) -> float:
    """``x ** n`` as NumPy computes it: inf for 0 ** -n and on overflow, NaN
    for a negative base with a fractional exponent."""
    try:
        return math.pow(x, n)
    except (ValueError, ZeroDivisionError, OverflowError):
        if x < 0.0 and math.isfinite(n) and n != math.floor(n):
            return _NAN
        negative = _is_odd_integer(n) and math.copysign(1.0, x) < 0.0
        if abs(x) < 1.0 and n > 0.0:  # cannot overflow: it underflowed
            return -0.0 if negative else 0.0
        return -_INF if negative else _INF


def _ieee(f: Callable[[float], float], at_error: Callable[[float], float]) -> Callable[[Any], Any]:
    def safe(x: Any) -> float:
        try:
            return f(x)
        except (ValueError, OverflowError):
            return at_error(float(x))

    return safe


def _log_at_error(x: float) -> float:
    return -_INF if x == 0.0 else _NAN


def _exp_at_error(x: float) -> float:
    return _INF if x > 0.0 else _NAN


def _nan(x: float) -> float:
    return _NAN


class IEEEFloat(float):
    """A float whose ``/`` and ``**`` give IEEE-754 results (``inf``, ``nan``)
    instead of raising, so a rule evaluated on it behaves as on NumPy arrays.

    >>> 1.0 / IEEEFloat(0.0), -IEEEFloat(1e-200) ** -2.0
    (inf, -inf)
    """

    __slots__ = ()

    def __add__(self, other: SupportsFloat) -> IEEEFloat:
        return IEEEFloat(float(self) + float(other))

    __radd__ = __add__

    def __sub__(self, other: SupportsFloat) -> IEEEFloat:
        return IEEEFloat(float(self) - float(other))

    def __rsub__(self, other: SupportsFloat) -> IEEEFloat:
        return IEEEFloat(float(other) - float(self))

    def __mul__(self, other: SupportsFloat) -> IEEEFloat:
        return IEEEFloat(float(self) * float(other))

    __rmul__ = __mul__

    def __truediv__(self, other: SupportsFloat) -> IEEEFloat:
        return IEEEFloat(ieee_divide(float(self), float(other)))

    def __rtruediv__(self, other: SupportsFloat) -> IEEEFloat:
        return IEEEFloat(ieee_divide(float(other), float(self)))

    def __pow__(self, other: SupportsFloat, modulo: None = None) -> IEEEFloat:
        return IEEEFloat(ieee_pow(float(self), float(other)))

    def __rpow__(self, other: SupportsFloat, modulo: None = None) -> IEEEFloat:
        return IEEEFloat(ieee_pow(float(other), float(self)))

    def __neg__(self) -> IEEEFloat:
        return IEEEFloat(-float(self))

    def __pos__(self) -> IEEEFloat:
        return self

    def __abs__(self) -> IEEEFloat:
        return IEEEFloat(abs(float(self)))


def _wrap(f: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any) -> Any:
        out = f(*args)
        return IEEEFloat(out) if type(out) is float else out

    return wrapped


#: Floats with IEEE-754 semantics: never raises for a number; returns
#: :class:`IEEEFloat` so that operators applied to the results stay IEEE too.
IEEE_MATH = Maths(
    exp=_wrap(_ieee(math.exp, _exp_at_error)),
    log=_wrap(_ieee(math.log, _log_at_error)),
    sqrt=_wrap(_ieee(math.sqrt, _nan)),
    tanh=_wrap(math.tanh),
    sin=_wrap(_ieee(math.sin, _nan)),
    cos=_wrap(_ieee(math.cos, _nan)),
    abs=_wrap(math.fabs),
    pow=_wrap(ieee_pow),
    maximum=_wrap(_maximum),
    step=_wrap(_step),
    sign=_wrap(_sign),
    where=_where,
    isinf=_isinf,
    floor=_wrap(_floor),
)


def ieee(x: Any) -> Any:
    """``x`` as an :class:`IEEEFloat` if it is a float (other values unchanged)."""
    return IEEEFloat(x) if type(x) is float else x
