"""micrograd's ``nn``: ``Module``, ``Neuron``, ``Layer``, ``MLP``, with its conventions.

Weights start uniform in [-1, 1], drawn from Python's global ``random``
in micrograd's order (so ``random.seed(1337)`` gives micrograd's network), the
biases at 0; hidden layers are ReLU and the last layer linear; a layer with one
neuron returns a :class:`~autograd_scalar.compat.micrograd.engine.Value`, not a
list. The parameters are labelled with this library's names (``L1.n2.w1``) for
our diagrams.

>>> import random
>>> from autograd_scalar.compat.micrograd.nn import MLP
>>> random.seed(1337)
>>> model = MLP(2, [3, 1])
>>> model
MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(3)]]
>>> type(model([1.0, -2.0])).__name__, len(model.parameters())
('Value', 13)

:meth:`MLP.to_mlp` gives the same network as an :class:`autograd_scalar.nn.layers.MLP`
(for ``fit``, files, ``draw_network`` and the export to PyTorch).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ...core.checks import positive_int, sequence
from ...core.errors import ShapeError
from ...nn.layers import MLP as ScalarMLP
from .engine import Node, Value

__all__ = ["MLP", "Layer", "Module", "Neuron"]

#: What a network takes as its input: a sequence of Values, engine nodes or numbers.
Input = Sequence[Value | Node | float | int]


class Module:
    """What holds parameters: ``parameters()`` and ``zero_grad()``."""

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (they add up otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """The weights and biases (none for a bare module)."""
        return []

    def _label(self, prefix: str = "") -> None:
        """Name the parameters' nodes as this library does (``L1.n1.w1``)."""


class Neuron(Module):
    """``relu(w · x + b)``, or ``w · x + b`` with ``nonlin=False``."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        positive_int(nin, "Neuron", "nin")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = bool(nonlin)
        self._label()

    def __call__(self, x: Input) -> Value:
        if len(sequence(x, "Neuron", "the input", min_length=0)) != len(self.w):
            raise ShapeError(
                "Neuron", len(x), f"expected an input of length {len(self.w)}, got {len(x)}"
            )
        act = self.b  # b + w1·x1 + w2·x2 ..., in micrograd's order (same rounding)
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def _label(self, prefix: str = "") -> None:
        for k, wk in enumerate(self.w):
            wk.label = f"{prefix}w{k + 1}"
        self.b.label = f"{prefix}b"

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same input; the keyword arguments go to each
    :class:`Neuron`. One neuron's output is returned as a Value."""

    def __init__(self, nin: int, nout: int, *, nonlin: bool = True) -> None:
        positive_int(nout, "Layer", "nout")
        self.neurons = [Neuron(nin, nonlin=nonlin) for _ in range(nout)]
        self._label()

    def __call__(self, x: Input) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _label(self, prefix: str = "") -> None:
        for j, n in enumerate(self.neurons):
            n._label(f"{prefix}n{j + 1}.")

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of ``nouts[0]``, ``nouts[1]``, … neurons on ``nin`` inputs: ReLU
    hidden layers, a linear output layer."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        positive_int(nin, "MLP", "nin")
        sizes = [
            positive_int(n, "MLP", "every layer size") for n in sequence(nouts, "MLP", "nouts")
        ]
        dims = [nin, *sizes]
        last = len(sizes) - 1
        self.layers = [Layer(dims[i], dims[i + 1], nonlin=i != last) for i in range(len(sizes))]
        self._label()

    def __call__(self, x: Input) -> Value | list[Value]:
        h: Input = x
        out: Value | list[Value] = []
        for layer in self.layers:
            out = layer(h)
            h = [out] if isinstance(out, Value) else out  # micrograd would fail on one neuron
        return out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _label(self, prefix: str = "") -> None:
        for i, layer in enumerate(self.layers):
            layer._label(f"{prefix}L{i + 1}.")

    def to_mlp(self) -> ScalarMLP:
        """The same network, with a copy of the weights, as an
        :class:`autograd_scalar.nn.layers.MLP` (whose calls always return a list)."""
        weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in self.layers]
        biases = [[n.b.data for n in layer.neurons] for layer in self.layers]
        activations = ["relu" if layer.neurons[0].nonlin else "linear" for layer in self.layers]
        return ScalarMLP.from_weights(weights, biases, activations)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
