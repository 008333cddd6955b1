"""Check a hand-derived derivative, and say what is wrong with it.

:func:`check_derivative` evaluates the learner's derivative and the engine's at
many points, drawn inside every operation's domain, and when they differ it
looks for the typical mistakes, each a computation on the graph's own
structure compared with the claim at every point:

* **a sign error**: the claim is minus the derivative;
* **a dropped path**: the claim is the sum over some but not all of the paths
  from the output to the variable (the two-path ∂C/∂a = w₃·∂C/∂z′ + w₄·∂C/∂z″
  with one term left out); the missing paths' nodes are named;
* **a constant factor**: the claim is k times the derivative, k a constant
  (2 or ½: the ½ of the ½(a − y)² convention; m or 1/m: a mean's 1/m);
* **a missing factor**: the claim is the derivative with one local
  derivative left out (σ'(z) of a sigmoid node);
* **right formula at the wrong point**: one local derivative evaluated at
  another node's value (σ'(a) instead of σ'(z)), or written from its output
  with another node in the output's place (z(1 − z) instead of a(1 − a)).

Correct answers pass however they are written: only numbers are compared.

>>> r = check_derivative("(sigmoid(w*x + b) - y)**2", "2*(sigmoid(w*x + b) - y)*x", wrt="w")
>>> r.ok, r.kind
(False, 'missing_factor')
>>> print(r.diagnosis)  # doctest: +ELLIPSIS
A missing factor: ∂sigmoid(w*x + b)/∂(w*x + b) = σ(w*x + b)·(1 - σ(w*x + b)), the local \
derivative of the sigmoid node sigmoid(w*x + b), is left out ...
"""

from __future__ import annotations

import html
import inspect
import itertools
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.apply import apply
from ..core.backward import gradients
from ..core.checks import real_number
from ..core.errors import (
    AutogradError,
    DomainError,
    InvalidInputError,
    NonFiniteError,
    OverflowError_,
    ZeroDivisionError_,
)
from ..core.maths import FLOAT_MATH
from ..core.value import CONST, Value
from ..expr import ExpressionError, evaluate, parse
from .chain import partial, plain_formula
from .structure import Edge, Structure, expression_names, variables

__all__ = ["DEFAULT_RANGE", "KINDS", "DerivationCheck", "Row", "check_derivative"]

#: Where a variable is drawn from when no range or value is given for it.
DEFAULT_RANGE = (-2.0, 2.0)
#: The kinds of mistake :func:`check_derivative` can name, in the order it tries them.
KINDS = ("sign", "dropped_path", "constant_factor", "missing_factor", "wrong_point", "differs")

_OP = "check_derivative"
_MAX_SUBSET_PATHS = 12  # up to here every subset of paths is tried; beyond, one path at a time
_MAX_PATHS = 200
_TRIES_PER_POINT = 100

Function = str | Callable[..., Any]
# What f raises at a point outside its domain (an expression wraps these in
# its ExpressionError); anything else is a mistake in f itself, reported.
_UNDEFINED = (DomainError, ZeroDivisionError_, OverflowError_, NonFiniteError, ExpressionError)


@dataclass(frozen=True)
class Row:
    """One point: the variables' values, both derivatives and their difference.

    ``note`` says why the claim has no value there (its own domain error).
    """

    point: dict[str, float]
    engine: float
    claimed: float
    error: float
    ok: bool
    note: str | None = None


