"""Define a new differentiable operation from its derivative rule.

:func:`define_op` adds a :class:`~autograd_scalar.core.rules.Rule` to ``RULES``
and returns a function that works on :class:`~autograd_scalar.Value` nodes, on
forward-mode :class:`~autograd_scalar.transforms.forward.Dual` numbers and on
plain numbers. Because the rule lives in the same table as the built-in ones,
the new operation is a first-class citizen: reverse mode,
``backward(create_graph=True)`` (higher derivatives), forward mode, the
vectorised replay, ``gradcheck``, the diagrams and the error messages all work
with it.

The local derivative follows this convention: ``local(m, x, y, out)`` returns
``∂out/∂x`` for one operand (``y`` is ``None``) or the pair ``(∂out/∂x,
∂out/∂y)`` for two, written with arithmetic operators and ``m`` (``m.exp``,
``m.log``, ``m.where``, ``m.step``... see :mod:`autograd_scalar.core.maths`),
never ``math.*``, so the same line runs on floats, on Values and on arrays.

The forward may be written either way:

* ``forward(x)`` / ``forward(x, y)`` on floats, with ``math`` if you like. The
  replay then evaluates it example by example (and warns that this is slower);
* ``forward(m, x)`` / ``forward(m, x, y)`` with ``m``, like the built-in rules:
  the replay runs it on whole arrays.

>>> import math
>>> softplus = define_op(
...     "softplus",
...     forward=lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
...     local=lambda m, x, y, out: 1.0 - m.exp(-out),   # σ(x) = 1 - e^(-softplus x)
...     formula="log(1 + exp(x))",
...     derivatives=("σ(x)",),
... )
>>> from autograd_scalar import Value
>>> x = Value(0.0, label="x")
>>> softplus(x).backward()
>>> x.grad
0.5

Property-test it in three lines, with the library's strategies and gradient check:

>>> from hypothesis import given
>>> from autograd_scalar.check.gradcheck import gradcheck, gradgradcheck
>>> from autograd_scalar.check.strategies import op_inputs
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

from . import rules
from .errors import AutogradError
from .functions import call
from .rules import RULES, Domain, Rule

__all__ = ["CUSTOM_OPS", "RULES", "CustomOp", "OpDefinitionError", "define_op", "remove_op"]

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
            tests draw inputs from it (see :func:`autograd_scalar.check.strategies.op_inputs`).
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
        return call(self.rule, x) if y is None else call(self.rule, x, y)


def define_op(
    name: str,
    forward: Callable[..., Any],
    local: Callable[[Any, Any, Any, Any], Any],
    *,
    formula: str | None = None,
    derivatives: tuple[str, ...] | None = None,
    domain: str = "all real x",
    outside: Callable[..., Any] | None = None,
    interval: tuple[float, float] = (-10.0, 10.0),
    arity: int | None = None,
    const_arg: bool = False,
    symbol: str | None = None,
    js: tuple[str, str] | None = None,
) -> CustomOp:
    """Define a differentiable operation and register its rule in ``RULES``.

    Args:
        name: the op name recorded on nodes; must not be a built-in op.
            Defining the same custom name again replaces it (handy in notebooks).
        forward: computes the result: ``(x)``/``(x, y)`` on floats, or
            ``(m, x)``/``(m, x, y)`` with ``m`` (then it vectorises); raise
            ``ValueError``, ``ZeroDivisionError`` or ``OverflowError`` outside
            the domain.
        local: ``(m, x, y, out) -> ∂out/∂x`` (unary; ``y`` is ``None``) or
            ``(∂out/∂x, ∂out/∂y)`` (binary), with operators and ``m`` only.
        formula, derivatives: for people: errors and diagrams show them.
        domain: where it is defined, quoted in error messages.
        outside: ``(m, x)`` or ``(m, x, y)``: true where it is undefined, so
            the engine and the replay can refuse such operands themselves.
        interval: where it is smooth, for property tests.
        arity: 1 or 2; read from ``forward``'s signature by default.
        const_arg: the second operand is a fixed number, not differentiated.
        symbol: how diagrams draw it (the name by default).
        js: ``(forward, local)`` in JavaScript, for the live explorer (see
            :attr:`autograd_scalar.core.rules.Rule.js`).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise OpDefinitionError("define_op", name, "the name must be an identifier")
    if name in rules.BUILTIN or name == "const":
        raise OpDefinitionError("define_op", name, f"{name!r} is a built-in operation")
    with_m, found = _signature(forward)
    if arity is None:
        arity = found
    if arity not in (1, 2):
        raise OpDefinitionError("define_op", arity, f"{name}: arity must be 1 or 2")
    low, high = interval
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise OpDefinitionError(
            "define_op", interval, f"{name}: interval must be finite, low < high"
        )
    texts = _derivative_texts(derivatives, arity, const_arg)
    args = "x" if arity == 1 else "x, y"
    rule = Rule(
        name,
        formula if formula is not None else f"{name}({args})",
        forward if with_m else _without_m(forward),
        _per_operand(local, arity, const_arg),
        texts,
        Domain(domain, outside, ((interval,),) * arity),
        symbol or name,
        None,
        vectorizes=with_m,
        js=js,
    )
    op = CustomOp(rule, (float(low), float(high)))
    rules.register(rule)
    CUSTOM_OPS[name] = op
    return op


def _signature(forward: Callable[..., Any]) -> tuple[bool, int]:
    """Whether ``forward`` takes ``m`` first, and how many operands it takes."""
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: assume unary
        return False, 1
    positional = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    with_m = bool(positional) and positional[0] == "m"
    return with_m, len(positional) - with_m


def _derivative_texts(
    derivatives: tuple[str, ...] | None, arity: int, const_arg: bool
) -> tuple[str | None, ...]:
    differentiated = 1 if arity == 1 or const_arg else 2
    given: tuple[str | None, ...] = tuple(derivatives or ("?",) * differentiated)
    texts = list(given[:differentiated])
    texts += ["?"] * (differentiated - len(texts))
    if arity == 2 and const_arg:
        texts.append(None)
    return tuple(texts)


def _without_m(forward: Callable[..., Any]) -> Callable[..., Any]:
    """A float-only forward in the table's ``(m, *operands)`` form."""

    def with_m(m: Any, *operands: Any) -> Any:
        return forward(*operands)

    return with_m


def _per_operand(
    local: Callable[[Any, Any, Any, Any], Any], arity: int, const_arg: bool
) -> Callable[..., tuple[Any, ...]]:
    """The user's local derivative in the table's form: a tuple per operand."""
    if arity == 1:
        return lambda m, x, out: (local(m, x, None, out),)
    if const_arg:
        return lambda m, x, y, out: (local(m, x, y, out), None)
    return lambda m, x, y, out: tuple(local(m, x, y, out))


def remove_op(name: str) -> None:
    """Unregister an operation made by :func:`define_op` (built-ins stay).

    Nodes already made with it keep working for first derivatives; a recorded
    backward pass through them needs the rule and says so.
    """
    if name not in CUSTOM_OPS:
        raise OpDefinitionError("remove_op", name, f"{name!r} is not a custom operation")
    del CUSTOM_OPS[name]
    rules.unregister(name)
