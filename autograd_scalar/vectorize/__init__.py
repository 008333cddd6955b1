"""Record a one-example function once, replay it over a NumPy batch.

See :mod:`autograd_scalar.vectorize.program` for how the replay works.
"""

from .program import Recording, Replay, batched_loss_and_grad, numpy_module, record

__all__ = ["Recording", "Replay", "batched_loss_and_grad", "numpy_module", "record"]