@dataclass(frozen=True)
class DerivationCheck:
    """The outcome of :func:`check_derivative`.

    Attributes:
        ok: the claim equals the engine's derivative at every point.
        kind: ``None`` when ok, else one of :data:`KINDS`.
        diagnosis: one sentence on what is wrong, or ``None``.
        checked: every point checked, as :class:`Row`.
        function, claim, wrt: what was checked, as text.
        variables: the variables, in the order of the table's columns.
    """

    ok: bool
    kind: str | None
    diagnosis: str | None
    checked: tuple[Row, ...]
    function: str
    claim: str
    wrt: str
    variables: tuple[str, ...]
    seed: int

    @property
    def rows(self) -> tuple[Row, ...]:
        """The points where the claim and the engine differ."""
        return tuple(row for row in self.checked if not row.ok)

    def __bool__(self) -> bool:
        return self.ok

    def _summary(self) -> tuple[str, str]:
        n = len(self.checked)
        where = f"∂f/∂{self.wrt} checked at {n} point{'s' if n != 1 else ''} (seed {self.seed})"
        if self.ok:
            return f"right: the claim equals the engine's derivative. {where}.", ""
        return f"wrong: {self.diagnosis}", f"{where}: they differ at {len(self.rows)}."

    def _table(self, limit: int = 10) -> tuple[list[str], list[list[str]]]:
        rows = (self.rows or self.checked)[:limit]
        header = [*self.variables, "engine", "claimed", "error"]
        body = [
            [*(f"{row.point[v]:.6g}" for v in self.variables), f"{row.engine:.10g}",
             f"{row.claimed:.10g}" if row.note is None else "undefined", f"{row.error:.3g}"]
            for row in rows
        ]  # fmt: skip
        return header, body

    def __str__(self) -> str:
        verdict, where = self._summary()
        header, body = self._table()
        widths = [max(len(c) for c in column) + 2 for column in zip(header, *body)]
        lines = [verdict] + ([where] if where else [])
        lines.append("".join(h.rjust(w) for h, w in zip(header, widths)))
        lines += ["".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
        shown = len(self.rows or self.checked)
        if shown > len(body):
            lines.append(f"... {shown - len(body)} more")
        notes = {row.note for row in self.rows if row.note}
        lines += [f"the claim is undefined where: {note}" for note in sorted(notes)[:3]]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        verdict, where = self._summary()
        header, body = self._table()
        colour = "#15803d" if self.ok else "#b91c1c"
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body
        )
        return (
            f'<div class="autograd-check"><p style="color:{colour}"><b>'
            f"{html.escape(verdict)}</b></p><p>{html.escape(where)}</p>"
            f"<table><thead><tr>{cells}</tr></thead><tbody>{rows}</tbody></table></div>"
        )


def check_derivative(
    f: Function,
    claimed: Function,
    wrt: str,
    *,
    samples: int = 20,
    seed: int = 0,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    at: Mapping[str, float | tuple[float, float]] | None = None,
    **ranges_or_values: float | tuple[float, float],
) -> DerivationCheck:
    """Check the derivative ``claimed`` of ``f`` with respect to ``wrt``.

    Args:
        f: the function, as an expression in the command line's language
            (``"(sigmoid(w*x + b) - y)**2"``) or a Python function of
            Values (its parameters' names are the variables).
        claimed: the learner's derivative, an expression in the same names
            or a Python function of floats (of some of the same names).
        wrt: the variable to differentiate with respect to.
        samples: how many points to check.
        seed: for the random points (the same seed gives the same points).
        rtol, atol: how close the two must be at each point.
        at: ranges or values, as below, for variables whose names clash with
            this function's own arguments.
        **ranges_or_values: per variable, a number (fixed there) or a range
            ``(low, high)``; other variables are drawn from
            :data:`DEFAULT_RANGE`. Points where ``f`` is undefined are
            skipped (``log`` of a negative number...).

    Raises :class:`~autograd_scalar.AutogradError` for bad input: an
    expression that is not allowed, an unknown variable, a bad range, or no
    point where ``f`` is defined.
    """
    function, names, build = _function(f)
    ranges = _ranges(names, {**(at or {}), **ranges_or_values})
    if wrt not in names:
        raise InvalidInputError(
            _OP, wrt, f"wrt={wrt!r} is not a variable of f (its variables: {', '.join(names)})"
        )
    claim_text, claim = _claim(claimed, names)
    samples = int(real_number(samples, _OP, "samples"))
    if samples < 1:
        raise InvalidInputError(_OP, samples, "samples must be at least 1")
    points = _draw_points(build, names, ranges, wrt, samples, random.Random(seed), function)
    rows = [_row(point, truth, claim(point), rtol, atol) for point, _, truth in points]
    kind, diagnosis = (
        (None, None) if all(r.ok for r in rows) else _diagnose(points, rows, wrt, (rtol, atol))
    )
    return DerivationCheck(
        kind is None, kind, diagnosis, tuple(rows), function, claim_text, wrt, names, seed
    )


