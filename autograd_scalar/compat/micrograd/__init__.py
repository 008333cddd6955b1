"""micrograd's interface on this library's engine: change the import, keep the code.

.. code-block:: python

    # from micrograd.engine import Value
    # from micrograd.nn import Neuron, Layer, MLP
    from autograd_scalar.compat.micrograd.engine import Value
    from autograd_scalar.compat.micrograd.nn import Neuron, Layer, MLP

:mod:`.engine` gives :class:`~.engine.Value` (with micrograd's ``_prev`` and
``_op``, so a notebook's own ``draw_dot`` works) and :mod:`.nn` the network
classes, with micrograd's conventions. Each Value is a handle on a node of this
library's engine (``v.node``), which our tools take: ``draw_graph(v.node)``,
``step_through(v.node)``. The page "Coming from micrograd" lists the differences.
"""

from . import engine, nn
from .engine import Value

__all__ = ["Value", "engine", "nn"]
