"""The table of rules: everything the library knows about each operation.

One :class:`Rule` per operation is the single source of truth. Reverse mode,
``backward(create_graph=True)``, forward mode (``Dual``), the vectorised
replay, custom operations, the error messages, the property-test strategies,
the expression language and the diagrams all read this table (the tests in
``tests/core/test_table.py`` walk it and check each of them).

Conventions (the model is PyTorch's ``derivatives.yaml``):

* ``forward(m, x)`` or ``forward(m, x, y)`` computes the result; ``local(m,
  x, out)`` or ``local(m, x, y, out)`` returns the local derivative
  ``∂out/∂operand`` for each operand, as a tuple, with ``None`` for an operand
  that is a fixed number (the exponent of ``x ** 3``). ``out`` is the result,
  which many derivatives reuse (``exp``, ``tanh``, ``sqrt``).
* Both are written with arithmetic operators and the functions of ``m``
  (:mod:`autograd_scalar.core.maths`), never with ``math`` or a Python ``if``
  on an operand: ``m.where``, ``m.step`` and ``m.sign`` express the branches.
  So one line runs on floats, on Values (a derivative that is itself
  differentiable), and on NumPy arrays (the replay), and all give one answer.
* Where a local derivative is unbounded (``sqrt`` at 0) or overflows, the
  formula divides by zero or overflows; :func:`autograd_scalar.core.apply.apply`
  then evaluates it in IEEE-754 arithmetic, as NumPy does, and records ``±inf``
  for that operand, keeping the others.
* ``domain.outside(m, *operands)`` is true where the operation is undefined
  (NaN is never outside: it propagates). The scalar engine refuses such
  operands with :class:`~autograd_scalar.core.errors.DomainError`, the replay
  finds the examples where it holds, and property tests draw from the
  complement (``domain.draw``, away from ``domain.kinks``).

>>> r = RULES["tanh"]
>>> r.formula, r.derivatives, r.domain.text
('tanh(x)', ('1 - tanh²(x)',), 'all real x')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .maths import FLOAT_MATH

__all__ = [
    "BUILTIN",
    "EVERYWHERE",
    "FLOAT_MATH",
    "FORMULA_OPERAND",
    "OPERATORS",
    "RULES",
    "Domain",
    "Interval",
    "Rule",
    "register",
    "sigmoid",
    "unregister",
]

#: An operand in a rule's ``formula`` and ``derivatives`` texts: ``x`` is the
#: first operand, ``y``, ``n`` or ``c`` the other. The boundaries are ASCII on
#: purpose: ``\b`` counts ``²`` as a word character, and ``y²`` must match.
FORMULA_OPERAND = re.compile(r"(?<![A-Za-z0-9_])[xync](?![A-Za-z0-9_])")

#: A closed interval ``(low, high)``.
Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Domain:
    """Where an operation is defined, for people and for programs.

    Attributes:
        text: for people, quoted in error messages (``"x > 0"``).
        outside: ``(m, *operands) -> bool``: true where undefined; ``None``:
            defined everywhere. Written with operators and ``m`` like the
            rules, so it also tests whole arrays. Division by zero is not
            "outside": the forward raises it as its own error.
        draw: per operand, the intervals property tests draw smooth points
            from (a union; small enough that central differences are accurate).
        kinks: points of the first operand where the derivative jumps.
        raises: ``(m, *operands) -> bool``, for the replay: true where the
            engine's forward raises its own error although IEEE arithmetic
            gives a number, also with an infinite or NaN operand (``x / 0``:
            ``inf / 0`` is inf in NumPy, ``ZeroDivisionError`` in Python).
            Tested only where the result is not finite; an error from finite
            operands giving a non-finite result needs no entry (the replay
            asks the engine about every such example).
    """

    text: str = "all real x"
    outside: Callable[..., Any] | None = None
    draw: tuple[tuple[Interval, ...], ...] = (((-10.0, 10.0),), ((-10.0, 10.0),))
    kinks: tuple[float, ...] = ()
    raises: Callable[..., Any] | None = None


EVERYWHERE = Domain()


@dataclass(frozen=True, slots=True)
class Rule:
    """One differentiable operation (see the module docstring for conventions).

    Attributes:
        name: the op name recorded on nodes (``"mul"``, ``"tanh"``...).
        formula: the operation, for people (``"tanh(x)"``).
        derivatives: per operand, ``∂out/∂operand`` as a formula for people
            and diagrams; ``None`` for a fixed operand (not differentiated).
        forward: ``(m, *operands) -> out``.
        local: ``(m, *operands, out) -> (∂out/∂operand, ...)``.
        domain: where it is defined (:class:`Domain`).
        symbol: how diagrams draw the operation (``"×"``); the name by default.
        method: the ``Value`` method and free function (``"exp"``), for the
            operations written as functions; operators have ``None``.
        vectorizes: ``forward`` and ``local`` use only operators and ``m``,
            so the replay runs them on arrays; ``False`` for a custom
            operation written with ``math`` (replayed example by example).
        js: the same forward and local derivatives in JavaScript, for the live
            explorer's in-page evaluator: an expression in ``x`` (and ``y``,
            the other operand) and an array literal in ``x``, ``y``, ``out``
            (``null`` for a fixed operand), transcribed branch for branch.
    """

    name: str
    formula: str
    forward: Callable[..., Any]
    local: Callable[..., tuple[Any, ...]]
    derivatives: tuple[str | None, ...]
    domain: Domain = EVERYWHERE
    symbol: str = ""
    method: str | None = None
    vectorizes: bool = True
    js: tuple[str, str] | None = None
    differentiable: tuple[bool, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "differentiable", tuple(d is not None for d in self.derivatives))
        if not self.symbol:
            object.__setattr__(self, "symbol", self.name)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # pickled by name (its functions are lambdas): the rule of that name in
        # the unpickling process's table, so a custom op must be defined there too
        return (_rule_named, (self.name,))

    @property
    def arity(self) -> int:
        """The number of operands: 1 or 2."""
        return len(self.derivatives)

    @property
    def const_arg(self) -> bool:
        """Whether the second operand is a fixed number, not differentiated."""
        return self.arity == 2 and not self.differentiable[1]


def _rule_named(name: str) -> Rule:
    return RULES[name]


def _not_integer(m: Any, n: Any) -> Any:
    return m.floor(n) != n


_TABLE = [
    # name, formula, forward, local (∂out/∂operand per operand), their formulas, ...;
    # js: the same in JavaScript, for the live explorer (tests/viz/test_explore.py
    # evaluates both on random inputs in a browser)
    Rule("add", "x + y", lambda m, x, y: x + y, lambda m, x, y, out: (1.0, 1.0), ("1", "1"),
         symbol="+",
         js=('x + y', '[1, 1]')),
    Rule("sub", "x - y", lambda m, x, y: x - y, lambda m, x, y, out: (1.0, -1.0), ("1", "-1"),
         symbol="-",
         js=('x - y', '[1, -1]')),
    Rule("mul", "x * y", lambda m, x, y: x * y, lambda m, x, y, out: (y, x), ("y", "x"),
         symbol="×",
         js=('x * y', '[y, x]')),
    Rule("div", "x / y", lambda m, x, y: x / y, lambda m, x, y, out: (1.0 / y, -out / y),
         ("1/y", "-x/y²"),
         Domain("y ≠ 0", draw=(((-10.0, 10.0),), ((-10.0, -0.1), (0.1, 10.0))),
                raises=lambda m, x, y: y == 0.0),
         symbol="/",
         js=('x / y', '[1 / y, -out / y]')),
    Rule("neg", "-x", lambda m, x: -x, lambda m, x, out: (-1.0,), ("-1",), symbol="-x",
         js=('-x', '[-1]')),
    Rule("pow", "x ** n", lambda m, x, n: m.pow(x, n),
         lambda m, x, n, out: (m.where(n == 0.0, 0.0, n * x ** (n - 1.0)), None),
         ("n·x^(n-1)", None),
         Domain("x > 0, or x < 0 with an integer n, or x = 0 with n ≥ 0",
                lambda m, x, n: (x < 0.0) & _not_integer(m, n), (((0.1, 5.0),), ((-3.0, 3.0),)),
                raises=lambda m, x, n: (x == 0.0) & (n < 0.0)),  # 0 ** -inf too
         symbol="x^n",
         js=('Math.pow(x, y)', '[y === 0 ? 0 : y * Math.pow(x, y - 1), null]')),
    Rule("rpow", "c ** x", lambda m, x, c: m.pow(c, x), lambda m, x, c, out: (out * m.log(c), None),
         ("c^x·ln c", None),
         Domain("c > 0", lambda m, x, c: c <= 0.0, (((-5.0, 5.0),), ((0.1, 10.0),))), symbol="c^x",
         js=('Math.pow(y, x)', '[out * Math.log(y), null]')),
    Rule("powv", "x ** y", lambda m, x, y: m.pow(x, y),
         lambda m, x, y, out: (y * x ** (y - 1.0), out * m.log(x)), ("y·x^(y-1)", "x^y·ln x"),
         Domain("x > 0", lambda m, x, y: x <= 0.0, (((0.1, 5.0),), ((-3.0, 3.0),))), symbol="x^y",
         js=('Math.pow(x, y)', '[y * Math.pow(x, y - 1), out * Math.log(x)]')),
    Rule("exp", "exp(x)", lambda m, x: m.exp(x), lambda m, x, out: (out,), ("exp(x)",),
         method="exp",
         js=('Math.exp(x)', '[out]')),
    Rule("log", "log(x)", lambda m, x: m.log(x), lambda m, x, out: (1.0 / x,), ("1/x",),
         Domain("x > 0", lambda m, x: x <= 0.0, (((1e-2, 100.0),),)), method="log",
         js=('Math.log(x)', '[1 / x]')),
    Rule("sqrt", "sqrt(x)", lambda m, x: m.sqrt(x), lambda m, x, out: (0.5 / out,),
         ("1/(2·sqrt(x))",),
         Domain("x ≥ 0 (x > 0 to differentiate)", lambda m, x: x < 0.0, (((1e-2, 100.0),),)),
         method="sqrt",
         js=('Math.sqrt(x)', '[0.5 / out]')),
    Rule("tanh", "tanh(x)", lambda m, x: m.tanh(x), lambda m, x, out: (1.0 - out * out,),
         ("1 - tanh²(x)",), Domain(draw=(((-5.0, 5.0),),)), method="tanh",
         js=('Math.tanh(x)', '[1 - out * out]')),
    # exp(-|x|) ≤ 1 never overflows; both branches are safe to evaluate
    Rule("sigmoid", "σ(x)",
         lambda m, x: m.where(x >= 0.0, 1.0 / (1.0 + m.exp(-m.abs(x))),
                              m.exp(-m.abs(x)) / (1.0 + m.exp(-m.abs(x)))),
         lambda m, x, out: (out * (1.0 - out),), ("σ(x)·(1 - σ(x))",), method="sigmoid",
         js=("x >= 0 ? 1 / (1 + Math.exp(-Math.abs(x)))"
             " : Math.exp(-Math.abs(x)) / (1 + Math.exp(-Math.abs(x)))", "[out * (1 - out)]")),
    Rule("relu", "max(x, 0)", lambda m, x: m.maximum(x, 0.0), lambda m, x, out: (m.step(x),),
         ("1 if x > 0 else 0",), Domain(kinks=(0.0,)), method="relu",
         js=('Math.max(x, 0)', '[x > 0 ? 1 : (x <= 0 ? 0 : NaN)]')),
    Rule("sin", "sin(x)", lambda m, x: m.sin(x), lambda m, x, out: (m.cos(x),), ("cos(x)",),
         Domain("finite x", lambda m, x: m.isinf(x)), method="sin",
         js=('Math.sin(x)', '[Math.cos(x)]')),
    Rule("cos", "cos(x)", lambda m, x: m.cos(x), lambda m, x, out: (-m.sin(x),), ("-sin(x)",),
         Domain("finite x", lambda m, x: m.isinf(x)), method="cos",
         js=('Math.cos(x)', '[-Math.sin(x)]')),
    Rule("abs", "|x|", lambda m, x: m.abs(x), lambda m, x, out: (m.sign(x),), ("sign(x)",),
         Domain(kinks=(0.0,)), symbol="|x|", method="abs",
         js=('Math.abs(x)', '[x > 0 ? 1 : (x < 0 ? -1 : x * 0)]')),
]  # fmt: skip

#: Every differentiable operation, by the name recorded on its nodes: the
#: built-in ones and those registered with :func:`autograd_scalar.define_op`.
RULES: dict[str, Rule] = {rule.name: rule for rule in _TABLE}

#: The names of the built-in operations (which :func:`register` will not replace).
BUILTIN = frozenset(RULES)

#: Python's operators, and the rule each applies: ``(rule name, reflected)``.
#: ``**`` applies ``pow`` to a number exponent and ``powv`` to a Value's.
OPERATORS: dict[str, tuple[str, bool]] = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("sub", False), "__rsub__": ("sub", True),
    "__mul__": ("mul", False), "__rmul__": ("mul", True),
    "__truediv__": ("div", False), "__rtruediv__": ("div", True),
    "__neg__": ("neg", False), "__abs__": ("abs", False),
    "__pow__": ("pow", False), "__rpow__": ("rpow", False),
}  # fmt: skip


def register(rule: Rule) -> None:
    """Add (or replace) a custom rule in :data:`RULES`; built-ins stay as they are."""
    if rule.name in BUILTIN:
        raise ValueError(f"{rule.name!r} is a built-in operation")
    RULES[rule.name] = rule


def unregister(name: str) -> None:
    """Remove a custom rule from :data:`RULES`."""
    if name in BUILTIN:
        raise ValueError(f"{name!r} is a built-in operation")
    del RULES[name]


def sigmoid(x: float) -> float:
    """σ(x) = 1 / (1 + e⁻ˣ) on a float, by the table's overflow-free rule.

    >>> sigmoid(0.0), sigmoid(-1000.0), sigmoid(1000.0)
    (0.5, 0.0, 1.0)
    """
    out: float = RULES["sigmoid"].forward(FLOAT_MATH, x)
    return out