# ------------------------------------------------------------------ inputs
Built = tuple[Value, dict[str, Value], dict[Value, str]]


def _function(f: Function) -> tuple[str, tuple[str, ...], Callable[[dict[str, float]], Built]]:
    """``f``'s text, its variables, and a function building its graph at a point."""
    if isinstance(f, str):
        text = f.strip()
        names = variables(text) if text else ()
        parse(text, names)  # refuses what the language does not allow, with a caret

        def build_text(point: dict[str, float]) -> Built:
            leaves = {name: Value(point[name], label=name) for name in names}
            out = evaluate(text, leaves)
            return out, leaves, expression_names(text, out)

        return text, names, build_text
    if not callable(f):
        raise InvalidInputError(_OP, f, "f must be an expression (a str) or a function of Values")
    names = _parameters(f, "f")

    def build_function(point: dict[str, float]) -> Built:
        leaves = {name: Value(point[name], label=name) for name in names}
        out = f(*leaves.values())
        if not isinstance(out, Value):
            raise InvalidInputError(_OP, out, f"f must return a Value, got {type(out).__name__}")
        return out, leaves, {}

    return getattr(f, "__name__", "f"), names, build_function


def _parameters(f: Callable[..., Any], what: str) -> tuple[str, ...]:
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        raise InvalidInputError(_OP, f, f"cannot read the parameters of {what}") from None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = tuple(p.name for p in signature.parameters.values() if p.kind in kinds)
    if not names:
        raise InvalidInputError(_OP, f, f"{what} takes no named parameters: they are the variables")
    return names


def _claim(
    claimed: Function, names: tuple[str, ...]
) -> tuple[str, Callable[[dict[str, float]], tuple[float, str | None]]]:
    """The claim's text, and a function giving its value (or NaN and why) at a point."""
    if isinstance(claimed, str):
        text = claimed.strip()
        parse(text, names)

        def from_text(point: dict[str, float]) -> tuple[float, str | None]:
            try:
                return float(evaluate(text, dict(point)).data), None
            except AutogradError as exc:
                return math.nan, str(exc).splitlines()[0]

        return text, from_text
    if not callable(claimed):
        raise InvalidInputError(
            _OP, claimed, "claimed must be an expression (a str) or a function of numbers"
        )
    wanted = _parameters(claimed, "claimed")
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise InvalidInputError(
            _OP, unknown[0], f"claimed uses {unknown[0]!r}, which is not a variable of f "
            f"(its variables: {', '.join(names)})",
        )  # fmt: skip

    def from_function(point: dict[str, float]) -> tuple[float, str | None]:
        try:
            value = claimed(*(point[name] for name in wanted))
            return float(value.data if isinstance(value, Value) else value), None
        except (AutogradError, ArithmeticError, ValueError) as exc:
            return math.nan, f"{type(exc).__name__}: {exc}"

    return getattr(claimed, "__name__", "claimed"), from_function


