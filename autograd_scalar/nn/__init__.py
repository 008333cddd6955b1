"""Neural networks on the engine: modules and layers, activations, losses,
optimisers, training, and small datasets.

>>> from autograd_scalar.nn import MLP
>>> len(MLP(2, [3, 1]).parameters())
13
"""

from .activations import ACTIVATIONS, Activation, activation
from .layers import MLP, Layer, Neuron, Scalar
from .module import Module

__all__ = ["ACTIVATIONS", "MLP", "Activation", "Layer", "Module", "Neuron", "Scalar", "activation"]
