"""Record a one-example function once, replay it over a batch of arrays.

See :mod:`autograd_scalar.vectorize.program` for what it does and how to use
it. The modules, in the order the data flows:

* :mod:`.record`: tracing one example into a graph, comparing recordings;
* :mod:`.plan`: compiling the graph into steps, pass by pass;
* :mod:`.steps`: the array steps, and the NumPy ``m`` the rules run on;
* :mod:`.linear`: a layer's weighted sums as matrix products;
* :mod:`.backend`: the steps' calls outside the array API standard, for
  NumPy (the default) and for any array-API library (PyTorch, ...);
* :mod:`.program`: running the steps over a batch; the public API.
"""

from .program import (
    PerformanceWarning,
    Recording,
    Replay,
    batched_loss_and_grad,
    numpy_module,
    record,
)

__all__ = [
    "PerformanceWarning",
    "Recording",
    "Replay",
    "batched_loss_and_grad",
    "numpy_module",
    "record",
]