def _ranges(names: tuple[str, ...], given: Mapping[str, object]) -> dict[str, tuple[float, float]]:
    """Each variable's range; a fixed value is a range of one point."""
    ranges = dict.fromkeys(names, DEFAULT_RANGE)
    for name, spec in given.items():
        if name not in ranges:
            raise InvalidInputError(
                _OP, name, f"{name!r} is not a variable of f (its variables: {', '.join(names)})"
            )
        if isinstance(spec, (tuple, list)):
            if len(spec) != 2:
                raise InvalidInputError(_OP, spec, f"the range of {name} must be (low, high)")
            low, high = (_finite(x, name) for x in spec)
            if not low < high:
                raise InvalidInputError(
                    _OP, spec, f"the range of {name} must have low < high, got {spec!r}"
                )
            ranges[name] = (low, high)
        else:
            x = _finite(spec, name)
            ranges[name] = (x, x)
    return ranges


def _finite(x: object, name: str) -> float:
    number = real_number(x, _OP, name)
    if not math.isfinite(number):
        raise InvalidInputError(_OP, x, f"the value of {name} must be finite, got {number}")
    return number


# ------------------------------------------------------------------ points
Point = tuple[dict[str, float], Built, float]


def _draw_points(
    build: Callable[[dict[str, float]], Built],
    names: tuple[str, ...],
    ranges: Mapping[str, tuple[float, float]],
    wrt: str,
    samples: int,
    rng: random.Random,
    function: str,
) -> list[Point]:
    """Up to ``samples`` distinct points where ``f`` and its gradient are
    defined and finite, each with its graph and the engine's ∂f/∂wrt."""
    fixed = all(low == high for low, high in ranges.values())
    wanted = 1 if fixed else samples
    points: list[Point] = []
    for _ in range(wanted * _TRIES_PER_POINT):
        point = {name: rng.uniform(*ranges[name]) if ranges[name][0] < ranges[name][1]
                 else ranges[name][0] for name in names}  # fmt: skip
        try:
            built = build(point)
            truth = _engine_gradient(built, wrt)
        except _UNDEFINED:
            continue  # outside some operation's domain: draw again
        if math.isfinite(truth):
            points.append((point, built, truth))
            if len(points) == wanted:
                break
    if not points:
        shown = ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, (lo, hi) in ranges.items())
        raise InvalidInputError(
            _OP, function, f"found no point where f and its derivative are defined ({shown}); "
            "give ranges where it is, e.g. x=(0.1, 5)",
        )  # fmt: skip
    return points


def _engine_gradient(built: Built, wrt: str) -> float:
    out, leaves, _ = built
    grad = gradients(out).get(leaves[wrt], 0.0)
    return float(grad.data if isinstance(grad, Value) else grad)


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def _row(
    point: dict[str, float], truth: float, claim: tuple[float, str | None], rtol: float, atol: float
) -> Row:
    value, note = claim
    error = abs(value - truth) if math.isfinite(value) else math.inf
    return Row(dict(point), truth, value, error, _close(truth, value, rtol, atol), note)


# ---------------------------------------------------------------- diagnosis
@dataclass
class _Candidate:
    """A wrong derivative the graph explains, evaluated at every point so far."""

    kind: str
    order: tuple[int, ...]  # preference within a kind: smaller first
    describe: Callable[[], str]
    values: list[float]
    detail: str = ""  # what a missing factor is, for the constant-factor diagnosis


def _diagnose(
    points: list[Point], rows: list[Row], wrt: str, tol: tuple[float, float]
) -> tuple[str, str]:
    """The most likely mistake: (kind, one sentence); a candidate must match
    the claim within ``tol`` (rtol, atol) at every point."""
    claims = [row.claimed for row in rows]
    truths = [row.engine for row in rows]
    if not all(math.isfinite(c) for c in claims):
        return "differs", _differs(rows, "the claim is undefined at some points")
    ratio = _constant_ratio(truths, claims, tol)
    graphs = [_Analysis(built, wrt) for _, built, _ in points]
    same_shape = len({g.structure.signature() for g in graphs}) == 1
    candidates = _candidates(graphs) if same_shape else []

    def matching(kind: str) -> list[_Candidate]:
        found = [c for c in candidates if c.kind == kind and _matches(c.values, claims, tol)]
        return sorted(found, key=lambda c: c.order)

    if ratio is not None and _close(ratio, -1.0, *tol):
        return "sign", _sign(graphs[0])
    dropped = matching("dropped_path")
    if dropped:
        return "dropped_path", dropped[0].describe()
    if ratio is not None:
        return "constant_factor", _constant(ratio, matching("missing_factor"))
    for kind in ("missing_factor", "wrong_point"):
        found = matching(kind)
        if found:
            return kind, found[0].describe()
    return "differs", _differs(rows, "no single typical mistake explains the difference")


