"""Neural networks on the engine: modules and layers, losses, optimisers,
training, and small datasets.

>>> from autograd_scalar.nn import MLP
>>> len(MLP(2, [3, 1]).parameters())
13
"""

from .module import ACTIVATIONS, MLP, Layer, Module, Neuron, Scalar

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "Scalar"]
