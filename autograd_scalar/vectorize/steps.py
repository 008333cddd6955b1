"""The array steps a compiled recording runs, and the NumPy ``m`` they compute with.

Values live in two arrays (the *store*): ``u``, one column, for the nodes that
depend only on shared leaves and constants (:data:`UNIFORM`), and ``v``, one
column per example, for the rest (:data:`VARYING`). Gradients have the same
layout. A step reads its operands' rows, writes its results' rows, and in the
backward pass adds its operands' gradients through :class:`Scatter` plans:

* :class:`Group`: nodes of one rule; forward and local derivatives are the
  rule's own (``rule.forward`` / ``rule.local`` with
  :func:`~autograd_scalar.vectorize.backend.numpy_math`), so there is no
  second table of array rules. A rule written with ``math``
  (``vectorizes=False``) is applied example by example through
  :func:`autograd_scalar.core.apply.apply`;
* :class:`Chain`: chains of additions (the ``Σ wᵢxᵢ + b`` of a neuron), summed
  in place left to right;
* :class:`Outer`: a layer's products ``w[j,k] · h[k]``, one broadcast product
  forward, matrix products backward.

Chain and Outer are structural patterns of ``+`` and ``*`` (whose float forms
never raise), not other rules: they compute what the table's ``add`` and
``mul`` compute, in place.

Where the engine would raise (outside the domain, a division by zero, an
overflow), a Group raises the engine's own error for the first example
concerned, naming it and the node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..core.apply import apply
from ..core.errors import AutogradError
from ..core.maths import Maths
from ..core.modes import MODE
from ..core.rules import Rule
from ..core.value import Value
from .backend import numpy_module, to_numpy

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .backend import Backend

    Array = npt.NDArray[np.float64]
else:
    Array = Any

__all__ = [
    "UNIFORM",
    "VARYING",
    "Adder",
    "Bound",
    "Chain",
    "Group",
    "Outer",
    "Scatter",
    "Step",
    "Store",
    "engine_error",
    "in_place",
    "index",
    "scatter_plan",
]

#: Storage kinds: one column for the whole batch, or one column per example.
UNIFORM, VARYING = 0, 1

#: ``[u, v]``: the uniform and the varying block (of values, or of gradients);
#: a list, so that a backend whose arrays are immutable can replace them.
Store = list[Array]

#: A step bound to one workspace (arrays written in place, reused from call to
#: call, see :meth:`Group.bind`): ``(forward() -> saved, backward(saved))``.
Bound = tuple[Callable[[], Any], Callable[[Any], None]]

#: ``add(term, source)``: a term of a step of storage ``source`` into gradient rows.
Adder = Callable[[Any, int], None]


def index(np: ModuleType, rows: Sequence[int]) -> Any:
    """A slice when the rows are evenly spaced (a view, no copy), else an array."""
    if len(rows) == 1:
        return slice(rows[0], rows[0] + 1)
    step = rows[1] - rows[0]
    if step > 0 and all(rows[i + 1] - rows[i] == step for i in range(len(rows) - 1)):
        return slice(rows[0], rows[-1] + 1, step)
    return np.asarray(rows, dtype=np.intp)


# ------------------------------------------------------------ gradients
@dataclass(frozen=True)
class Scatter:
    """How to add contributions into gradient rows of one storage."""

    kind: int  # the storage of the rows
    select: Any  # None (one contribution per member), or which member each one comes from
    rows: Any  # slice or index array of distinct gradient rows
    perm: Any  # None, or the order that brings equal rows together (in the backend's form)
    starts: Any  # with perm: where each distinct row's run starts
    tiles: int  # > 0: the rows are ``tiles`` repeats of the distinct rows (no perm)

    def ported(self, be: Backend) -> Scatter:
        """This plan for another backend: a run of equal rows (``perm``,
        ``starts``) becomes that backend's segment form (see
        :meth:`.backend.Backend.port`)."""
        if self.perm is None:
            return replace(self, select=be.port(self.select), rows=be.port(self.rows))
        return replace(
            self,
            select=be.port(self.select),
            rows=be.port(self.rows),
            perm=be.segments(self.perm, self.starts),
            starts=None,
        )

    def bind(self, be: Backend, grads: Store, sole: bool = False) -> tuple[Adder, Any]:
        """``(add, into)``: ``add(term, source)`` into these gradient arrays,
        which stay the same (a reused NumPy workspace), rows that are a slice
        being a view taken once, added into in place. ``sole``: nothing else
        writes these rows (and they start at zero), so a term can be written
        into them instead of added: ``into`` is then their block (else
        ``None``), for a step to compute its term into with ``out=``."""
        plain = self.select is None and not self.tiles and self.perm is None
        if not plain or not isinstance(self.rows, slice):
            return partial(self.add, be, grads), None
        target = grads[self.kind][self.rows]
        np = numpy_module()
        total, iadd = np.add.reduce, np.add
        if self.kind == UNIFORM:

            def add_shared(term: Any, source: int) -> None:
                if source != VARYING:
                    iadd(target, term, out=target)
                elif sole:  # a shared operand: the sum over the batch, straight in
                    total(term, axis=1, keepdims=True, out=target)
                else:
                    iadd(target, total(term, axis=1, keepdims=True), out=target)

            return add_shared, target if sole else None

        def add(term: Any, source: int) -> None:
            iadd(target, term, out=target)

        return add, target if sole else None

    def add(self, be: Backend, grads: Store, term: Any, source: int) -> None:
        if self.kind == UNIFORM and source == VARYING:  # a shared operand: add over the batch
            term = be.batch_sum(term)
        if self.select is not None:
            term = be.rows(term, self.select)
        if self.tiles:
            term = be.tile_sum(term, self.tiles)
        elif self.perm is not None:
            term = be.segment_sum(term, self.perm, self.starts)
        be.add_rows(grads, self.kind, self.rows, term)


def scatter_plan(np: ModuleType, kind: int, select: list[int] | None, rows: list[int]) -> Scatter:
    """The :class:`Scatter` that adds member ``select[n]``'s contribution (or
    the n-th member's) into gradient row ``rows[n]`` of storage ``kind``."""
    chosen = None if select is None else index(np, select)
    distinct = len(set(rows))
    if distinct == len(rows):
        return Scatter(kind, chosen, index(np, rows), None, None, 0)
    tiles = len(rows) // distinct
    if rows == rows[:distinct] * tiles:
        # e.g. each input of a layer, used once by every neuron: add the
        # tiles up (a reshape and a sum, no sorting)
        return Scatter(kind, chosen, index(np, rows[:distinct]), None, None, tiles)
    order = sorted(range(len(rows)), key=rows.__getitem__)
    starts = [0] + [i for i in range(1, len(order)) if rows[order[i]] != rows[order[i - 1]]]
    return Scatter(
        kind,
        chosen,
        index(np, sorted(set(rows))),
        np.asarray(order, dtype=np.intp),
        np.asarray(starts, dtype=np.intp),
        0,
    )


