"""The derivative rules, one line per operation.

Reverse mode needs, for every node ``out = f(x)`` or ``out = f(x, y)``, the
local derivatives ``∂out/∂x`` and ``∂out/∂y``. They all live in :data:`RULES`
so that each can be checked against the math in one place.

A rule's ``local`` function takes ``(m, x, y, out)``:

* ``x``, ``y``: the operands. ``y`` is ``None`` for unary operations. For the
  operations whose second operand is a fixed number (the exponent ``n`` of
  ``x ** n``, the base ``c`` of ``c ** x``) it is that number, and no derivative
  is taken with respect to it.
* ``out``: the result ``f(x, y)``, which many derivatives reuse (``exp``,
  ``tanh``, ``sigmoid``, ``sqrt``).
* ``m``: the elementary functions (``m.exp``, ``m.log``, ``m.sin``, ``m.cos``).

It returns the local derivative (unary) or the pair of them (binary). Where a
derivative is unbounded (``sqrt`` at 0, ``x ** 0.5`` at 0) the rule divides by
zero and the engine records ``inf``, the one-sided limit.

In the ordinary forward pass everything is a float and ``m`` is
:data:`FLOAT_MATH`. When a backward pass is itself recorded
(``backward(create_graph=True)``), ``x``, ``y`` and ``out`` are ``Value`` nodes
and ``m`` works on them, so the very same line produces a differentiable
derivative: higher-order derivatives need no second table. Forward mode uses the
table too. Rules are therefore written with arithmetic operators and ``m``,
never with ``math`` directly.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

__all__ = ["FLOAT_MATH", "RULES", "Rule", "sigmoid"]


def sigmoid(x: float) -> float:
    """σ(x) = 1 / (1 + e⁻ˣ), evaluated so that ``exp`` never overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0, so e < 1: no overflow, and no 1 - tiny cancellation
    return e / (1.0 + e)


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _step(x: Any) -> float:
    """d relu / dx: 1 for x > 0, else 0 (0 at the kink, as PyTorch does)."""
    return 1.0 if x > 0 else 0.0


def _sign(x: Any) -> float:
    """d|x| / dx: the sign of x, 0 at the kink."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _power(x: float, n: float) -> float:
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError("zero to a negative power")
    # math.pow, unlike **, raises instead of returning a complex number for a
    # negative base with a fractional exponent.
    return math.pow(x, n)


def _power_of_const(x: float, c: float) -> float:
    if c <= 0.0:  # d/dx c**x = c**x · ln c needs ln c
        raise ValueError("math domain error")
    return math.pow(c, x)


def _power_positive_base(x: float, y: float) -> float:
    if x <= 0.0:  # ∂/∂y x**y = x**y · ln x needs ln x
        raise ValueError("math domain error")
    return math.pow(x, y)


#: The elementary functions rules use on floats.
FLOAT_MATH = SimpleNamespace(exp=math.exp, log=math.log, sin=math.sin, cos=math.cos)


@dataclass(frozen=True, slots=True)
class Rule:
    """One differentiable operation: how to compute it and its local derivatives.

    Attributes:
        name: the op name recorded on nodes (``"mul"``, ``"tanh"``...).
        arity: 1 or 2 operands.
        formula: the operation, for people (``"tanh(x)"``).
        derivatives: each local derivative as a formula, for people and diagrams.
        forward: computes the result from floats; raises ``ValueError``,
            ``ZeroDivisionError`` or ``OverflowError`` outside the domain.
        local: ``(m, x, y, out) -> ∂out/∂x`` or ``(∂out/∂x, ∂out/∂y)``.
        domain: where the operation is defined, quoted in error messages.
        const_arg: the second operand is a fixed number (not differentiated).
    """

    name: str
    arity: int
    formula: str
    derivatives: tuple[str, ...]
    forward: Callable[..., float]
    local: Callable[[Any, Any, Any, Any], Any]
    domain: str = "all real x"
    const_arg: bool = False


_TABLE = [
    #    name      arity formula         ∂out/∂x, ∂out/∂y             forward
    Rule("add", 2, "x + y", ("1", "1"), operator.add, lambda m, x, y, out: (1.0, 1.0)),
    Rule("sub", 2, "x - y", ("1", "-1"), operator.sub, lambda m, x, y, out: (1.0, -1.0)),
    Rule("mul", 2, "x * y", ("y", "x"), operator.mul, lambda m, x, y, out: (y, x)),
    Rule("div", 2, "x / y", ("1/y", "-x/y²"), operator.truediv,
         lambda m, x, y, out: (1.0 / y, -out / y), "y ≠ 0"),
    Rule("neg", 1, "-x", ("-1",), operator.neg, lambda m, x, y, out: -1.0),
    Rule("pow", 2, "x ** n", ("n·x^(n-1)",), _power,
         lambda m, x, n, out: n * x ** (n - 1.0) if n != 0.0 else 0.0,
         "x > 0, or x < 0 with an integer n, or x = 0 with n ≥ 0", const_arg=True),
    Rule("rpow", 2, "c ** x", ("c^x·ln c",), _power_of_const,
         lambda m, x, c, out: out * math.log(c), "c > 0", const_arg=True),
    Rule("powv", 2, "x ** y", ("y·x^(y-1)", "x^y·ln x"), _power_positive_base,
         lambda m, x, y, out: (y * x ** (y - 1.0), out * m.log(x)), "x > 0"),
    Rule("exp", 1, "exp(x)", ("exp(x)",), math.exp, lambda m, x, y, out: out),
    Rule("log", 1, "log(x)", ("1/x",), math.log, lambda m, x, y, out: 1.0 / x, "x > 0"),
    Rule("sqrt", 1, "sqrt(x)", ("1/(2·sqrt(x))",), math.sqrt,
         lambda m, x, y, out: 0.5 / out, "x ≥ 0 (x > 0 to differentiate)"),
    Rule("tanh", 1, "tanh(x)", ("1 - tanh²(x)",), math.tanh, lambda m, x, y, out: 1.0 - out * out),
    Rule("sigmoid", 1, "σ(x)", ("σ(x)·(1 - σ(x))",), sigmoid,
         lambda m, x, y, out: out * (1.0 - out)),
    Rule("relu", 1, "max(x, 0)", ("1 if x > 0 else 0",), _relu, lambda m, x, y, out: _step(x)),
    Rule("sin", 1, "sin(x)", ("cos(x)",), math.sin, lambda m, x, y, out: m.cos(x), "finite x"),
    Rule("cos", 1, "cos(x)", ("-sin(x)",), math.cos, lambda m, x, y, out: -m.sin(x), "finite x"),
    Rule("abs", 1, "|x|", ("sign(x)",), abs, lambda m, x, y, out: _sign(x)),
]  # fmt: skip

#: Every differentiable operation, by the name recorded on its nodes.
RULES: dict[str, Rule] = {rule.name: rule for rule in _TABLE}
