"""Hypothesis strategies for property-testing derivatives.

Requires ``hypothesis`` (``pip install "autograd_scalar[test]"``).

* :func:`op_inputs` draws floats where an operation is smooth (``log`` gets
  positive numbers, ``relu`` and ``abs`` stay away from their kink at 0).
* :func:`binary_op_inputs` draws operand pairs where a two-operand operation
  is smooth (a divisor away from 0, a positive base for ``x ** y``).
* :func:`expressions` draws random expression graphs over several inputs that
  reuse intermediate nodes and use every operation in ``RULES``, in forms
  that stay inside each operation's domain (``log(x² + 1)``, ``a / (1 + b²)``).
  Operations made with :func:`autograd_scalar.custom.define_op` can join in.
* :func:`central_difference` is the numeric derivative they are compared with.

Expressions run on :class:`~autograd_scalar.Value` nodes and on forward-mode
:class:`~autograd_scalar.forward.Dual` numbers alike.

Testing a new operation takes three lines (see :mod:`autograd_scalar.custom`)::

    @given(op_inputs(softplus))
    def test_softplus(x):
        assert gradcheck(softplus, x) and gradgradcheck(softplus, x)

>>> from hypothesis import given
>>> from autograd_scalar.testing import expressions
>>> @given(expressions())
... def test_something(expr):
...     out = expr(*expr.point)   # a Value
...     out.backward()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, overload

from hypothesis import assume
from hypothesis import strategies as st

from ..core.extend import CUSTOM_OPS, CustomOp
from ..core.value import Value, no_grad
from ..transforms.forward import Dual
from .gradcheck import central_difference

__all__ = [
    "BINARY_DOMAINS",
    "EXPRESSION_OPS",
    "KINKED_OPS",
    "SMOOTH_DOMAINS",
    "Expression",
    "binary_op_inputs",
    "central_difference",
    "expressions",
    "op_inputs",
]

#: Per operation, the closed interval of x its property tests draw from:
#: where it is smooth, and small enough that central differences are accurate.
SMOOTH_DOMAINS: dict[str, tuple[float, float]] = {
    "neg": (-10.0, 10.0),
    "exp": (-10.0, 10.0),
    "log": (1e-2, 100.0),
    "sqrt": (1e-2, 100.0),
    "tanh": (-5.0, 5.0),
    "sigmoid": (-10.0, 10.0),
    "relu": (-10.0, 10.0),
    "sin": (-10.0, 10.0),
    "cos": (-10.0, 10.0),
    "abs": (-10.0, 10.0),
}

#: Operations with a kink at 0 where no derivative exists.
KINKED_OPS = frozenset({"relu", "abs"})


#: Per two-operand operation, the intervals of x and of y its property tests
#: draw from (for ``pow`` y is the fixed exponent, for ``rpow`` the fixed base).
BINARY_DOMAINS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "add": ((-10.0, 10.0), (-10.0, 10.0)),
    "sub": ((-10.0, 10.0), (-10.0, 10.0)),
    "mul": ((-10.0, 10.0), (-10.0, 10.0)),
    "div": ((-10.0, 10.0), (0.1, 10.0)),  # y is drawn with either sign, |y| ≥ 0.1
    "pow": ((0.1, 5.0), (-3.0, 3.0)),
    "rpow": ((-5.0, 5.0), (0.1, 10.0)),
    "powv": ((0.1, 5.0), (-3.0, 3.0)),
}


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _custom(op: str | CustomOp) -> CustomOp | None:
    if isinstance(op, CustomOp):
        return op
    return CUSTOM_OPS.get(op)


def op_inputs(op: str | CustomOp, *, kink_margin: float = 1e-3) -> st.SearchStrategy[float]:
    """Finite floats where the unary operation ``op`` is smooth.

    ``op`` is a name from :data:`SMOOTH_DOMAINS`, or an operation made with
    :func:`~autograd_scalar.custom.define_op` (drawn from its ``interval``).

    >>> from hypothesis import given
    >>> @given(op_inputs("log"))
    ... def test_log_is_defined(x):
    ...     assert x > 0
    >>> test_log_is_defined()
    """
    custom = _custom(op)
    if custom is not None:
        return _floats(*custom.interval)
    if not isinstance(op, str) or op not in SMOOTH_DOMAINS:
        raise ValueError(f"no smooth domain for {op!r}; choose from {sorted(SMOOTH_DOMAINS)}")
    low, high = SMOOTH_DOMAINS[op]
    strategy = _floats(low, high)
    if op in KINKED_OPS:
        strategy = strategy.filter(lambda x: abs(x) > kink_margin)
    return strategy


def binary_op_inputs(op: str | CustomOp) -> st.SearchStrategy[tuple[float, float]]:
    """Pairs ``(x, y)`` where the two-operand operation ``op`` is smooth.

    >>> from hypothesis import given
    >>> @given(binary_op_inputs("div"))
    ... def test_divisor_is_away_from_zero(xy):
    ...     assert abs(xy[1]) >= 0.1
    >>> test_divisor_is_away_from_zero()
    """
    custom = _custom(op)
    if custom is not None:
        return st.tuples(_floats(*custom.interval), _floats(*custom.interval))
    if not isinstance(op, str) or op not in BINARY_DOMAINS:
        raise ValueError(f"no smooth domain for {op!r}; choose from {sorted(BINARY_DOMAINS)}")
    (xlow, xhigh), (ylow, yhigh) = BINARY_DOMAINS[op]
    y = _floats(ylow, yhigh)
    if op == "div":
        y = st.one_of(y, y.map(lambda v: -v))
    return st.tuples(_floats(xlow, xhigh), y)


# Each step: (name, arity, how to apply it). The forms keep every operation
# inside its domain for any finite input, and bounded, so random graphs
# neither raise nor overflow.
_STEPS: dict[str, tuple[int, Callable[..., Value]]] = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (1.0 + b * b)),
    "neg": (1, lambda a: -a),
    "pow": (1, lambda a: a**2),
    "pow3": (1, lambda a: a.tanh() ** 3),
    "rpow": (1, lambda a: 2.0 ** a.tanh()),
    "powv": (2, lambda a, b: (a * a + 1.0) ** b.tanh()),
    "exp": (1, lambda a: a.tanh().exp()),
    "log": (1, lambda a: (a * a + 1.0).log()),
    "sqrt": (1, lambda a: (a * a + 0.25).sqrt()),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "relu": (1, lambda a: a.relu()),
    "sin": (1, lambda a: a.sin()),
    "cos": (1, lambda a: a.cos()),
    "abs": (1, lambda a: abs(a)),
}
_STEP_NAMES = sorted(_STEPS)

#: The operations :func:`expressions` uses by default (``RULES`` names, plus
#: ``"pow3"``, a cube). Add custom ops with ``ops=[*EXPRESSION_OPS, my_op]``.
EXPRESSION_OPS: tuple[str, ...] = tuple(_STEP_NAMES)


def _step(name: str) -> tuple[int, Callable[..., Any]]:
    """How an expression applies the operation ``name``. A custom operation
    gets its operands squashed into its smooth interval by a sigmoid, so it
    is always applied where it is defined."""
    if name in _STEPS:
        return _STEPS[name]
    op = CUSTOM_OPS[name]
    low, high = op.interval
    width = high - low

    def inside(a: Any) -> Any:
        return low + width * a.sigmoid()

    if op.arity == 1:
        return 1, lambda a: op(inside(a))
    return 2, lambda a, b: op(inside(a), inside(b))


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
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    point: tuple[float, ...]

    @overload
    def __call__(self, *args: Value | float) -> Value: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Dual | float) -> Dual: ...
    def __call__(self, *args: Any) -> Any:
        if len(args) != self.n_inputs:
            raise TypeError(f"expression takes {self.n_inputs} inputs, got {len(args)}")
        values: list[Any] = [a if isinstance(a, (Value, Dual)) else Value(a) for a in args]
        for name, operands in self.steps:
            values.append(_step(name)[1](*(values[i] for i in operands)))
        return values[-1] + values[-2]

    def evaluate(self, *args: float) -> float:
        """The output's value for plain numbers (builds no graph)."""
        with no_grad():
            return self(*args).data

    def kink_distance(self, *args: float) -> float:
        """How close any ``relu`` or ``abs`` input comes to 0 at ``args``."""
        values: list[Any] = [Value(a) for a in args]
        closest = math.inf
        with no_grad():
            for name, operands in self.steps:
                if name in KINKED_OPS:
                    closest = min(closest, abs(values[operands[0]].data))
                values.append(_step(name)[1](*(values[i] for i in operands)))
        return closest

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)] + [f"v{k}" for k in range(len(self.steps))]
        lines = [
            f"v{k} = {name}({', '.join(names[i] for i in operands)})"
            for k, (name, operands) in enumerate(self.steps)
        ]
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
        ops: the operations to use: names from :data:`EXPRESSION_OPS`, and
            operations made with :func:`~autograd_scalar.custom.define_op`;
            all built-in ones by default.
        low, high: the range of the drawn input point.
        kink_margin: reject points where a ``relu`` or ``abs`` input is
            closer than this to 0, where no derivative exists.
    """
    names = [op.name if isinstance(op, CustomOp) else op for op in ops] if ops else _STEP_NAMES
    unknown = [n for n in names if n not in _STEPS and n not in CUSTOM_OPS]
    if unknown:
        raise ValueError(f"unknown ops {unknown}; choose from {_STEP_NAMES} or custom ops")
    n_inputs = draw(st.integers(min_inputs, max_inputs))
    n_steps = draw(st.integers(1, max_steps))
    steps = []
    for k in range(n_steps):
        name = draw(st.sampled_from(names))
        arity = _step(name)[0]
        available = n_inputs + k
        # Favour recent results, so graphs are deep as well as wide.
        operands = tuple(
            draw(st.one_of(st.integers(max(0, available - 2), available - 1),
                           st.integers(0, available - 1)))
            for _ in range(arity)
        )  # fmt: skip
        steps.append((name, operands))
    point = tuple(
        draw(st.floats(low, high, allow_nan=False, allow_infinity=False)) for _ in range(n_inputs)
    )
    expr = Expression(n_inputs, tuple(steps), point)
    assume(expr.kink_distance(*point) > kink_margin)
    return expr
