"""Forward mode: dual numbers and :func:`jvp`.

A :class:`Dual` carries a value (``primal``) and a directional derivative
(``tangent``) through a computation. Each operation is applied by the same
:func:`~autograd_scalar.core.apply.apply` as reverse mode, from the same rule
table, and the chain rule then runs forwards:
``tangent = Σ ∂out/∂operand · operand.tangent``. There is one source of
derivative truth, and no reverse pass involved. ``Dual``'s operators and
methods are generated from the table, so a new rule works here at once.

Operands with a zero tangent do not move: their term is left out of the sum,
so an unbounded partial derivative along a direction that does not move that
operand does not turn the result into ``inf · 0 = nan`` (``f(x, y) = √x + y``
at ``x = 0`` has ``∂f/∂y = 1``).

One forward-mode pass gives the derivative along one direction; the gradient of
a function of ``n`` inputs needs ``n`` passes. Reverse mode gives all ``n`` for
about the cost of one: :mod:`autograd_scalar.transforms.cost` counts both.

>>> from autograd_scalar.core.functions import sin
>>> value, slope = jvp(lambda x, y: x * sin(y), (2.0, 0.0), (1.0, 0.0))
>>> value, slope   # d/dx (x·sin y) = sin y = 0
(0.0, 0.0)
>>> jvp(lambda x, y: x * sin(y), (2.0, 0.0), (0.0, 1.0))[1]   # d/dy = x·cos y
2.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar

from ..core import checks
from ..core.apply import apply
from ..core.errors import InvalidInputError
from ..core.modes import no_grad
from ..core.rules import OPERATORS, RULES, Rule
from ..core.value import Number, Value

__all__ = ["Dual", "OpCounter", "counting", "jvp"]


class OpCounter:
    """Tallies forward-mode work: ``ops`` elementary operations (each computes
    a result and its local derivatives) and ``madds`` tangent multiply-adds."""

    __slots__ = ("madds", "ops")

    def __init__(self) -> None:
        self.ops = 0
        self.madds = 0


_COUNTER: ContextVar[OpCounter | None] = ContextVar("autograd_scalar_op_counter", default=None)


@contextmanager
def counting() -> Iterator[OpCounter]:
    """Count the :class:`Dual` operations run inside this block.

    >>> with counting() as counter:
    ...     _ = Dual(1.0, 1.0) * Dual(2.0, 0.0) + 1.0
    >>> counter.ops, counter.madds   # a product and a sum, two operands each
    (2, 4)
    """
    counter = OpCounter()
    token = _COUNTER.set(counter)
    try:
        yield counter
    finally:
        _COUNTER.reset(token)


class Dual:
    """A dual number ``primal + tangent·ε`` with ``ε² = 0``.

    Has the operators of :class:`~autograd_scalar.Value` and a method for every
    rule with one (``exp``, ``log``, ``sqrt``, ``tanh``, ``sigmoid``, ``relu``,
    ``sin``, ``cos``, ``abs`` and custom operations' names are called as
    functions), so one function body runs in either mode. Plain numbers and
    :class:`~autograd_scalar.Value` nodes met on either side are constants
    (tangent 0): a closure over a model's parameters works in forward mode.

    >>> x = Dual(3.0, 1.0)      # seed dx = 1
    >>> y = x * x + x
    >>> y.primal, y.tangent     # 3² + 3 and 2·3 + 1
    (12.0, 7.0)
    """

    __slots__ = ("primal", "tangent")
    __autograd_priority__: ClassVar[int] = 1

    primal: float
    tangent: float

    def __init__(self, primal: Number, tangent: Number = 0.0) -> None:
        self.primal = checks.real_number(primal, "Dual")
        self.tangent = checks.real_number(tangent, "Dual")

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"

    def __bool__(self) -> bool:
        raise InvalidInputError(
            "bool", self.primal, "a Dual has no truth value; compare it (d > 0) or test d.primal"
        )

    @classmethod
    def apply_rule(cls, rule: Rule, operands: tuple[Any, ...]) -> Dual:
        """Apply ``rule`` in forward mode: the result and its local derivatives
        from :func:`~autograd_scalar.core.apply.apply`, then the tangent.

        >>> Dual.apply_rule(RULES["sin"], (Dual(0.0, 2.0),))   # cos(0) · 2
        Dual(primal=0.0, tangent=2.0)
        """
        duals = tuple(_lift(x, rule.name) for x in operands)
        for dual, differentiated in zip(duals, rule.differentiable):
            if not differentiated and dual.tangent != 0.0:
                raise InvalidInputError(
                    rule.name, dual, f"operand {dual!r} of {rule.name} is a fixed number"
                )
        out, locals_ = apply(rule, tuple(d.primal for d in duals))
        tangent = 0.0
        madds = 0
        for dual, local in zip(duals, locals_):
            if local is not None:
                madds += 1
                if dual.tangent != 0.0:  # a still operand adds nothing, even at an inf partial
                    tangent += local * dual.tangent
        result = cls.__new__(cls)
        result.primal = out
        result.tangent = tangent
        counter = _COUNTER.get()
        if counter is not None:
            counter.ops += 1
            counter.madds += madds
        return result

    # ------------------------------------------------- comparisons (no grads)
    def __lt__(self, other: Dual | Value | Number) -> bool:
        return self.primal < _lift(other, "<").primal

    def __le__(self, other: Dual | Value | Number) -> bool:
        return self.primal <= _lift(other, "<=").primal

    def __gt__(self, other: Dual | Value | Number) -> bool:
        return self.primal > _lift(other, ">").primal

    def __ge__(self, other: Dual | Value | Number) -> bool:
        return self.primal >= _lift(other, ">=").primal

    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        """The generated operators and methods (see :func:`_generate`), for type checkers."""
        raise AttributeError(f"'Dual' object has no attribute {name!r}")


def _lift(x: object, op: str) -> Dual:
    """A Dual operand: itself, or a constant (tangent 0) for a number or Value."""
    if type(x) is Dual:
        return x
    constant = Dual.__new__(Dual)
    constant.primal = x.data if isinstance(x, Value) else checks.real_number(x, op)
    constant.tangent = 0.0
    return constant


# The generated methods look their rule up at each call, so that a rule
# replaced in the table (a test's deliberately wrong one) is the one applied.
def _operator(dunder: str, name: str, reflected: bool) -> Callable[..., Dual]:
    if RULES[name].arity == 1:
        return lambda self: Dual.apply_rule(RULES[name], (self,))
    if dunder == "__pow__":  # a Dual exponent is differentiated (x ** y), a number is not
        return lambda self, other: Dual.apply_rule(
            RULES["powv" if type(other) is Dual else name], (self, other)
        )
    if reflected:
        return lambda self, other: Dual.apply_rule(RULES[name], (other, self))
    return lambda self, other: Dual.apply_rule(RULES[name], (self, other))


def _method(rule: Rule) -> Callable[[Dual], Dual]:
    name = rule.name

    def method(self: Dual) -> Dual:
        return Dual.apply_rule(RULES[name], (self,))

    method.__name__ = rule.method or rule.name
    method.__doc__ = rule.formula
    return method


def _generate() -> None:
    """Give :class:`Dual` an operator per entry of ``OPERATORS`` and a method
    per rule with one: they all go through :meth:`Dual.apply_rule`."""
    for dunder, (name, reflected) in OPERATORS.items():
        setattr(Dual, dunder, _operator(dunder, name, reflected))
    for rule in RULES.values():
        if rule.method and rule.arity == 1:
            setattr(Dual, rule.method, _method(rule))


_generate()


def _primal_and_tangent(out: object, f: Callable[..., Any]) -> tuple[float, float]:
    if type(out) is Dual:
        return out.primal, out.tangent
    if isinstance(out, Value):  # built from constants only: it does not vary
        return out.data, 0.0
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        name = getattr(f, "__name__", "f")
        raise InvalidInputError("jvp", out, f"{name} must return a scalar, got {out!r}")
    return float(out), 0.0


def jvp(
    f: Callable[..., Any], primals: Sequence[Number], tangents: Sequence[Number]
) -> tuple[float, float]:
    """Forward mode: ``(f(primals), ∇f(primals) · tangents)`` in one pass.

    ``f`` takes one argument per primal and uses operators, methods or the
    functions of :mod:`autograd_scalar.core.functions`; it is run once on
    :class:`Dual` numbers. The :class:`~autograd_scalar.Value` nodes it meets
    (a model's parameters, ``exp(1.0)``) are constants.

    >>> from autograd_scalar.core.functions import exp
    >>> jvp(lambda x: exp(2 * x), (0.0,), (1.0,))
    (1.0, 2.0)
    >>> w = Value(3.0)
    >>> jvp(lambda x: w * x, (2.0,), (1.0,))
    (6.0, 3.0)
    """
    if len(primals) != len(tangents):
        raise InvalidInputError(
            "jvp",
            (len(primals), len(tangents)),
            f"got {len(primals)} primals but {len(tangents)} tangents",
        )
    duals = [Dual(p, t) for p, t in zip(primals, tangents)]
    with no_grad():  # any Value made on the way is a constant: record nothing
        return _primal_and_tangent(f(*duals), f)
