"""Elementary functions, generated from the rule table: ``exp(x)``, ``tanh(x)``...

There is one function per rule with a ``method`` (``exp``, ``log``, ``sqrt``,
``tanh``, ``sigmoid``, ``relu``, ``sin``, ``cos``, ``abs``), made by
:func:`elementary` when this module is imported, so a rule added to the table
gets its function with no further edit. Each reads like the math and works
whichever ``x`` is: a Value gives a Value (recorded in the graph), a plain
number gives a Value too (a constant leaf operated on), and a number-like type
with a higher ``__autograd_priority__`` (forward mode's ``Dual``) applies the
rule its own way, so one function body runs in every mode:

>>> from autograd_scalar.transforms.forward import Dual
>>> exp(Dual(0.0, 1.0))
Dual(primal=1.0, tangent=1.0)
>>> tanh(0.0)
Value(data=0.0, grad=0.0, op='tanh')
>>> sorted(FUNCTIONS)
['abs', 'cos', 'exp', 'log', 'relu', 'sigmoid', 'sin', 'sqrt', 'tanh']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import InvalidInputError
from .rules import RULES, Rule
from .value import Value

__all__ = ["FUNCTIONS", "call", "elementary"]


_COUNT = {1: "one operand", 2: "two operands"}


def _priority(x: object) -> int:
    priority: int = getattr(type(x), "__autograd_priority__", -1)
    return priority


def call(rule: Rule, *operands: Any) -> Any:
    """Apply ``rule`` to ``operands``, whatever kind of numbers they are: the
    operand type with the highest ``__autograd_priority__`` applies it
    (``Value`` for plain numbers)."""
    if len(operands) != rule.arity:
        raise InvalidInputError(
            rule.name,
            operands,
            f"{rule.name} takes {_COUNT[rule.arity]}, got {len(operands)}",
        )
    owner = max(operands, key=_priority)
    kind = type(owner) if _priority(owner) > 0 else Value
    return kind.apply_rule(rule, operands)


def elementary(rule: Rule) -> Callable[[Any], Any]:
    """The free function of a one-operand rule (named after ``rule.method``)."""

    name = rule.name

    def function(x: Any) -> Any:
        return call(RULES[name], x)  # looked up at each call: the table may change

    function.__name__ = function.__qualname__ = rule.method or rule.name
    function.__doc__ = (
        f"{rule.formula}, for {rule.domain.text}; derivative {rule.derivatives[0]}. "
        "Works on Values, numbers and dual numbers."
    )
    function.__module__ = __name__
    return function


#: The generated functions, by name.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    rule.method: elementary(rule) for rule in RULES.values() if rule.method and rule.arity == 1
}
globals().update(FUNCTIONS)
__all__ += sorted(FUNCTIONS)


def __getattr__(name: str) -> Callable[[Any], Any]:
    """Tells type checkers that the generated functions exist (``exp``, ...)."""
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
