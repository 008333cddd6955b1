"""The backward pass in a dozen plain lines: read this first.

:func:`backward_reference` is the chain rule exactly as the lecture notes
write it, ∂L/∂node = Σ over the node's uses of ∂use/∂node · ∂L/∂use, computed
from the output back to the inputs so that every sum is complete before it is
used. The engine's driver (:mod:`autograd_scalar.core.backward`) computes the
same numbers, in the same order, faster; a property test proves the two equal
on random graphs. (The model for this function is the ``backward_pass`` of
autodidact, the teaching version of HIPS autograd.)

>>> from autograd_scalar import Value
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> y = x * w + x
>>> grads = backward_reference(y)
>>> grads[x], grads[w]          # ∂y/∂x = w + 1, ∂y/∂w = x
(-2.0, 2.0)
"""

from __future__ import annotations

from typing import Any

from .graph import topological_order
from .value import Value

__all__ = ["backward_reference"]


def backward_reference(output: Value, seed: float = 1.0) -> dict[Value, Any]:
    """∂(seed · output)/∂node for every node ``output`` depends on (``grad`` untouched)."""
    grads: dict[Value, Any] = {output: seed}  # ∂output/∂output: the seed
    # Every node after each node it uses; reversed, the output comes first and
    # a node comes only after all of its uses, so its gradient is complete.
    for node in reversed(topological_order(output, keep_grads=True)):
        upstream = grads[node]  # ∂L/∂node, summed over every use
        for parent, local in zip(node.parents, node.local_grads):
            if local is None:  # a fixed number (the 3 of x ** 3): not differentiated
                continue
            # The chain rule, one path: ∂L/∂parent += ∂node/∂parent · ∂L/∂node
            grads[parent] = grads.get(parent, 0.0) + local * upstream
    return grads
