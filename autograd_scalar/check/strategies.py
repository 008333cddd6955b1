"""Hypothesis strategies for property-testing derivatives, drawn from the rule table.

Requires ``hypothesis`` (``pip install "autograd_scalar[test]"``).

Everything here reads each rule's :class:`~autograd_scalar.core.rules.Domain`,
so a new rule (built in, or made with :func:`autograd_scalar.define_op`) is
drawn from with no edit here:

* :func:`op_inputs` / :func:`binary_op_inputs` / :func:`operands` draw points
  where an operation is smooth (``domain.draw``, away from ``domain.kinks``),
  for comparisons with central differences;
* :func:`edge_operands` draws from the interesting region too: zeros of both
  signs, the kinks, tiny and huge magnitudes, anywhere the rule is defined
  (``domain.outside``), for comparisons that need no finite differences
  (reverse against forward mode, the engine against the replay);
* :func:`expressions` draws random expression graphs over several inputs that
  reuse intermediate nodes, use every operation in ``RULES`` and squash each
  operand into the operation's drawing interval, so they neither raise nor
  overflow;
* :func:`central_difference` is the numeric derivative they are compared with.

Expressions run on :class:`~autograd_scalar.Value` nodes and on forward-mode
:class:`~autograd_scalar.transforms.forward.Dual` numbers alike.

Testing a new operation takes three lines (see :mod:`autograd_scalar.core.extend`)::

    @given(op_inputs(softplus))
    def test_softplus(x):
        assert gradcheck(softplus, x) and gradgradcheck(softplus, x)

>>> from hypothesis import given
>>> @given(expressions())
... def test_something(expr):
...     out = expr(*expr.point)   # a Value
...     out.backward()
>>> test_something()
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from hypothesis import assume
from hypothesis import strategies as st

from ..core.extend import CustomOp
from ..core.functions import call
from ..core.maths import FLOAT_MATH
from ..core.modes import no_grad
from ..core.rules import BUILTIN, RULES, Interval, Rule
from ..core.value import Value
from ..transforms.forward import Dual
from .gradcheck import central_difference

__all__ = [
    "BINARY_DOMAINS",
    "EDGE_POINTS",
    "EXPRESSION_OPS",
    "KINKED_OPS",
    "SMOOTH_DOMAINS",
    "Expression",
    "binary_op_inputs",
    "central_difference",
    "edge_operands",
    "expressions",
    "op_inputs",
    "operands",
]

_BUILTIN_RULES = [RULES[name] for name in sorted(BUILTIN)]

#: Per built-in one-operand operation, the interval its property tests draw from.
SMOOTH_DOMAINS: dict[str, Interval] = {
    r.name: r.domain.draw[0][0] for r in _BUILTIN_RULES if r.arity == 1
}

#: Per built-in two-operand operation, the intervals of x and of y (for
#: ``pow`` y is the fixed exponent, for ``rpow`` the fixed base); the last
#: interval of a union (a divisor's positive side).
BINARY_DOMAINS: dict[str, tuple[Interval, Interval]] = {
    r.name: (r.domain.draw[0][-1], r.domain.draw[1][-1]) for r in _BUILTIN_RULES if r.arity == 2
}

#: Built-in operations with a kink, where no derivative exists.
KINKED_OPS = frozenset(r.name for r in _BUILTIN_RULES if r.domain.kinks)

#: The operations :func:`expressions` uses by default: every built-in rule.
EXPRESSION_OPS: tuple[str, ...] = tuple(sorted(BUILTIN))

#: Operand values where engines most often disagree: signed zeros, the
#: smallest and largest floats, just past 1, and ordinary numbers.
EDGE_POINTS: tuple[float, ...] = (
    0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0,
    1.0 + 2.0**-52, 2.0, -2.0, 3.0, -3.0, 1e8, -1e8, 700.0, -745.0, 1e300, -1e300,
)  # fmt: skip


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _rule(op: str | CustomOp | Rule, arity: int | None = None) -> Rule:
    if isinstance(op, Rule):
        rule = op
    elif isinstance(op, CustomOp):
        rule = op.rule
    elif isinstance(op, str) and op in RULES:
        rule = RULES[op]
    else:
        raise ValueError(f"no rule named {op!r}; choose from {sorted(RULES)}")
    if arity is not None and rule.arity != arity:
        raise ValueError(f"{rule.name} takes {rule.arity} operand(s), not {arity}")
    return rule


def _drawn(intervals: tuple[Interval, ...]) -> st.SearchStrategy[float]:
    return st.one_of(*(_floats(low, high) for low, high in intervals))


def _away_from_kinks(rule: Rule, margin: float) -> Any:
    return lambda xs: all(abs(xs[0] - k) > margin for k in rule.domain.kinks)


def operands(
    op: str | CustomOp | Rule, *, kink_margin: float = 1e-3
) -> st.SearchStrategy[tuple[float, ...]]:
    """Operand tuples where ``op`` is smooth: drawn from ``domain.draw``, away
    from ``domain.kinks`` by ``kink_margin``."""
    rule = _rule(op)
    strategy = st.tuples(*(_drawn(rule.domain.draw[k]) for k in range(rule.arity)))
    if rule.domain.kinks:
        strategy = strategy.filter(_away_from_kinks(rule, kink_margin))
    return strategy


def op_inputs(op: str | CustomOp, *, kink_margin: float = 1e-3) -> st.SearchStrategy[float]:
    """Finite floats where the one-operand operation ``op`` is smooth.

    >>> from hypothesis import given
    >>> @given(op_inputs("log"))
    ... def test_log_is_defined(x):
    ...     assert x > 0
    >>> test_log_is_defined()
    """
    return operands(_rule(op, 1), kink_margin=kink_margin).map(lambda xs: xs[0])


def binary_op_inputs(op: str | CustomOp) -> st.SearchStrategy[tuple[float, float]]:
    """Pairs ``(x, y)`` where the two-operand operation ``op`` is smooth.

    >>> from hypothesis import given
    >>> @given(binary_op_inputs("div"))
    ... def test_divisor_is_away_from_zero(xy):
    ...     assert abs(xy[1]) >= 0.1
    >>> test_divisor_is_away_from_zero()
    """
    return operands(_rule(op, 2)).map(lambda xs: (xs[0], xs[1]))


def edge_operands(
    op: str | CustomOp | Rule, *, non_finite: bool = False
) -> st.SearchStrategy[tuple[float, ...]]:
    """Operand tuples anywhere ``op`` is defined, biased to :data:`EDGE_POINTS`,
    its kinks and its drawing intervals' ends; with ``non_finite``, also
    ``inf``, ``-inf`` and NaN (which a Value may hold). The operation may still
    overflow or divide by zero there: compare errors as well as values."""
    rule = _rule(op)
    outside = rule.domain.outside
    extra = [math.inf, -math.inf, math.nan] if non_finite else []

    def one(k: int) -> st.SearchStrategy[float]:
        ends = [x for interval in rule.domain.draw[k] for x in interval]
        points = sorted({*EDGE_POINTS, *rule.domain.kinks, *ends}) + extra
        special = st.sampled_from(points)
        anywhere = st.floats(allow_nan=False, allow_infinity=False)
        return st.one_of(special, special, anywhere)

    strategy = st.tuples(*(one(k) for k in range(rule.arity)))
    if outside is not None:
        strategy = strategy.filter(lambda xs: not outside(FLOAT_MATH, *xs))
    return strategy


# ---------------------------------------------------------------- expressions
_MODERATE = 2.0


def _squash(a: Any, interval: Interval) -> Any:
    """``a`` moved smoothly into ``interval``, cut to [-2, 2] where it overlaps
    it (so that chains of steps stay moderate, neither saturating nor
    overflowing): ``mid + half · tanh((a - mid) / half)``, close to ``a`` near
    the middle."""
    low, high = interval
    if low < _MODERATE and high > -_MODERATE:
        low, high = max(low, -_MODERATE), min(high, _MODERATE)
    mid, half = (low + high) / 2.0, (high - low) / 2.0
    return mid + half * ((a - mid) / half).tanh()


def _apply(rule: Rule, args: Sequence[Any], fixed: float | None) -> Any:
    """One step: the differentiated operands squashed into the rule's drawing
    interval, a fixed operand as drawn."""
    operands_: list[Any] = []
    it = iter(args)
    for k, differentiated in enumerate(rule.differentiable):
        if differentiated:
            operands_.append(_squash(next(it), rule.domain.draw[k][-1]))
        else:
            operands_.append(fixed)
    return call(rule, *operands_)


@dataclass(frozen=True)
class Expression:
    """A random expression graph: a straight-line program over ``n_inputs``.

    Each step applies one operation to earlier results (inputs included), so
    results are reused: the graph is a DAG, not a tree. The output is the
    sum of the last two results, so more than one path usually leads to an
    input. Call it with Values (or numbers) to build the graph.

    Attributes:
        n_inputs: how many arguments it takes.
        steps: ``(op, operand indices)`` per step; index ``i < n_inputs`` is
            an input, larger ones earlier steps.
        point: a drawn input point, away from every kink.
        fixed: per step, the fixed operand of a rule that has one (the
            exponent of ``x ** n``), else ``None``.
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    point: tuple[float, ...]
    fixed: tuple[float | None, ...] = ()

    def _fixed(self, k: int) -> float | None:
        return self.fixed[k] if k < len(self.fixed) else None

    @overload
    def __call__(self, *args: Value | float) -> Value: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Dual | float) -> Dual: ...
    def __call__(self, *args: Any) -> Any:
        if len(args) != self.n_inputs:
            raise TypeError(f"expression takes {self.n_inputs} inputs, got {len(args)}")
        values: list[Any] = [a if isinstance(a, (Value, Dual)) else Value(a) for a in args]
        for k, (name, operand_indices) in enumerate(self.steps):
            args_k = [values[i] for i in operand_indices]
            values.append(_apply(RULES[name], args_k, self._fixed(k)))
        return values[-1] + values[-2]

    def evaluate(self, *args: float) -> float:
        """The output's value for plain numbers (builds no graph)."""
        with no_grad():
            return self(*args).data

    def kink_distance(self, *args: float) -> float:
        """How close any kinked operation's operand comes to a kink at ``args``."""
        values: list[Any] = [Value(a) for a in args]
        closest = math.inf
        with no_grad():
            for k, (name, operand_indices) in enumerate(self.steps):
                rule = RULES[name]
                args_k = [values[i] for i in operand_indices]
                if rule.domain.kinks:
                    squashed = _squash(args_k[0], rule.domain.draw[0][-1]).data
                    closest = min(closest, *(abs(squashed - c) for c in rule.domain.kinks))
                values.append(_apply(rule, args_k, self._fixed(k)))
        return closest

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)] + [f"v{k}" for k in range(len(self.steps))]
        lines = []
        for k, (name, operand_indices) in enumerate(self.steps):
            shown = [names[i] for i in operand_indices]
            if self._fixed(k) is not None:
                shown.append(repr(self._fixed(k)))
            lines.append(f"v{k} = {name}({', '.join(shown)})")
        return "; ".join(lines) + f"; out = {names[-1]} + {names[-2]}"