def _matches(values: list[float], claims: list[float], tol: tuple[float, float]) -> bool:
    return all(_close(v, c, *tol) for v, c in zip(values, claims))


def _constant_ratio(
    truths: list[float], claims: list[float], tol: tuple[float, float]
) -> float | None:
    """k if claim = k · derivative at every point (k ≠ 1), else None."""
    biggest = max(range(len(truths)), key=lambda i: abs(truths[i]))
    if abs(truths[biggest]) <= tol[1]:
        return None  # the derivative is 0 everywhere checked: no ratio to see
    k = claims[biggest] / truths[biggest]
    if k == 0.0 or _close(k, 1.0, *tol):
        return None
    return k if all(_close(c, k * t, *tol) for t, c in zip(truths, claims)) else None


class _Analysis:
    """One point's graph, with ∂out/∂node above each node (``up``) and
    ∂node/∂wrt below it (``down``), so the gradient with one local derivative
    changed is the truth plus up·(new − old)·down: no pass per candidate."""

    def __init__(self, built: Built, wrt: str) -> None:
        out, leaves, given = built
        self.structure = graph = Structure(out, given)
        self.wrt = leaves[wrt]
        self.between = graph.between(self.wrt) if self.wrt in graph.position else set()
        self.edges = [
            e for e in graph.edges if e.child in self.between and e.parent in self.between
        ]
        self.up: dict[Value, float] = {out: 1.0}
        for node in reversed(graph.order):
            for e in graph.edges_of(node):
                self.up[e.parent] = self.up.get(e.parent, 0.0) + (e.local or 0.0) * self.up.get(
                    node, 0.0
                )
        self.down: dict[Value, float] = {self.wrt: 1.0}
        for node in graph.order:
            if node is not self.wrt:
                self.down[node] = sum((e.local or 0.0) * self.down.get(e.parent, 0.0)
                                      for e in graph.edges_of(node))  # fmt: skip
        self.total = self.down.get(out, 0.0)
        count = graph.count_paths(self.wrt) if self.between else 0
        self.paths = list(graph.paths(self.wrt)) if 0 < count <= _MAX_PATHS else []

    def changed(self, edge: Edge, local: float) -> float:
        """∂out/∂wrt with ``edge``'s local derivative replaced by ``local``."""
        old = edge.local or 0.0
        return self.total + self.up[edge.child] * (local - old) * self.down[edge.parent]

    def name(self, node: Value) -> str:
        return self.structure.names[node]


def _candidates(graphs: list[_Analysis]) -> list[_Candidate]:
    """Every mistake the graph explains, with its value at each point."""
    first = graphs[0]
    found: list[_Candidate] = []
    found += _dropped_paths(graphs)
    for i, edge in enumerate(first.edges):
        at_points = [g.edges[i] for g in graphs]
        if all(e.local == 1.0 for e in at_points):
            continue  # leaving out a factor of 1 changes nothing
        found.append(_Candidate(
            "missing_factor", (i,), _missing_text(first, edge),
            [g.changed(e, 1.0) for g, e in zip(graphs, at_points)], _local_description(first, edge),
        ))  # fmt: skip
        found += _wrong_points(graphs, i)
    return found


