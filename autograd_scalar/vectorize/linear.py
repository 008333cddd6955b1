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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.maths import Maths
from .steps import UNIFORM, VARYING, Scatter, Store

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
        out = be.rows(v, self.out)
        z = be.matmul(w, h, out=out)
        if self.b_rows is not None:
            z = be.add(z, be.rows(u, self.b_rows), out=out)
        be.commit(store, VARYING, self.out, z)
        return w, h

    def backward(self, be: Backend, m: Maths, store: Store, grads: Store, saved: Any) -> None:
        w, h = saved
        up = be.rows(grads[VARYING], self.grad_rows)  # (J, batch)
        if self.w_plan is not None:
            self.w_plan.add(be, grads, be.reshape(up @ h.T, (-1, 1)), UNIFORM)
        if self.h_plan is not None:
            # one neuron: an outer product, which NumPy's matmul does slowly
            dh = be.reshape(w, (-1, 1)) * up if self.shape[0] == 1 else w.T @ up
            self.h_plan.add(be, grads, dh, VARYING)
        if self.b_plan is not None:
            self.b_plan.add(be, grads, up, VARYING)  # a uniform row: summed over the batch
