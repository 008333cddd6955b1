"""Counting the work of a gradient in each mode: the lecture notes' argument.

Reverse mode costs about three forward passes whatever the number of inputs
``n``; forward mode needs ``n`` passes. :func:`count_ops` counts both on a real
function, :func:`cost_table` prints them side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.value import Number, Value
from .forward import counting, jvp

__all__ = ["CostTable", "OpCount", "cost_table", "count_ops"]


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