# ------------------------------------------------------------ in-place forwards
class _Probe:
    """A stand-in while :func:`in_place` reads a forward: its operators
    record the NumPy function they would call."""

    def __add__(self, other: Any) -> _Call:
        return _Call("add", (self, other))

    def __radd__(self, other: Any) -> _Call:
        return _Call("add", (other, self))

    def __sub__(self, other: Any) -> _Call:
        return _Call("subtract", (self, other))

    def __rsub__(self, other: Any) -> _Call:
        return _Call("subtract", (other, self))

    def __mul__(self, other: Any) -> _Call:
        return _Call("multiply", (self, other))

    def __rmul__(self, other: Any) -> _Call:
        return _Call("multiply", (other, self))

    def __truediv__(self, other: Any) -> _Call:
        return _Call("divide", (self, other))

    def __rtruediv__(self, other: Any) -> _Call:
        return _Call("divide", (other, self))

    def __pow__(self, other: Any) -> _Call:
        return _Call("power", (self, other))

    def __rpow__(self, other: Any) -> _Call:
        return _Call("power", (other, self))

    def __neg__(self) -> _Call:
        return _Call("negative", (self,))


class _Operand(_Probe):
    """Stands for operand ``k``."""

    def __init__(self, k: int) -> None:
        self.k = k


