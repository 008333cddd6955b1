"""Elementary functions that accept a :class:`Value` or a plain number.

``exp(x)`` reads like the math and works whichever ``x`` is: a Value gives a
Value (recorded in the graph), a number gives a Value too (a constant leaf
operated on), so ``tanh(w * x + b)`` works with any mix.
"""

from __future__ import annotations

import builtins

from .engine import Number, Value, _const

__all__ = ["abs", "cos", "exp", "log", "relu", "sigmoid", "sin", "sqrt", "tanh"]


def _value(x: Value | Number, op: str) -> Value:
    return x if type(x) is Value else _const(x, op)


def exp(x: Value | Number) -> Value:
    """eˣ"""
    return _value(x, "exp").exp()


def log(x: Value | Number) -> Value:
    """ln x, for x > 0"""
    return _value(x, "log").log()


def sqrt(x: Value | Number) -> Value:
    """√x, for x ≥ 0"""
    return _value(x, "sqrt").sqrt()


def tanh(x: Value | Number) -> Value:
    """tanh x"""
    return _value(x, "tanh").tanh()


def sigmoid(x: Value | Number) -> Value:
    """σ(x) = 1 / (1 + e⁻ˣ)"""
    return _value(x, "sigmoid").sigmoid()


def relu(x: Value | Number) -> Value:
    """max(x, 0)"""
    return _value(x, "relu").relu()


def sin(x: Value | Number) -> Value:
    """sin x"""
    return _value(x, "sin").sin()


def cos(x: Value | Number) -> Value:
    """cos x"""
    return _value(x, "cos").cos()


def abs(x: Value | Number) -> Value:  # noqa: A001 - mirrors the math name on purpose
    """|x|"""
    return builtins.abs(_value(x, "abs"))
