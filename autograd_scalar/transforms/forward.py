"""Forward mode: dual numbers, :func:`jvp`, and counting operations.

A :class:`Dual` carries a value (``primal``) and a directional derivative
(``tangent``) through a computation. Each operation takes its result and its
local derivatives from the same :data:`~autograd_scalar.rules.RULES` table as
reverse mode (``rule.forward`` and ``rule.local`` with ``FLOAT_MATH``), then
applies the chain rule forwards: ``tangent = Σ ∂out/∂operand · operand.tangent``.
There is one source of derivative truth, and no reverse pass involved.

One forward-mode pass gives the derivative along one direction; the gradient of
a function of ``n`` inputs needs ``n`` passes. Reverse mode gives all ``n`` for
about the cost of one. :func:`count_ops` and :func:`cost_table` count the
operations to show it.

>>> from autograd_scalar.functions import sin
>>> value, slope = jvp(lambda x, y: x * sin(y), (2.0, 0.0), (1.0, 0.0))
>>> value, slope   # d/dx (x·sin y) = sin y = 0
(0.0, 0.0)
>>> jvp(lambda x, y: x * sin(y), (2.0, 0.0), (0.0, 1.0))[1]   # d/dy = x·cos y
2.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..core.errors import InvalidInputError
from ..core.rules import FLOAT_MATH, RULES, Rule
from ..core.value import Number, Value, _as_float, _data_of, _domain_error, no_grad

__all__ = ["CostTable", "Dual", "OpCount", "OpCounter", "cost_table", "count_ops", "jvp"]

_ADD, _SUB, _MUL, _DIV, _NEG = (RULES[n] for n in ("add", "sub", "mul", "div", "neg"))
_POW, _RPOW, _POWV = RULES["pow"], RULES["rpow"], RULES["powv"]


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

    Supports the same operators and methods as :class:`~autograd_scalar.Value`
    (``+ - * / **``, ``exp``, ``log``, ``sqrt``, ``tanh``, ``sigmoid``,
    ``relu``, ``sin``, ``cos``, ``abs``), so one function body runs in either
    mode. Plain numbers are constants (tangent 0); so is a :class:`Value` met
    on the right-hand side, since a Value can never depend on a Dual.

    >>> x = Dual(3.0, 1.0)      # seed dx = 1
    >>> y = x * x + x
    >>> y.primal, y.tangent     # 3² + 3 and 2·3 + 1
    (12.0, 7.0)
    """

    __slots__ = ("primal", "tangent")

    primal: float
    tangent: float

    def __init__(self, primal: Number, tangent: Number = 0.0) -> None:
        self.primal = _as_float(primal, "Dual")
        self.tangent = _as_float(tangent, "Dual")

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"

    def __bool__(self) -> bool:
        raise InvalidInputError(
            "bool", self.primal, "a Dual has no truth value; compare it (d > 0) or test d.primal"
        )

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Dual | Value | Number) -> Dual:
        return _binary(_ADD, self, _lift(other, "add"))

    def __radd__(self, other: Number) -> Dual:
        return _binary(_ADD, _lift(other, "add"), self)

    def __sub__(self, other: Dual | Value | Number) -> Dual:
        return _binary(_SUB, self, _lift(other, "sub"))

    def __rsub__(self, other: Number) -> Dual:
        return _binary(_SUB, _lift(other, "sub"), self)

    def __mul__(self, other: Dual | Value | Number) -> Dual:
        return _binary(_MUL, self, _lift(other, "mul"))

    def __rmul__(self, other: Number) -> Dual:
        return _binary(_MUL, _lift(other, "mul"), self)

    def __truediv__(self, other: Dual | Value | Number) -> Dual:
        return _binary(_DIV, self, _lift(other, "div"))

    def __rtruediv__(self, other: Number) -> Dual:
        return _binary(_DIV, _lift(other, "div"), self)

    def __neg__(self) -> Dual:
        return apply_rule(_NEG, self)

    def __pow__(self, other: Dual | Value | Number) -> Dual:
        if type(other) is Dual:
            return _binary(_POWV, self, other)
        return apply_rule(_POW, self, _data_of(other, "pow"))

    def __rpow__(self, other: Number) -> Dual:
        return apply_rule(_RPOW, self, _data_of(other, "rpow"))

    def __abs__(self) -> Dual:
        return apply_rule(RULES["abs"], self)

    # -------------------------------------------------------------- functions
    def exp(self) -> Dual:
        """eˣ"""
        return apply_rule(RULES["exp"], self)

    def log(self) -> Dual:
        """ln x"""
        return apply_rule(RULES["log"], self)

    def sqrt(self) -> Dual:
        """√x"""
        return apply_rule(RULES["sqrt"], self)

    def tanh(self) -> Dual:
        """tanh x"""
        return apply_rule(RULES["tanh"], self)

    def sigmoid(self) -> Dual:
        """σ(x)"""
        return apply_rule(RULES["sigmoid"], self)

    def relu(self) -> Dual:
        """max(x, 0)"""
        return apply_rule(RULES["relu"], self)

    def sin(self) -> Dual:
        """sin x"""
        return apply_rule(RULES["sin"], self)

    def cos(self) -> Dual:
        """cos x"""
        return apply_rule(RULES["cos"], self)

    def abs(self) -> Dual:
        """|x|"""
        return apply_rule(RULES["abs"], self)

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


