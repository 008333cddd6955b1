"""A layer's weighted sums as matrix products: the :class:`Linear` step.

A layer of neurons computes, for each neuron j, ``z[j] = b[j] + Σₖ w[j,k] · h[k]``
with shared weights ``w`` and bias ``b`` and per-example inputs ``h``: in the
recording, ``J·K`` products and ``J`` chains of additions. Replayed as they
are (an :class:`.steps.Outer` block of products, then a :class:`.steps.Chain`
of ``K`` in-place additions) that is ``K`` array calls per layer and a
``J × K × batch`` block of products; as one matrix product it is

* forward: ``Z = W @ H`` (``H`` the ``K × batch`` rows of the inputs), then
  ``Z += b``;
* backward, with ``dZ`` the gradient rows of the sums: ``dW = dZ @ Hᵀ`` (the
  sum over the batch is inside the product), ``dH = Wᵀ @ dZ``, and ``db``
  the sum of ``dZ`` over the batch.

:func:`autograd_scalar.vectorize.plan.find_layers` finds the pattern; what it
does not recognise keeps the steps of :mod:`.steps`.

Rounding: a matrix product adds its terms in an order of its own (BLAS's),
not left to right as the engine does, so a layer's sums can differ from the
engine's in the last bits (a relative 1e-16 or so per sum; what the checks
allow, 1e-9 in :meth:`~.program.Recording.verify` and 1e-12 in the tests, is
far above it). Additions and products never raise in the engine (their float
forms give ±inf or NaN), so the step checks nothing; NaN and infinities
propagate through the product as through the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..core.maths import Maths
from .backend import numpy_module
from .steps import UNIFORM, VARYING, Adder, Bound, Scatter, Store

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["Linear"]


@dataclass(frozen=True)
class Linear:
    """``J`` neurons' sums ``b[j] + Σₖ w[j,k] · h[k]`` over the same ``K``
    inputs, into consecutive value rows (see the module's doc)."""

    out: slice  # value rows of the J sums, in v
    shape: tuple[int, int]  # (J, K)
    w_rows: Any  # value rows of the weights in u, j-major (J·K of them)
    h_rows: Any  # value rows of the K inputs in v
    b_rows: Any  # value rows of the J biases in u, or None: no bias
    grad_rows: Any  # gradient rows of the J sums, in v
    w_plan: Scatter | None  # into the weights' gradient rows (j-major); None: not needed
    h_plan: Scatter | None  # into the inputs' gradient rows; None: not needed
    b_plan: Scatter | None  # into the biases' gradient rows; None: not needed

    def forward(self, be: Backend, m: Maths, store: Store) -> Any:
        u, v = store
        w = be.reshape(be.rows(u, self.w_rows), self.shape)
        h = be.rows(v, self.h_rows)
        b = None if self.b_rows is None else be.rows(u, self.b_rows)
        self._compute(be, store, w, h, b, be.rows(v, self.out))
        return w, h

    def _compute(self, be: Backend, store: Store, w: Any, h: Any, b: Any, out: Any) -> None:
        z = be.matmul(w, h, out=out)
        if b is not None:
            z = be.add(z, b, out=out)
        be.commit(store, VARYING, self.out, z)

    def backward(self, be: Backend, m: Maths, store: Store, grads: Store, saved: Any) -> None:
        w, h = saved
        up = be.rows(grads[VARYING], self.grad_rows)  # (J, batch)
        adds = tuple(
            None if plan is None else partial(plan.add, be, grads)
            for plan in (self.w_plan, self.h_plan, self.b_plan)
        )
        self._pass(be, w, h, up, adds)

    def _pass(
        self,
        be: Backend,
        w: Any,
        h: Any,
        up: Any,
        adds: tuple[Adder | None, ...],
        intos: tuple[Any, Any] = (None, None),
    ) -> None:
        """``dW``, ``dH`` and ``db`` through ``adds[k](term, source)``, or
        computed into ``intos`` (``dW``'s block as ``(J, K)``, ``dH``'s) where
        nothing else adds into those rows (see :meth:`.steps.Scatter.bind`)."""
        add_w, add_h, add_b = adds
        into_w, into_h = intos
        if into_w is not None:
            be.matmul(up, h.T, out=into_w)
        elif add_w is not None:
            add_w(be.reshape(up @ h.T, (-1, 1)), UNIFORM)
        # one neuron: an outer product, which NumPy's matmul does slowly
        if into_h is not None and self.shape[0] == 1:
            be.multiply(be.reshape(w, (-1, 1)), up, out=into_h)
        elif into_h is not None:
            be.matmul(w.T, up, out=into_h)
        elif add_h is not None:
            add_h(be.reshape(w, (-1, 1)) * up if self.shape[0] == 1 else w.T @ up, VARYING)
        if add_b is not None:
            add_b(up, VARYING)  # a uniform row: summed over the batch

    def bind(
        self, be: Backend, store: Store, grads: Store, sole: Callable[[Scatter], bool]
    ) -> Bound:
        """This step on arrays that stay the same (see :meth:`.steps.Group.bind`)."""
        u, v = store
        gv = grads[VARYING]

        def fixed(a: Any, rows: Any) -> Any:
            """The block once, as a view, or ``None`` to gather it at each call."""
            return a[rows] if isinstance(rows, slice) else None

        w_view = _shaped_view(be, fixed(u, self.w_rows), self.shape)
        h_view, out = fixed(v, self.h_rows), v[self.out]
        b_view = None if self.b_rows is None else fixed(u, self.b_rows)
        up_view = fixed(gv, self.grad_rows)
        bound = [
            (None, None) if p is None else p.bind(be, grads, sole(p))
            for p in (self.w_plan, self.h_plan, self.b_plan)
        ]
        adds = tuple(add for add, _ in bound)
        into_w, into_h = bound[0][1], bound[1][1]
        intos = (_shaped_view(be, into_w, self.shape), into_h)

        def forward() -> Any:
            w = be.reshape(u[self.w_rows], self.shape) if w_view is None else w_view
            h = v[self.h_rows] if h_view is None else h_view
            b = b_view
            if b is None and self.b_rows is not None:
                b = u[self.b_rows]
            self._compute(be, store, w, h, b, out)
            return w, h

        def backward(saved: Any) -> None:
            up = gv[self.grad_rows] if up_view is None else up_view
            self._pass(be, saved[0], saved[1], up, adds, intos)

        return forward, backward


def _shaped_view(be: Backend, block: Any, shape: tuple[int, int]) -> Any:
    """``block`` (a view of a workspace's rows) with another shape, if that is
    a view too; else ``None`` (rows with a step reshape to a copy, which would
    not follow the workspace)."""
    if block is None:
        return None
    shaped = be.reshape(block, shape)
    return shaped if numpy_module().shares_memory(shaped, block) else None
