"""Gradient checking: compare the engine's derivatives with finite differences.

:func:`gradcheck` computes every first derivative three ways (reverse mode,
forward mode, central differences) and :func:`gradgradcheck` every second
derivative two ways (reverse over reverse, and central differences of the
reverse-mode gradient). On disagreement they raise :class:`GradcheckError`
whose message is a table, one row per derivative, that shows where.

The numeric derivative (:func:`finite_differences`) tries an absolute step
``1e-6`` and a step relative to ``|x|``, central or, next to the edge of the
domain, one-sided, and keeps the one with the smallest error bound (rounding
plus truncation). A derivative passes within ``1e-3·|numeric|`` plus twice that
bound plus ``1e-5 / max(1, |x|)``: correct rules pass from ``|x| = 1e-6`` to
``1e6``, and a derivative 1% off fails there. A point where no stencil fits the
domain is a failing row that says why, never a crash.

>>> from autograd_scalar.functions import sin
>>> gradcheck(lambda x, y: x * sin(y), 0.5, -1.2)
True
>>> gradgradcheck(lambda x, y: x * sin(y), 0.5, -1.2)
True
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.checks import real_number
from ..core.errors import AutogradError
from ..core.modes import no_grad
from ..core.value import Number, Value
from ..transforms.forward import jvp
from ..transforms.functional import grad, hessian

__all__ = [
    "Estimate",
    "GradcheckError",
    "Mismatch",
    "central_difference",
    "finite_differences",
    "gradcheck",
    "gradgradcheck",
]


@dataclass(frozen=True)
class Mismatch:
    """One derivative compared: a row of the report.

    Attributes:
        name: which derivative (``"x"``, or ``"∂²/∂x∂y"``).
        point: the input value(s) it was taken at.
        analytic: the reverse-mode value.
        numeric: the central-difference value.
        forward: the forward-mode value (``None`` for second derivatives).
        ok: whether it passed.
        reason: why a row failed without a comparison (the finite-difference
            stencil left the function's domain), else ``None``.
    """

    name: str
    point: float
    analytic: float
    numeric: float
    forward: float | None
    ok: bool
    reason: str | None = None

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        scale = abs(self.numeric)
        return self.abs_error / scale if scale > 0.0 else (0.0 if self.abs_error == 0 else math.inf)


class GradcheckError(AutogradError, AssertionError):
    """A gradient check failed; the message is a table of every derivative.

    Attributes:
        rows: every :class:`Mismatch` compared (passing rows included).
        failures: the rows that failed.
    """

    def __init__(self, op: str, title: str, rows: Sequence[Mismatch]) -> None:
        self.rows = tuple(rows)
        self.failures = tuple(r for r in rows if not r.ok)
        super().__init__(op, [r.name for r in self.failures], f"{title}\n{format_table(rows)}")


def format_table(rows: Sequence[Mismatch]) -> str:
    """The rows as an aligned text table."""
    header = ["input", "value", "analytic", "forward", "numeric", "abs error", "rel error", "check"]
    lines = [
        [
            r.name,
            f"{r.point:.6g}",
            f"{r.analytic:.10g}",
            "" if r.forward is None else f"{r.forward:.10g}",
            f"{r.numeric:.10g}",
            f"{r.abs_error:.3g}",
            f"{r.rel_error:.3g}",
            "ok" if r.ok else "FAIL",
        ]
        for r in rows
    ]
    if all(r.forward is None for r in rows):  # not compared with forward mode: no column
        del header[3]
        for line in lines:
            del line[3]
    if any(r.reason for r in rows):
        header.append("why")
        for line, r in zip(lines, rows):
            line.append(r.reason or "")
    widths = [max(len(h), *(len(line[k]) for line in lines)) for k, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths).rstrip())
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    return "\n".join(out)


def central_difference(
    f: Callable[..., float], point: Sequence[float], index: int, eps: float = 1e-6
) -> float:
    """(f(x + h) - f(x - h)) / 2h in coordinate ``index``, h scaled to |x|.

    >>> round(central_difference(lambda x, y: x * y, [3.0, 4.0], 0), 6)
    4.0
    """
    h = eps * max(1.0, abs(point[index]))
    up = list(point)
    down = list(point)
    up[index] += h
    down[index] -= h
    return (f(*up) - f(*down)) / (2.0 * h)


@dataclass(frozen=True)
class Estimate:
    """The finite-difference estimate of one derivative, and how far off it may be.

    Attributes:
        value: the estimate (NaN when no stencil fitted the domain).
        error: a bound on its error: rounding (float precision of ``f``
            over the step) plus truncation (how much halving the step moved it).
        reason: when there is no estimate, why (the error the function raised).
    """

    value: float
    error: float
    reason: str | None = None


_EPS = 2.0**-52


def _stencil(
    f: Callable[..., float], point: Sequence[float], index: int, h: float, side: int
) -> tuple[float, float]:
    """A second-order difference with step ``h`` and its rounding error:
    central (``side`` 0), or one-sided towards ``side`` (±1) next to the
    domain's edge. The step actually taken is what the floats represent
    (``(x + h) - x``), so that large ``x`` do not bias it."""
    x = point[index]

    def at(k: int) -> float:
        moved = list(point)
        moved[index] = x + k * h
        return f(*moved)

    if side == 0:
        up, down = at(1), at(-1)
        step = (x + h) - (x - h)
        return (up - down) / step, 2.0 * _EPS * (abs(up) + abs(down)) / abs(step)
    f0, f1, f2 = at(0), at(side), at(2 * side)
    step = 2.0 * ((x + side * h) - x)
    return (-3.0 * f0 + 4.0 * f1 - f2) / step, 2.0 * _EPS * (
        3.0 * abs(f0) + 4.0 * abs(f1) + abs(f2)
    ) / abs(step)


def _with_error(
    f: Callable[..., float], point: Sequence[float], index: int, h: float, side: int
) -> Estimate:
    coarse, _ = _stencil(f, point, index, h, side)
    fine, rounding = _stencil(f, point, index, h / 2.0, side)
    # a second-order difference: halving h divides its error by 4, so the
    # finer one is off by about a third of the change
    return Estimate(fine, rounding + abs(coarse - fine) / 3.0)


def finite_differences(
    f: Callable[..., float], point: Sequence[float], index: int, eps: float = 1e-6
) -> Estimate:
    """The most accurate finite-difference estimate of ∂f/∂x_index at ``point``.

    No one step suits every function at every magnitude: an absolute step
    ``eps`` (PyTorch's choice) is right for ``sin`` at 1e6, where a step
    proportional to ``x`` would be 1 and badly inaccurate; a relative step
    ``eps·|x|`` is right for ``log`` at 1e6 (whose derivative is 1e-6, below
    the rounding error of the absolute step) and at 5e-7, where ``x ± eps``
    leaves the domain. Both are tried, central first, one-sided where the
    central stencil leaves the domain; each comes with an error bound, and
    the estimate with the smallest bound is kept.
    """
    x = point[index]
    # a step too small to move x (a relative one at a subnormal x) is no step
    steps = [h for h in dict.fromkeys((eps, abs(x) * eps)) if x + h / 2.0 != x]
    best: Estimate | None = None
    reason = None
    for h in steps:
        for side in (0, 1, -1):
            try:
                estimate = _with_error(f, point, index, h, side)
            except AutogradError as exc:
                reason = f"the stencil x ± {h:.3g} leaves the domain: {exc}"
                continue
            if math.isfinite(estimate.error) and (best is None or _rank(estimate) < _rank(best)):
                best = estimate
            break
    return best if best is not None else Estimate(math.nan, math.inf, reason)


def _rank(estimate: Estimate) -> tuple[bool, float]:
    """Smallest error bound first, but an estimate of exactly 0 after every
    other: its values were all equal (often all 0), which bounds the rounding
    error by 0 only because it cannot see the error ``f`` made computing them
    (``-2 + 2·exp(2x)`` near 0 is 0 with an error of 2⁻⁵¹). A tiny relative
    step would then claim ``f′ = 0`` exactly where the derivative is 4."""
    return estimate.value == 0.0, estimate.error


def _floats(inputs: Sequence[Any], op: str) -> list[float]:
    return [x.data if isinstance(x, Value) else real_number(x, op) for x in inputs]


def _evaluate(f: Callable[..., Any]) -> Callable[..., float]:
    """``f`` at a point, as a float. The arguments are passed as Values (but
    no graph is built), so ``f`` may use methods such as ``x.tanh()``."""

    def value(*args: float) -> float:
        with no_grad():
            out = f(*(Value(a) for a in args))
        return out.data if isinstance(out, Value) else float(out)

    return value


def _names(f: Callable[..., Any], n: int) -> list[str]:
    """The parameter names of ``f`` where it has them, else x0, x1..."""
    try:
        params = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [f"x{i}" for i in range(n)]


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= atol + rtol * abs(b)


def _compare(
    name: str, x: float, analytic: float, estimate: Estimate, atol: float, rtol: float
) -> Mismatch:
    """A row: the analytic value against the finite-difference estimate,
    within ``rtol`` of it, plus twice the estimate's own error bound, plus
    ``atol`` scaled to the input (``atol / max(1, |x|)``: the error allowed in
    ``x·f′``, the size a derivative's mistakes show at large ``x``)."""
    numeric = estimate.value
    tolerance = atol / max(1.0, abs(x)) + 2.0 * estimate.error
    ok = estimate.reason is None and _close(analytic, numeric, tolerance, rtol)
    return Mismatch(name, x, analytic, numeric, None, ok, estimate.reason)


def _fname(f: Callable[..., Any]) -> str:
    return str(getattr(f, "__name__", "f"))


def gradcheck(
    f: Callable[..., Any],
    *inputs: Number | Value,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    check_forward: bool = True,
) -> bool:
    """Check every first derivative of ``f`` at ``inputs``; return True or raise.

    Reverse mode must agree with central differences, and forward mode
    (``check_forward``) with reverse mode, within ``atol + rtol·|reference|``.

    Raises:
        GradcheckError: a table of input, analytic (reverse), forward,
            numeric, absolute and relative error, for every input.

    A deliberately wrong derivative (``cos`` claiming ``sin``) is caught:

    >>> import math
    >>> from autograd_scalar.core.extend import define_op, remove_op
    >>> bad_cos = define_op("bad_cos", math.cos, lambda m, x, y, out: m.sin(x))
    >>> gradcheck(bad_cos, 1.0, check_forward=False)
    Traceback (most recent call last):
    ...
    autograd_scalar.check.gradcheck.GradcheckError: gradcheck: the derivatives of bad_cos disagree \
with central differences (eps=1e-06, atol=1e-05, rtol=0.001)
    input  value  analytic      numeric        abs error  rel error  check
    -----  -----  ------------  -------------  ---------  ---------  -----
    x      1      0.8414709848  -0.8414709849  1.68       2          FAIL
    >>> remove_op("bad_cos")
    """
    point = _floats(inputs, "gradcheck")
    n = len(point)
    names = _names(f, n)
    analytic = list(grad(f, argnums=tuple(range(n)))(*point)) if n else []
    value = _evaluate(f)
    rows = []
    for i in range(n):
        row = _compare(
            names[i], point[i], analytic[i], finite_differences(value, point, i, eps), atol, rtol
        )
        if check_forward:
            tangent = [1.0 if j == i else 0.0 for j in range(n)]
            forward = jvp(f, point, tangent)[1]
            ok = row.ok and _close(forward, analytic[i], atol, rtol)
            row = dataclasses.replace(row, forward=forward, ok=ok)
        rows.append(row)
    if not all(r.ok for r in rows):
        raise GradcheckError(
            "gradcheck",
            f"the derivatives of {_fname(f)} disagree with central differences"
            f"{' or forward mode' if check_forward else ''} (eps={eps}, atol={atol}, rtol={rtol})",
            rows,
        )
    return True


def gradgradcheck(
    f: Callable[..., Any],
    *inputs: Number | Value,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check every second derivative of ``f`` at ``inputs``; return True or raise.

    The Hessian from reverse over reverse (``backward`` recorded, then
    differentiated) must agree with central differences of the reverse-mode
    gradient, and be symmetric.

    Raises:
        GradcheckError: a table with one row per ``∂²f/∂xᵢ∂xⱼ``.

    >>> gradgradcheck(lambda x, y: x * x * y + y ** 3, 1.5, -0.5)
    True
    """
    point = _floats(inputs, "gradgradcheck")
    n = len(point)
    names = _names(f, n)
    h = hessian(f)(*point) if n else []
    first = [grad(f, argnums=i) for i in range(n)]
    rows = []
    for i in range(n):
        for j in range(n):
            label = f"∂²/∂{names[i]}²" if i == j else f"∂²/∂{names[i]}∂{names[j]}"
            estimate = finite_differences(first[i], point, j, eps)
            row = _compare(label, point[j], h[i][j], estimate, atol, rtol)
            symmetric = _close(h[i][j], h[j][i], atol, rtol)
            rows.append(dataclasses.replace(row, ok=row.ok and symmetric))
    if not all(r.ok for r in rows):
        raise GradcheckError(
            "gradgradcheck",
            f"the second derivatives of {_fname(f)} disagree with central differences of "
            f"its gradient, or are not symmetric (eps={eps}, atol={atol}, rtol={rtol})",
            rows,
        )
    return True