class _Call(_Probe):
    """One call the forward made: a NumPy function's name (``("m", name)``
    for a function of ``m``) and its arguments."""

    def __init__(self, function: Any, args: tuple[Any, ...]) -> None:
        self.function = function
        self.args = args


class _ProbeMath:
    """An ``m`` whose functions record their call instead of computing."""

    def __getattr__(self, name: str) -> Callable[..., _Call]:
        return lambda *args: _Call(("m", name), args)


def in_place(np: ModuleType, m: Maths, rule: Rule) -> Callable[[Any, Any, Any], Any] | None:
    """``write(x, y, out)``: ``rule.forward(m, x, y)`` computed into ``out``
    with NumPy's ``out=``, when the forward is one ufunc applied to the
    operands and numbers (``x + y``, ``m.exp(x)``, ``m.maximum(x, 0.0)``);
    ``None`` otherwise (``sigmoid``'s ``where``), for a copy of the result.

    It is read from the rule itself, by running its forward on stand-ins, so
    it computes exactly what ``rule.forward(m, ...)`` computes: the same
    function on the same arguments, without allocating the result."""
    if not rule.vectorizes:
        return None
    try:
        call = rule.forward(_ProbeMath(), *(_Operand(k) for k in range(rule.arity)))
    except Exception:  # a forward that does more than call functions: no in-place form
        return None
    if not isinstance(call, _Call) or any(isinstance(a, _Call) for a in call.args):
        return None
    if not all(isinstance(a, (_Operand, float, int)) for a in call.args):
        return None
    name = call.function
    function = getattr(m, name[1]) if isinstance(name, tuple) else getattr(np, name)
    if not isinstance(function, np.ufunc):
        return None
    return _writer(function, call.args)


def _writer(f: Any, args: tuple[Any, ...]) -> Callable[[Any, Any, Any], Any]:
    """``f(*args, out=out)`` with the operands put in: one small function per
    shape of call, since this runs once per step and batch (no argument list
    built at each call)."""
    shape = tuple(a.k if isinstance(a, _Operand) else None for a in args)
    if shape == (0,):
        return lambda x, y, out: f(x, out=out)
    if shape == (0, 1):
        return lambda x, y, out: f(x, y, out=out)
    if shape == (1, 0):
        return lambda x, y, out: f(y, x, out=out)
    if shape == (0, None):
        c = args[1]
        return lambda x, y, out: f(x, c, out=out)
    if shape == (None, 0):
        c = args[0]
        return lambda x, y, out: f(c, x, out=out)

    def write(x: Any, y: Any, out: Any) -> Any:  # any other arrangement (x * x, ...)
        operands = (x, y)
        return f(*(a if k is None else operands[k] for a, k in zip(args, shape)), out=out)

    return write


# ------------------------------------------------------------ errors
def engine_error(
    rule: Rule, operands: tuple[float, ...], labels: tuple[str | None, ...]
) -> AutogradError | None:
    """The error the scalar engine raises applying ``rule`` to Values holding
    ``operands`` and labelled ``labels``, or ``None`` if it raises none.

    Run with no mode bits (no recording, no anomaly check): only the
    operation's own error counts, named as the engine names it."""
    token = MODE.set(0)
    try:
        Value.apply_rule(rule, tuple(Value(x, label) for x, label in zip(operands, labels)))
    except AutogradError as exc:
        return exc
    finally:
        MODE.reset(token)
    return None


def _in_example(error: AutogradError, label: str | None, example: int) -> AutogradError:
    named = error.naming(label)
    return type(named)(
        named.op, named.value, f"{named.message}, in batch example {example}", named.label
    )


