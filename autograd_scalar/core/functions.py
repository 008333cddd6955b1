"""Elementary functions that accept a :class:`Value`, a plain number, or any
object with the matching method (a forward-mode :class:`~autograd_scalar.forward.Dual`).

``exp(x)`` reads like the math and works whichever ``x`` is: a Value gives a
Value (recorded in the graph), a number gives a Value too (a constant leaf
operated on), so ``tanh(w * x + b)`` works with any mix. Any other object is
asked for its own method (``x.exp()``), which is how the same function runs in
forward mode on dual numbers:

>>> from autograd_scalar.forward import Dual
>>> exp(Dual(0.0, 1.0))
Dual(primal=1.0, tangent=1.0)
"""

from __future__ import annotations

import builtins
import numbers
from typing import Any, Protocol, TypeVar, overload

from .value import Number, Value, _const

__all__ = ["Elementary", "abs", "cos", "exp", "log", "relu", "sigmoid", "sin", "sqrt", "tanh"]


class Elementary(Protocol):
    """A number-like type that has its own elementary functions as methods."""

    def exp(self) -> Any: ...
    def log(self) -> Any: ...
    def sqrt(self) -> Any: ...
    def tanh(self) -> Any: ...
    def sigmoid(self) -> Any: ...
    def relu(self) -> Any: ...
    def sin(self) -> Any: ...
    def cos(self) -> Any: ...
    def abs(self) -> Any: ...


E = TypeVar("E", bound=Elementary)


def _lift(x: Any, op: str) -> Any:
    """``x`` itself if it brings the method ``op``, else a constant Value.

    Numbers always become constants (``Decimal`` has its own ``exp``, but is
    not a type the engine computes with); anything else without the method
    is rejected by ``_const`` with an error naming the operation."""
    if type(x) is Value:
        return x
    if not isinstance(x, numbers.Number) and hasattr(x, op):
        return x
    return _const(x, op)


@overload
def exp(x: Number) -> Value: ...
@overload
def exp(x: E) -> E: ...
def exp(x: Any) -> Any:
    """eˣ"""
    return _lift(x, "exp").exp()


@overload
def log(x: Number) -> Value: ...
@overload
def log(x: E) -> E: ...
def log(x: Any) -> Any:
    """ln x, for x > 0"""
    return _lift(x, "log").log()


@overload
def sqrt(x: Number) -> Value: ...
@overload
def sqrt(x: E) -> E: ...
def sqrt(x: Any) -> Any:
    """√x, for x ≥ 0"""
    return _lift(x, "sqrt").sqrt()


@overload
def tanh(x: Number) -> Value: ...
@overload
def tanh(x: E) -> E: ...
def tanh(x: Any) -> Any:
    """tanh x"""
    return _lift(x, "tanh").tanh()


@overload
def sigmoid(x: Number) -> Value: ...
@overload
def sigmoid(x: E) -> E: ...
def sigmoid(x: Any) -> Any:
    """σ(x) = 1 / (1 + e⁻ˣ)"""
    return _lift(x, "sigmoid").sigmoid()


@overload
def relu(x: Number) -> Value: ...
@overload
def relu(x: E) -> E: ...
def relu(x: Any) -> Any:
    """max(x, 0)"""
    return _lift(x, "relu").relu()


@overload
def sin(x: Number) -> Value: ...
@overload
def sin(x: E) -> E: ...
def sin(x: Any) -> Any:
    """sin x"""
    return _lift(x, "sin").sin()


@overload
def cos(x: Number) -> Value: ...
@overload
def cos(x: E) -> E: ...
def cos(x: Any) -> Any:
    """cos x"""
    return _lift(x, "cos").cos()


@overload
def abs(x: Number) -> Value: ...  # noqa: A001 - mirrors the math name on purpose
@overload
def abs(x: E) -> E: ...
def abs(x: Any) -> Any:
    """|x|"""
    x = _lift(x, "abs")
    return builtins.abs(x) if type(x) is Value else x.abs()
