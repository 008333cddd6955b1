"""Hypothesis strategies for property-testing derivatives.

Requires ``hypothesis`` (``pip install "autograd_scalar[test]"``).

* :func:`op_inputs` draws floats where an operation is smooth (``log`` gets
  positive numbers, ``relu`` and ``abs`` stay away from their kink at 0).
* :func:`expressions` draws random expression graphs over several inputs that
  reuse intermediate nodes and use every operation in ``RULES``, in forms
  that stay inside each operation's domain (``log(x² + 1)``, ``a / (1 + b²)``).

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
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from .engine import Value, no_grad

__all__ = [
    "KINKED_OPS",
    "SMOOTH_DOMAINS",
    "Expression",
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


def op_inputs(op: str, *, kink_margin: float = 1e-3) -> st.SearchStrategy[float]:
    """Finite floats where the unary operation ``op`` is smooth."""
    low, high = SMOOTH_DOMAINS[op]
    strategy = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if op in KINKED_OPS:
        strategy = strategy.filter(lambda x: abs(x) > kink_margin)
    return strategy


def central_difference(
    f: Callable[..., float], point: Sequence[float], index: int, eps: float = 1e-6
) -> float:
    """(f(x + h) - f(x - h)) / 2h in coordinate ``index``, h scaled to |x|."""
    h = eps * max(1.0, abs(point[index]))
    up = list(point)
    down = list(point)
    up[index] += h
    down[index] -= h
    return (f(*up) - f(*down)) / (2.0 * h)


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

    def __call__(self, *args: Value | float) -> Value:
        if len(args) != self.n_inputs:
            raise TypeError(f"expression takes {self.n_inputs} inputs, got {len(args)}")
        values: list[Any] = [a if isinstance(a, Value) else Value(a) for a in args]
        for name, operands in self.steps:
            values.append(_STEPS[name][1](*(values[i] for i in operands)))
        out: Value = values[-1] + values[-2]
        return out

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
                values.append(_STEPS[name][1](*(values[i] for i in operands)))
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
    ops: Sequence[str] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    kink_margin: float = 1e-3,
) -> Expression:
    """Random expression graphs with reused nodes, every operation included.

    Args:
        ops: restrict the operations (names as in :data:`RULES`, plus
            ``"pow3"``); all by default.
        low, high: the range of the drawn input point.
        kink_margin: reject points where a ``relu`` or ``abs`` input is
            closer than this to 0, where no derivative exists.
    """
    names = list(ops) if ops is not None else _STEP_NAMES
    unknown = [n for n in names if n not in _STEPS]
    if unknown:
        raise ValueError(f"unknown ops {unknown}; choose from {_STEP_NAMES}")
    n_inputs = draw(st.integers(min_inputs, max_inputs))
    n_steps = draw(st.integers(1, max_steps))
    steps = []
    for k in range(n_steps):
        name = draw(st.sampled_from(names))
        arity = _STEPS[name][0]
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