def _dropped_paths(graphs: list[_Analysis]) -> list[_Candidate]:
    first = graphs[0]
    count = len(first.paths)
    if count < 2:
        return []
    products = [[math.prod(e.local or 0.0 for e in path) for path in g.paths] for g in graphs]
    sizes = range(1, count) if count <= _MAX_SUBSET_PATHS else range(1, 2)
    found = []
    for size in sizes:
        for missing in itertools.combinations(range(count), size):
            kept = [p for p in range(count) if p not in missing]
            values = [math.fsum(per_point[p] for p in kept) for per_point in products]
            found.append(_Candidate("dropped_path", (size, *missing),
                                    _dropped_text(first, missing), values))  # fmt: skip
    return found


def _path_names(g: _Analysis, path: list[Edge]) -> list[str]:
    return [g.name(path[0].child)] + [g.name(e.parent) for e in path]


def _dropped_text(g: _Analysis, missing: tuple[int, ...]) -> Callable[[], str]:
    def text() -> str:
        kept = [p for i, p in enumerate(g.paths) if i not in missing]
        on_kept = {n for path in kept for e in path for n in (e.child, e.parent)}
        lost = [g.paths[i] for i in missing]
        own = []
        for path in lost:
            for e in path:
                if (
                    e.parent not in on_kept
                    and e.parent is not g.wrt
                    and g.name(e.parent) not in own
                ):
                    own.append(g.name(e.parent))
        shown = "; ".join(" → ".join(_path_names(g, path)) for path in lost[:3])
        out, wrt = g.name(g.structure.root), g.name(g.wrt)
        if own:
            through = f"through {', '.join(own)}"
        else:  # the same nodes by another operand (x*x): name the edge that differs
            edge = next(e for e in lost[0] if not any(e is k for path in kept for k in path))
            which = ("first", "second")[edge.index] if edge.index < 2 else f"#{edge.index + 1}"
            through = f"through the {which} operand of {g.name(edge.child)}"
        noun = "path" if len(lost) == 1 else f"{len(lost)} paths"
        term = math.fsum(math.prod(e.local or 0.0 for e in p) for p in lost)
        return (
            f"A dropped path: the claim sums {len(kept)} of the {len(g.paths)} paths from "
            f"{out} to {wrt} and leaves out the {noun} {through} ({shown}), worth "
            f"{term:.6g} at the first point."
        )

    return text


def _local_description(g: _Analysis, edge: Edge) -> str:
    rule = edge.child.rule
    formula = plain_formula(edge, g.structure.names)
    op = rule.name if rule is not None else edge.child.op
    return (
        f"{partial(g.name(edge.child), g.name(edge.parent))} = {formula}, the local derivative "
        f"of the {op} node {g.name(edge.child)}"
    )


def _missing_text(g: _Analysis, edge: Edge) -> Callable[[], str]:
    def text() -> str:
        return (
            f"A missing factor: {_local_description(g, edge)}, is left out "
            f"(it is {edge.local:.6g} at the first point)."
        )

    return text


def _wrong_points(graphs: list[_Analysis], i: int) -> list[_Candidate]:
    """The edge's rule evaluated at each other node (σ'(a) for σ'(z)), and its
    derivative written from the output with another node put in its place."""
    first = graphs[0]
    edge = first.edges[i]
    rule = edge.child.rule
    if rule is None or rule.arity != 1 or rule.name == "neg":
        return []
    found = []
    for position, node in enumerate(first.structure.order):
        if node.op == CONST:
            continue
        if node is not edge.parent:
            values = _alternative(graphs, i, position, lambda v: apply(rule, (v,))[1][0])
            if values is not None:
                found.append(_Candidate("wrong_point", (i, position, 0),
                                        _at_text(first, edge, node), values))  # fmt: skip
        if node is not edge.child and _from_output(rule):
            values = _alternative(graphs, i, position,
                                  lambda v: rule.local(FLOAT_MATH, math.nan, v)[0])  # fmt: skip
            if values is not None:
                found.append(_Candidate("wrong_point", (i, position, 1),
                                        _as_output_text(first, edge, node), values))  # fmt: skip
    return found