@st.composite
def expressions(
    draw: st.DrawFn,
    *,
    min_inputs: int = 1,
    max_inputs: int = 3,
    max_steps: int = 8,
    ops: Sequence[str | CustomOp] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    kink_margin: float = 1e-3,
) -> Expression:
    """Random expression graphs with reused nodes, every operation included.

    Args:
        ops: the operations to use: rule names and operations made with
            :func:`~autograd_scalar.core.extend.define_op`; all built-in ones
            by default.
        low, high: the range of the drawn input point.
        kink_margin: reject points where a kinked operation's operand is
            closer than this to its kink, where no derivative exists.
    """
    rules = [_rule(op) for op in ops] if ops else [RULES[name] for name in EXPRESSION_OPS]
    n_inputs = draw(st.integers(min_inputs, max_inputs))
    n_steps = draw(st.integers(1, max_steps))
    steps = []
    fixed: list[float | None] = []
    for k in range(n_steps):
        rule = draw(st.sampled_from(rules))
        available = n_inputs + k
        # Favour recent results, so graphs are deep as well as wide.
        operand_indices = tuple(
            draw(st.one_of(st.integers(max(0, available - 2), available - 1),
                           st.integers(0, available - 1)))
            for _ in range(sum(rule.differentiable))
        )  # fmt: skip
        steps.append((rule.name, operand_indices))
        fixed.append(
            draw(_drawn(rule.domain.draw[1]))
            if rule.arity == 2 and not rule.differentiable[1]
            else None
        )
    point = tuple(draw(_floats(low, high)) for _ in range(n_inputs))
    expr = Expression(n_inputs, tuple(steps), point, tuple(fixed))
    assume(expr.kink_distance(*point) > kink_margin)
    return expr