def _lift(other: object, op: str) -> Dual:
    """A Dual operand: itself, or a constant (tangent 0) for a number or Value."""
    if type(other) is Dual:
        return other
    constant = Dual.__new__(Dual)
    constant.primal = other.data if isinstance(other, Value) else _as_float(other, op)
    constant.tangent = 0.0
    return constant


def apply_rule(rule: Rule, x: Dual, y: Dual | float | None = None) -> Dual:
    """Apply ``rule`` in forward mode: result and tangent from the rule's
    ``forward`` and ``local``. ``y`` is a Dual for a binary rule, the fixed
    number for a ``const_arg`` rule, ``None`` for a unary one.

    >>> apply_rule(RULES["sin"], Dual(0.0, 2.0))   # cos(0) · 2
    Dual(primal=0.0, tangent=2.0)
    """
    if rule.arity == 2 and not rule.const_arg:
        if not isinstance(y, Dual):
            raise InvalidInputError(rule.name, y, "a binary rule needs two Dual operands")
        return _binary(rule, x, y)
    a = x.primal
    args = (a,) if rule.arity == 1 else (a, y)
    try:
        out = rule.forward(*args)
    except (ValueError, ArithmeticError) as exc:
        raise _domain_error(rule, args[0] if rule.arity == 1 else args, exc, None) from None
    try:
        local = rule.local(FLOAT_MATH, a, y, out)
    except ZeroDivisionError:  # unbounded derivative, recorded as inf as in reverse mode
        local = math.inf
    result = Dual.__new__(Dual)
    result.primal = out
    result.tangent = local * x.tangent
    counter = _COUNTER.get()
    if counter is not None:
        counter.ops += 1
        counter.madds += 1
    return result


def _binary(rule: Rule, a: Dual, b: Dual) -> Dual:
    x, y = a.primal, b.primal
    try:
        out = rule.forward(x, y)
    except (ValueError, ArithmeticError) as exc:
        raise _domain_error(rule, (x, y), exc, None) from None
    try:
        dx, dy = rule.local(FLOAT_MATH, x, y, out)
    except ZeroDivisionError:
        dx, dy = math.inf, 0.0
    result = Dual.__new__(Dual)
    result.primal = out
    result.tangent = dx * a.tangent + dy * b.tangent
    counter = _COUNTER.get()
    if counter is not None:
        counter.ops += 1
        counter.madds += 2
    return result


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
    functions of :mod:`autograd_scalar.functions`; it is run once on
    :class:`Dual` numbers. A :class:`~autograd_scalar.Value` it meets (say
    ``exp(1.0)``, which is a Value) counts as a constant when it stands to the
    right of a Dual; ``Value * Dual`` is rejected by the Value, so write
    ``x * exp(1.0)`` or use plain numbers (``math.exp(1.0)``) for constants.

    >>> from autograd_scalar.functions import exp
    >>> jvp(lambda x: exp(2 * x), (0.0,), (1.0,))
    (1.0, 2.0)
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