def _from_output(rule: Any) -> bool:
    """Whether the rule's derivative is written from its output alone (σ: out·(1 − out))."""
    try:
        return not math.isnan(rule.local(FLOAT_MATH, math.nan, 0.5)[0])
    except (ArithmeticError, ValueError, TypeError):
        return False


def _alternative(
    graphs: Iterable[_Analysis], i: int, position: int, local: Callable[[float], float]
) -> list[float] | None:
    values = []
    for g in graphs:
        edge = g.edges[i]
        try:
            new = float(local(g.structure.order[position].data))
        except (AutogradError, ArithmeticError, ValueError):
            return None
        if not math.isfinite(new):
            return None
        values.append(g.changed(edge, new))
    return values


def _at_text(g: _Analysis, edge: Edge, node: Value) -> Callable[[], str]:
    def text() -> str:
        rule = edge.child.rule
        assert rule is not None
        which = " (its output)" if node is edge.child else ""
        return (
            f"Right formula at the wrong point: the derivative of the {rule.name} node "
            f"{g.name(edge.child)}, {rule.derivatives[0]}, is taken at x = {g.name(node)}{which} "
            f"instead of at its input x = {g.name(edge.parent)}."
        )

    return text


def _as_output_text(g: _Analysis, edge: Edge, node: Value) -> Callable[[], str]:
    def text() -> str:
        rule = edge.child.rule
        assert rule is not None
        return (
            f"Right formula at the wrong point: the derivative of the {rule.name} node "
            f"{g.name(edge.child)}, written from its output, has {g.name(node)} in place of "
            f"the output {g.name(edge.child)} ({rule.derivatives[0]} with x = "
            f"{g.name(edge.parent)})."
        )

    return text


def _sign(g: _Analysis) -> str:
    minus = [e for e in g.edges if e.local == -1.0]
    hint = ""
    if minus:
        e = minus[0]
        hint = (f"; check the −1 of {partial(g.name(e.child), g.name(e.parent))}"
                f" (the {e.child.op} node {g.name(e.child)})")  # fmt: skip
    return f"A sign error: the claim is minus the derivative{hint}."


def _fraction(k: float) -> str:
    for m in range(2, 101):
        if math.isclose(k, m, rel_tol=1e-9):
            return str(m)
        if math.isclose(k, 1.0 / m, rel_tol=1e-9):
            return "½" if m == 2 else f"1/{m}"
    return f"{k:.6g}"


def _constant(k: float, missing: list[_Candidate]) -> str:
    sign = "minus " if k < 0 else ""
    factor = _fraction(abs(k))
    text = f"A constant factor: the claim is {sign}{factor} times the derivative"
    if missing:
        text += f"; the factor left out is {missing[0].detail}"
    elif factor in ("2", "½"):
        text += " (the ½ of the ½(a − y)² convention, dropped or added?)"
    elif factor.startswith("1/") or factor.isdigit():
        m = factor.removeprefix("1/")
        text += f" (a mean's 1/{m}, dropped or applied twice?)"
    return text + "."


def _point_text(point: Mapping[str, float]) -> str:
    return ", ".join(f"{name}={value:.4g}" for name, value in point.items())


def _differs(rows: list[Row], why: str) -> str:
    wrong = [row for row in rows if not row.ok]
    worst = max(wrong, key=lambda r: r.error if math.isfinite(r.error) else math.inf)
    return (
        f"The claim differs from the derivative at {len(wrong)} of {len(rows)} points ({why}); "
        f"at {_point_text(worst.point)} the derivative is {worst.engine:.6g} and the claim "
        f"{'is undefined' if worst.note else f'{worst.claimed:.6g}'}."
    )