# ------------------------------------------------------------ steps
@dataclass(frozen=True)
class Group:
    """Nodes of one rule at one depth, their results in consecutive rows.

    ``blame[n]``: the operand labels and the label of member ``n``, for the
    engine's error messages. ``write``: the rule's forward in place (see
    :func:`in_place`), or ``None`` to copy its result."""

    rule: Rule
    kind: int  # storage of the results
    out: slice  # their value rows
    grad_rows: Any  # their gradient rows (slice or index array)
    operands: tuple[tuple[int, Any], ...]  # (storage, value rows) per operand
    scatters: tuple[Scatter | None, ...]  # per operand; None: no gradient to pass
    blame: tuple[tuple[tuple[str | None, ...], str | None], ...]
    write: Callable[[Any, Any, Any], Any] | None = None

    def forward(self, be: Backend, m: Maths, store: Store) -> Any:
        operands = self.operands
        kx, ix = operands[0]
        x = be.rows(store[kx], ix)
        y = None
        if len(operands) > 1:
            ky, iy = operands[1]
            y = be.rows(store[ky], iy)
        out = be.rows(store[self.kind], self.out)
        saved, out = self._compute(be, m, store, x, y, out)
        if saved[2] is None and (self.rule.domain.outside is not None or not be.all_finite(out)):
            self._check(be, m, x, y, out)
        return saved

    @property
    def checks_at_once(self) -> bool:
        """Whether its forward must check at once for the engine's errors: a
        domain to test, or a rule applied example by example (which raises as
        it goes). Otherwise the only errors are non-finite results, which a
        bound program looks for once per call (see :meth:`bind`)."""
        return self.rule.domain.outside is not None or not self.rule.vectorizes

    def _compute(
        self, be: Backend, m: Maths, store: Store, x: Any, y: Any, out: Any
    ) -> tuple[Any, Any]:
        """The forward into ``out``: what the backward needs, and the block
        written (``out`` itself, but for a backend that cannot write in place)."""
        rule = self.rule
        if self.write is not None:
            self.write(x, y, out)
        elif rule.vectorizes:
            value = rule.forward(m, x) if y is None else rule.forward(m, x, y)
            out = be.write(store, self.kind, self.out, out, value)
        else:
            return (x, y, self._by_example(be, store, x, y, out)), out
        return (x, y, None), out

    def bind(
        self, be: Backend, store: Store, grads: Store, sole: Callable[[Scatter], bool]
    ) -> Bound:
        """This step on arrays that stay the same (a reused NumPy workspace):
        operand, result and gradient blocks that are slices are views taken
        once; rows given by an index array are gathered at each call. The
        forward checks for non-finite results only if :attr:`checks_at_once`;
        otherwise the caller checks the results' rows (:meth:`check`).
        ``sole(plan)``: whether a scatter plan's rows get nothing else (see
        :meth:`Scatter.bind`)."""
        m = be.m
        (kx, ix), *second = self.operands
        xs = store[kx]
        x_view = xs[ix] if isinstance(ix, slice) else None
        ys, iy = (store[second[0][0]], second[0][1]) if second else (None, None)
        y_view = ys[iy] if ys is not None and isinstance(iy, slice) else None
        out = store[self.kind][self.out]
        at_once = self.checks_at_once

        def forward() -> Any:
            x = xs[ix] if x_view is None else x_view
            y = None if ys is None else ys[iy] if y_view is None else y_view
            saved, _ = self._compute(be, m, store, x, y, out)
            if at_once and saved[2] is None:
                self._check(be, m, x, y, out)
            return saved

        if not any(self.scatters):
            return forward, _nothing
        gs = grads[self.kind]
        rows = self.grad_rows
        up_view = gs[rows] if isinstance(rows, slice) else None
        bound = [(None, None) if p is None else p.bind(be, grads, sole(p)) for p in self.scatters]
        adds = tuple(add for add, _ in bound)
        intos = tuple(into for _, into in bound)

        def backward(saved: Any) -> None:
            upstream = gs[rows] if up_view is None else up_view
            self._pass(be, m, saved, out, upstream, adds, intos)

        return forward, backward

    def check(self, be: Backend, saved: Any, store: Store) -> None:
        """The check ``forward`` makes, made later on its saved operands."""
        x, y, _ = saved
        self._check(be, be.m, x, y, be.rows(store[self.kind], self.out))

    def _check(self, be: Backend, m: Maths, x: Any, y: Any, out: Any) -> None:
        """Raise the engine's error where it would raise: outside the domain,
        where the rule says its forward raises (``domain.raises``: a division
        by zero, also of inf or NaN), or a non-finite result from finite
        operands (an overflow) for which the engine's float rule raises. (The
        search for the examples concerned runs on NumPy copies.)"""
        outside = self.rule.domain.outside
        bad = None
        np = numpy_module()
        if outside is not None:
            where = outside(m, x) if y is None else outside(m, x, y)
            if be.any(where):
                bad = np.broadcast_to(to_numpy(where), out.shape)
        if not be.all_finite(out):
            raises = self.rule.domain.raises
            if raises is not None:  # errors that IEEE arithmetic turns into inf or NaN
                where = raises(m, x) if y is None else raises(m, x, y)
                if be.any(where):
                    raising = np.broadcast_to(to_numpy(where), out.shape)
                    bad = raising if bad is None else bad | raising
            x, out = to_numpy(x), to_numpy(out)
            y = None if y is None else to_numpy(y)
            overflow = ~np.isfinite(out) & np.isfinite(x)
            if y is not None:
                overflow &= np.isfinite(y)
            bad = overflow if bad is None else bad | overflow
        if bad is None or not bad.any():
            return
        xb = np.broadcast_to(to_numpy(x), out.shape)
        yb = None if y is None else np.broadcast_to(to_numpy(y), out.shape)
        examples, members = np.nonzero(bad.T)  # the first example first
        for c, r in zip(examples.tolist(), members.tolist()):
            operands = (float(xb[r, c]),) if yb is None else (float(xb[r, c]), float(yb[r, c]))
            labels, label = self.blame[r]
            error = engine_error(self.rule, operands, labels)
            if error is not None:  # e.g. x * y overflowing is inf for the engine too
                raise _in_example(error, label, c) from None

    def _by_example(self, be: Backend, store: Store, x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        """A rule written with ``math`` on floats: applied to each example
        through the engine's :func:`apply`; its local derivatives are kept."""
        np = numpy_module()
        rule = self.rule
        rows, batch = out.shape
        xs = np.broadcast_to(to_numpy(x), out.shape).tolist()
        ys = None if y is None else np.broadcast_to(to_numpy(y), out.shape).tolist()
        values = [[0.0] * batch for _ in range(rows)]
        locals_ = [[[0.0] * batch for _ in range(rows)] for _ in rule.derivatives]
        for c in range(batch):  # the first example first, as errors report it
            for r in range(rows):
                operands = (xs[r][c],) if ys is None else (xs[r][c], ys[r][c])
                try:
                    value, derivatives = apply(rule, operands)
                except AutogradError:
                    labels, label = self.blame[r]
                    error = engine_error(rule, operands, labels)
                    assert error is not None  # apply just raised it
                    raise _in_example(error, label, c) from None
                values[r][c] = value
                for k, d in enumerate(derivatives):
                    if d is not None:
                        locals_[k][r][c] = d
        be.write(store, self.kind, self.out, out, values)
        return tuple(
            be.asarray(block) if differentiated else None
            for block, differentiated in zip(locals_, rule.differentiable)
        )

    def backward(self, be: Backend, m: Maths, store: Store, grads: Store, saved: Any) -> None:
        if not any(self.scatters):
            return
        upstream = be.rows(grads[self.kind], self.grad_rows)
        adds = tuple(None if p is None else partial(p.add, be, grads) for p in self.scatters)
        self._pass(be, m, saved, be.rows(store[self.kind], self.out), upstream, adds)

    def _pass(
        self,
        be: Backend,
        m: Maths,
        saved: Any,
        out: Any,
        upstream: Any,
        adds: tuple[Adder | None, ...],
        intos: tuple[Any, ...] = (None, None),
    ) -> None:
        """Each operand's ``local · upstream``, through ``adds[k](term, source)``
        or, where ``intos[k]`` is a block (see :meth:`Scatter.bind`), into it."""
        x, y, kept = saved
        if kept is not None:
            locals_ = kept
        else:
            locals_ = self.rule.local(m, x, out) if y is None else self.rule.local(m, x, y, out)
        for local, plan, add, into in zip(locals_, self.scatters, adds, intos):
            if plan is None or add is None:
                continue
            if isinstance(local, float) and local == 1.0:
                add(upstream, self.kind)
            elif (
                plan.kind == UNIFORM and self.kind == VARYING and be.shape(local) == upstream.shape
            ):
                # Σ over the batch of local · upstream, without the product's block
                add(be.row_dot(local, upstream), UNIFORM)
            elif into is not None and plan.kind == self.kind:
                be.multiply(local, upstream, out=into)
            else:
                add(local * upstream, self.kind)


def _nothing(saved: Any) -> None:
    """The backward of a step that passes no gradient."""


@dataclass(frozen=True)
class Outer:
    """A layer's weights times its inputs: products ``w[j,k] · h[k]`` for
    every neuron j and input k, ``w`` shared and ``h`` per example, whose
    gradients arrive per neuron (each product is added into neuron j's sum).

    Forward: one broadcast product into the ``(J, K, batch)`` block, the
    engine's numbers. Backward: the product rule (∂/∂w = h, ∂/∂h = w) with its
    sums over the batch and over the neurons done as matrix products,
    instead of a ``(J·K × batch)`` block of terms: ∂/∂w[j,k] = Σ_b up[j]·h[k],
    ∂/∂h[k] = Σ_j w[j,k]·up[j]."""

    out: slice
    shape: tuple[int, int]  # (J, K)
    w_rows: Any  # value rows of w in u, j-major
    h_rows: Any  # value rows of the K inputs in v
    up_rows: Any  # gradient rows, in v, of what each neuron's products are added into
    w_plan: Scatter | None  # gradient rows of w, j-major; None: not needed
    h_grad_rows: Any  # gradient rows of the K inputs, or None

    def forward(self, be: Backend, m: Maths, store: Store) -> Any:
        j, k = self.shape
        w = be.reshape(be.rows(store[UNIFORM], self.w_rows), (j, k, 1))
        out = be.rows(store[VARYING], self.out)
        h = be.rows(store[VARYING], self.h_rows)  # (K, batch), broadcast over the neurons
        product = be.multiply(w, h, out=be.reshape(out, (j, k, out.shape[1])))
        be.commit(store, VARYING, self.out, product)
        return None

    def backward(self, be: Backend, m: Maths, store: Store, grads: Store, saved: Any) -> None:
        up = be.rows(grads[VARYING], self.up_rows)  # (J, batch)
        if self.w_plan is not None:
            h = be.rows(store[VARYING], self.h_rows)
            self.w_plan.add(be, grads, be.reshape(up @ h.T, (-1, 1)), UNIFORM)
        if self.h_grad_rows is not None:
            w = be.reshape(be.rows(store[UNIFORM], self.w_rows), self.shape)
            be.add_rows(grads, VARYING, self.h_grad_rows, w.T @ up)


@dataclass(frozen=True)
class Chain:
    """Chains of additions ``((a₀ + a₁) + a₂) + … + a_L`` (the Σ wᵢxᵢ + b of
    a neuron) of one length and depth, summed into their output rows in
    place, left to right: every partial sum is the engine's, bit for bit, and
    none gets a row of its own. (``np.add.accumulate`` over a block would do
    the same in one call but is several times slower on an outer axis.)"""

    kind: int
    out: slice
    grad_rows: Any
    elements: tuple[tuple[int, Any], ...]  # (storage, rows) of a₀, a₁, ... across the chains
    scatters: tuple[Scatter, ...]  # each element's gradient is the chain's

    def forward(self, be: Backend, m: Maths, store: Store) -> Any:
        out = be.rows(store[self.kind], self.out)
        (k0, r0), (k1, r1), *rest = self.elements
        total = be.add(be.rows(store[k0], r0), be.rows(store[k1], r1), out=out)
        for k, rows in rest:
            total = be.add(total, be.rows(store[k], rows), out=out)
        be.commit(store, self.kind, self.out, total)
        return None

    def backward(self, be: Backend, m: Maths, store: Store, grads: Store, saved: Any) -> None:
        if not self.scatters:
            return
        upstream = be.rows(grads[self.kind], self.grad_rows)
        for plan in self.scatters:
            plan.add(be, grads, upstream, self.kind)


#: Any step: ``forward(be, m, store) -> saved``, ``backward(be, m, store, grads, saved)``,
#: ``be`` a :class:`.backend.Backend`.
Step = Group | Chain | Outer