# ------------------------------------------------------------ counting costs
@dataclass(frozen=True)
class OpCount:
    """Operations needed for the full gradient of ``f`` at one point.

    Attributes:
        n_inputs: the number of inputs ``n``.
        forward: elementary operations in one forward pass (each computes a
            result and its local derivatives, as the engine does).
        reverse: one recorded forward pass plus the reverse sweep, counted as
            its multiply-adds (one per edge of the graph with a derivative).
        forward_mode: ``n`` dual-number passes, each an elementary operation
            plus its tangent multiply-adds per node.
    """

    n_inputs: int
    forward: int
    reverse: int
    forward_mode: int

    @property
    def reverse_ratio(self) -> float:
        """Reverse mode cost, in forward passes: bounded whatever ``n`` is."""
        return self.reverse / self.forward

    @property
    def forward_mode_ratio(self) -> float:
        """Forward mode cost, in forward passes: grows like ``n``."""
        return self.forward_mode / self.forward


def count_ops(f: Callable[..., Any], point: Sequence[Number]) -> OpCount:
    """Count the operations of a full gradient of ``f`` at ``point`` in each mode.

    The forward pass and the reverse sweep are counted on the recorded graph
    (one operation per node, one multiply-add per derivative edge, which is
    exactly the work of ``backward()``); forward mode is counted as it runs.

    >>> c = count_ops(lambda x, y: x * y + x, [2.0, 3.0])
    >>> c.forward, c.reverse, c.forward_mode   # 2 ops; + 4 edges; 2 × (2 ops + 4 madds)
    (2, 6, 12)
    """
    leaves = [Value(p) for p in point]
    out = f(*leaves)
    nodes = edges = 0
    if isinstance(out, Value):
        for node in out.walk():
            if node.is_leaf:
                continue
            nodes += 1
            edges += sum(local is not None for local in node.local_grads)
    with counting() as counter:
        for i in range(len(point)):
            jvp(f, point, [1.0 if j == i else 0.0 for j in range(len(point))])
    return OpCount(len(point), nodes, nodes + edges, counter.ops + counter.madds)


@dataclass(frozen=True)
class CostTable:
    """Operation counts for several input sizes; ``print`` it for a table."""

    rows: tuple[OpCount, ...]

    def __str__(self) -> str:
        header = ("n", "forward pass", "reverse (all n)", "× fwd", "forward mode (n)", "× fwd")
        lines = [
            (
                str(r.n_inputs),
                str(r.forward),
                str(r.reverse),
                f"{r.reverse_ratio:.1f}",
                str(r.forward_mode),
                f"{r.forward_mode_ratio:.1f}",
            )
            for r in self.rows
        ]
        widths = [max(len(h), *(len(line[k]) for line in lines)) for k, h in enumerate(header)]
        rule = "  ".join("-" * w for w in widths)
        out = ["  ".join(h.rjust(w) for h, w in zip(header, widths)), rule]
        out += ["  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in lines]
        return "\n".join(out)


def cost_table(f: Callable[..., Any], *points: Sequence[Number]) -> CostTable:
    """Count the cost of a gradient in each mode, one row per point.

    Give points of different sizes to a function of any number of inputs to
    see reverse mode stay a constant number of forward passes while forward
    mode needs ``n``:

    >>> def energy(*xs):
    ...     return sum((x * x for x in xs), 0.0)
    >>> print(cost_table(energy, [1.0] * 2, [1.0] * 8, [1.0] * 32))
     n  forward pass  reverse (all n)  × fwd  forward mode (n)  × fwd
    --  ------------  ---------------  -----  ----------------  -----
     2             4               12    3.0                24    6.0
     8            16               48    3.0               384   24.0
    32            64              192    3.0              6144   96.0

    (``n`` products and ``n`` sums: ``2n`` operations with two operands each,
    so ``4n`` multiply-adds backwards; forward mode repeats all ``6n`` per input.)
    """
    return CostTable(tuple(count_ops(f, p) for p in points))
