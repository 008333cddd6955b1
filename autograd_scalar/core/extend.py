"""Define a new differentiable operation from its derivative rule.

:func:`define_op` adds a :class:`~autograd_scalar.rules.Rule` to ``RULES`` and
returns a function that works on :class:`~autograd_scalar.Value` nodes, on
forward-mode :class:`~autograd_scalar.forward.Dual` numbers and on plain
numbers. Because the rule lives in the same table as the built-in ones, the new
operation gets reverse mode, ``backward(create_graph=True)`` (so higher
derivatives), forward mode and error messages for free.

The local derivative follows the table's convention: ``local(m, x, y, out)``
returns ``∂out/∂x`` (or the pair ``(∂out/∂x, ∂out/∂y)`` for two operands),
written with arithmetic operators and ``m.exp``, ``m.log``, ``m.sin``,
``m.cos`` (never ``math.*``), so the same line runs on floats and on Values.

>>> import math
>>> softplus = define_op(
...     "softplus",
...     forward=lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
...     local=lambda m, x, y, out: 1.0 - m.exp(-out),   # σ(x) = 1 - e^(-softplus x)
...     formula="log(1 + exp(x))",
...     derivatives=("σ(x)",),
... )
>>> from autograd_scalar.engine import Value
>>> x = Value(0.0, label="x")
>>> softplus(x).backward()
>>> x.grad
0.5

Property-test it in three lines, with the library's strategies and gradient check:

>>> from hypothesis import given
>>> from autograd_scalar.gradcheck import gradcheck, gradgradcheck
>>> from autograd_scalar.testing import op_inputs
>>> @given(op_inputs(softplus))
... def test_softplus(x):
...     assert gradcheck(softplus, x) and gradgradcheck(softplus, x)
>>> test_softplus()

:func:`remove_op` takes it out of the table again:

>>> remove_op("softplus")
>>> "softplus" in RULES
False
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from ..transforms.forward import Dual, apply_rule
from .errors import AutogradError, InvalidInputError
from .rules import RULES, Rule
from .value import Value, _as_float, _binary, _const, _unary

__all__ = ["CustomOp", "OpDefinitionError", "define_op", "remove_op"]

#: The names of the built-in operations, which define_op will not replace.
BUILTIN_OPS = frozenset(RULES)

#: Every operation defined with :func:`define_op`, by name.
CUSTOM_OPS: dict[str, CustomOp] = {}


class OpDefinitionError(AutogradError, ValueError):
    """A :func:`define_op` call that cannot define a working operation."""


class CustomOp:
    """A user-defined operation: call it like a function.

    Attributes:
        rule: its entry in ``RULES``.
        name: the op name recorded on nodes.
        arity: 1 or 2 operands.
        interval: ``(low, high)``, where the operation is smooth; property
            tests draw inputs from it (see :func:`autograd_scalar.testing.op_inputs`).
    """

    __slots__ = ("__name__", "arity", "interval", "name", "rule")

    def __init__(self, rule: Rule, interval: tuple[float, float]) -> None:
        self.rule = rule
        self.name = self.__name__ = rule.name
        self.arity = rule.arity
        self.interval = interval

    def __repr__(self) -> str:
        return f"<custom op {self.name}: {self.rule.formula}>"

    def __call__(self, x: Any, y: Any = None) -> Any:
        rule = self.rule
        if rule.arity == 1:
            if y is not None:
                raise InvalidInputError(self.name, y, f"{self.name} takes one operand")
            if type(x) is Dual:
                return apply_rule(rule, x)
            return _unary(rule, x if type(x) is Value else _const(x, self.name))
        if y is None:
            raise InvalidInputError(self.name, x, f"{self.name} takes two operands")
        if rule.const_arg:  # y is a fixed number, never differentiated
            if type(y) is Dual:
                raise InvalidInputError(
                    self.name, y, f"the second operand of {self.name} is a fixed number"
                )
            fixed = y.data if type(y) is Value else _as_float(y, self.name)
            if type(x) is Dual:
                return apply_rule(rule, x, fixed)
            return _binary(rule, _value(x, self.name), _const(fixed, self.name))
        if type(x) is Dual or type(y) is Dual:
            return apply_rule(rule, _dual(x, self.name), _dual(y, self.name))
        return _binary(rule, _value(x, self.name), _value(y, self.name))


def _value(x: Any, op: str) -> Value:
    return x if type(x) is Value else _const(x, op)


def _dual(x: Any, op: str) -> Dual:
    if type(x) is Dual:
        return x
    return Dual(x.data if isinstance(x, Value) else _const(x, op).data, 0.0)


def define_op(
    name: str,
    forward: Callable[..., float],
    local: Callable[[Any, Any, Any, Any], Any],
    *,
    formula: str | None = None,
    derivatives: tuple[str, ...] | None = None,
    domain: str = "all real x",
    interval: tuple[float, float] = (-10.0, 10.0),
    arity: int | None = None,
    const_arg: bool = False,
) -> CustomOp:
    """Define a differentiable operation and register its rule in ``RULES``.

    Args:
        name: the op name recorded on nodes; must not be a built-in op.
            Defining the same custom name again replaces it (handy in notebooks).
        forward: computes the result from floats; raise ``ValueError``,
            ``ZeroDivisionError`` or ``OverflowError`` outside the domain.
        local: ``(m, x, y, out) -> ∂out/∂x`` (unary; ``y`` is ``None``) or
            ``(∂out/∂x, ∂out/∂y)`` (binary), with operators and ``m.exp``,
            ``m.log``, ``m.sin``, ``m.cos`` only.
        formula, derivatives: for people: errors and diagrams show them.
        domain: where it is defined, quoted in error messages.
        interval: where it is smooth, for property tests.
        arity: 1 or 2; read from ``forward``'s signature by default.
        const_arg: the second operand is a fixed number, not differentiated.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise OpDefinitionError("define_op", name, "the name must be an identifier")
    if name in BUILTIN_OPS or name == "const":
        raise OpDefinitionError("define_op", name, f"{name!r} is a built-in operation")
    if arity is None:
        arity = _arity(forward)
    if arity not in (1, 2):
        raise OpDefinitionError("define_op", arity, f"{name}: arity must be 1 or 2")
    low, high = interval
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise OpDefinitionError(
            "define_op", interval, f"{name}: interval must be finite, low < high"
        )
    args = "x" if arity == 1 else "x, y"
    rule = Rule(
        name,
        arity,
        formula if formula is not None else f"{name}({args})",
        derivatives if derivatives is not None else (("?",) * (1 if const_arg else arity)),
        forward,
        local,
        domain,
        const_arg,
    )
    op = CustomOp(rule, (float(low), float(high)))
    RULES[name] = rule
    CUSTOM_OPS[name] = op
    return op


def _arity(forward: Callable[..., float]) -> int:
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: assume unary
        return 1
    positional = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional)


def remove_op(name: str) -> None:
    """Unregister an operation made by :func:`define_op` (built-ins stay).

    Nodes already made with it keep working for first derivatives; a recorded
    backward pass through them needs the rule and will fail with a KeyError.
    """
    if name not in CUSTOM_OPS:
        raise OpDefinitionError("remove_op", name, f"{name!r} is not a custom operation")
    del CUSTOM_OPS[name]
    del RULES[name]
