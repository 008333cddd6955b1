"""Neurons, layers and multilayer perceptrons built from :class:`~autograd_scalar.core.Value` nodes.

A :class:`Neuron` computes ``f(w·x + b)``; a :class:`Layer` is a list of
neurons fed the same input; an :class:`MLP` chains layers. Every weight and
bias is a leaf :class:`Value`, so a loss built from a network's output can be
back-propagated to all of them. The activations ``f`` are the records of
:data:`~autograd_scalar.nn.activations.ACTIVATIONS`.

>>> net = MLP(2, [4, 1], activation="tanh", seed=1)
>>> out = net([0.5, -1.0])
>>> len(out), len(net.parameters())
(1, 17)

A network from a textbook figure: ``weights[l][j][k]`` is the weight from input
``k`` to neuron ``j`` of layer ``l`` (Python's 0-based indices; the labels and
names count from 1, as the figures do).

>>> net = MLP.from_weights([[[1.0, -2.0]]], [[1.0]], "sigmoid")
>>> round(net([1.0, -1.0])[0].data, 3)  # σ(1·1 + (-2)·(-1) + 1) = σ(4)
0.982
>>> [name for name, _ in net.named_parameters()]
['L1.n1.w1', 'L1.n1.w2', 'L1.n1.b']
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from ..core import Value
from ..core.checks import finite_number, positive_int, sequence
from ..core.errors import ShapeError
from . import activations
from .activations import ACTIVATIONS
from .module import Module

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Neuron", "Scalar"]

#: What a network accepts as one input coordinate.
Scalar = Value | float | int


def _check_input(x: Sequence[Scalar], n: int, op: str) -> None:
    sequence(x, op, "the input", min_length=0)
    if len(x) != n:
        raise ShapeError(op, len(x), f"expected an input of length {n}, got {len(x)}")


def _activation_of(layer: Layer) -> str | list[str]:
    """A layer's activation for its architecture: one name, or one per neuron
    where they were set differently by hand."""
    names = [n.activation for n in layer.neurons]
    return names[0] if len(set(names)) == 1 else names


class Neuron(Module):
    """One unit: ``activation(w · x + b)``.

    Args:
        nin: number of inputs.
        activation: a name from :data:`ACTIVATIONS`: ``"linear"``, ``"relu"``,
            ``"tanh"`` or ``"sigmoid"``.
        seed: seeds the initial weights (ignored when ``rng`` is given).
        rng: a :class:`random.Random` to draw the weights from (layers pass
            theirs, so a whole network follows from one seed).

    Weights are drawn from a normal distribution of variance ``gain/nin``, the
    activation's gain: 2 for ReLU (He), 1 otherwise (LeCun), so activations
    keep roughly the same scale from layer to layer; the bias starts at 0. Set
    weights directly through ``.w[k].data`` and ``.b.data``, or build with
    :meth:`MLP.from_weights`.

    >>> n = Neuron(2, "relu", seed=0)
    >>> n.w[0].data, n.w[1].data, n.b.data = 1.0, 2.0, -1.0
    >>> n([3.0, 1.0]).data
    4.0
    >>> n.w[1].label
    'w2'
    """

    def __init__(
        self,
        nin: int,
        activation: str = "linear",
        *,
        seed: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        nin = positive_int(nin, "Neuron", "nin")
        record = activations.activation(activation, "Neuron")
        self.activation = record.name
        rng = rng if rng is not None else random.Random(seed)
        std = math.sqrt(record.gain / nin)
        self.w = [Value(rng.gauss(0.0, std)) for _ in range(nin)]
        self.b = Value(0.0)
        self.label_parameters()

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.w)

    def preactivation(self, x: Sequence[Scalar]) -> Value:
        """The weighted input ``z = w · x + b`` (before the activation)."""
        w = self.w
        if len(x) != len(w):
            raise ShapeError(
                "Neuron", len(x), f"expected an input of length {len(w)}, got {len(x)}"
            )
        z = self.b
        for wk, xk in zip(w, x):
            z = z + wk * xk
        return z

    def activate(self, z: Value) -> Value:
        """This neuron's activation function applied to ``z``."""
        try:
            record = ACTIVATIONS[self.activation]
        except (KeyError, TypeError):  # set by hand to something else: say what is allowed
            record = activations.activation(self.activation, "Neuron")
        return record.apply(z)

    def __call__(self, x: Sequence[Scalar]) -> Value:
        return self.activate(self.preactivation(x))

    def architecture(self) -> dict[str, Any]:
        return {"class": "Neuron", "nin": self.nin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {self.activation!r})"


class Layer(Module):
    """``nout`` neurons, each fed the same ``nin`` inputs. Calling a layer
    always returns a list, even when it has a single neuron. Its parameters
    are named ``n{j}.w{k}`` and ``n{j}.b``.

    >>> layer = Layer(3, 2, "tanh", seed=0)
    >>> [type(a).__name__ for a in layer([1.0, 2.0, 3.0])]
    ['Value', 'Value']
    >>> layer.neurons[1].w[2].label
    'n2.w3'
    """

    item_names = {"neurons": "n"}

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "linear",
        *,
        seed: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        positive_int(nin, "Layer", "nin")
        positive_int(nout, "Layer", "nout")
        activations.activation(activation, "Layer")
        rng = rng if rng is not None else random.Random(seed)
        self.neurons = [Neuron(nin, activation, rng=rng) for _ in range(nout)]
        self.label_parameters()

    @property
    def activation(self) -> str:
        """The activation of the layer's neurons."""
        return self.neurons[0].activation

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    def preactivations(self, x: Sequence[Scalar]) -> list[Value]:
        """Every neuron's weighted input ``z``."""
        return [n.preactivation(x) for n in self.neurons]

    def __call__(self, x: Sequence[Scalar]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def architecture(self) -> dict[str, Any]:
        return {
            "class": "Layer",
            "nin": self.nin,
            "nout": self.nout,
            "activation": _activation_of(self),
        }

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, {self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: layers of ``sizes[0]``, ``sizes[1]``, …
    neurons on an input of ``nin`` numbers.

    Args:
        nin: input size.
        sizes: the number of neurons of each layer, output layer last.
        activation: the hidden layers' activation, or a list giving every
            layer's activation (output layer included; then
            ``output_activation`` is not used).
        output_activation: the last layer's activation (default linear, so the
            outputs are scores / logits for a loss).
        seed: the initial weights follow from it.

    Parameters are named and labelled with the textbook indices, 1-based:
    ``L2.n1.w3`` is the weight from input 3 to neuron 1 of layer 2, ``L2.n1.b``
    that neuron's bias.

    >>> net = MLP(2, [16, 16, 1])
    >>> net
    MLP(2 -> 16 relu -> 16 relu -> 1 linear)
    >>> net.layers[2].neurons[0].w[0].label
    'L3.n1.w1'
    """

    item_names = {"layers": "L"}

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        seed: int = 0,
    ) -> None:
        positive_int(nin, "MLP", "nin")
        sequence(sizes, "MLP", "sizes")
        for s in sizes:
            positive_int(s, "MLP", "every layer size")
        if isinstance(activation, str):
            activations.activation(activation, "MLP")
            activations.activation(output_activation, "MLP")
            per_layer = [activation] * (len(sizes) - 1) + [output_activation]
        else:
            per_layer = [
                activations.activation(a, "MLP").name
                for a in sequence(activation, "MLP", "activation")
            ]
            if len(per_layer) != len(sizes):
                raise ShapeError(
                    "MLP", len(per_layer),
                    f"expected {len(sizes)} activations (one per layer), got {len(per_layer)}",
                )  # fmt: skip
        rng = random.Random(seed)
        dims = [nin, *sizes]
        self.layers = [
            Layer(dims[i], dims[i + 1], per_layer[i], rng=rng) for i in range(len(sizes))
        ]
        self.label_parameters()

    def to_torch(self, dtype: Any = None) -> Any:
        """This network as a PyTorch ``nn.Sequential`` of ``nn.Linear`` and
        activations, float64 by default (see :mod:`autograd_scalar.export.torch`;
        needs the ``torch`` extra)."""
        from ..export.torch import mlp_to_torch  # torch only when asked for

        return mlp_to_torch(self) if dtype is None else mlp_to_torch(self, dtype)

    def load_torch(self, module: Any) -> None:
        """Copy the weights of a PyTorch module of the same architecture into this
        network (see :func:`autograd_scalar.export.torch.load_torch`)."""
        from ..export.torch import load_torch

        load_torch(self, module)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[Sequence[float]]],
        biases: Sequence[Sequence[float]],
        activations: str | Sequence[str],
    ) -> MLP:
        """A network with the given parameters: ``weights[l][j][k]`` is the
        weight from input ``k`` to neuron ``j`` of layer ``l``, ``biases[l][j]``
        the bias of that neuron; ``activations`` is one name for every layer or
        a list with one per layer. Errors name layers and neurons from 1, as
        the labels do.

        >>> net = MLP.from_weights([[[1, 1], [1, -1]], [[1, 1]]], [[0, 0], [0]], "linear")
        >>> [v.data for v in net([2.0, 3.0])]  # (2 + 3) + (2 - 3)
        [4.0]
        """
        op = "MLP.from_weights"
        sequence(weights, op, "weights", min_length=0)
        sequence(biases, op, "biases", min_length=0)
        if not weights or len(weights) != len(biases):
            raise ShapeError(
                op, (len(weights), len(biases)),
                "expected one weight matrix and one bias vector per layer, at least one layer; "
                f"got {len(weights)} weight matrices and {len(biases)} bias vectors",
            )  # fmt: skip
        if isinstance(activations, str):
            activations = [activations] * len(weights)
        if len(sequence(activations, op, "activations")) != len(weights):
            raise ShapeError(
                op, len(activations),
                f"expected {len(weights)} activations (one per layer), got {len(activations)}",
            )  # fmt: skip
        first = sequence(weights[0], op, "layer 1's weights", min_length=0)
        nin = len(sequence(first[0], op, "L1.n1's weights", min_length=0)) if first else 0
        sizes = []
        previous = nin
        for index, (matrix, bias) in enumerate(zip(weights, biases)):
            layer = index + 1
            sequence(matrix, op, f"layer {layer}'s weights", min_length=0)
            sequence(bias, op, f"layer {layer}'s biases", min_length=0)
            if not matrix or len(matrix) != len(bias):
                raise ShapeError(
                    op, (len(matrix), len(bias)),
                    f"layer {layer}: expected as many bias entries as weight rows (at least 1), "
                    f"got {len(matrix)} rows and {len(bias)} biases",
                )  # fmt: skip
            for j, row in enumerate(matrix):
                if len(sequence(row, op, f"L{layer}.n{j + 1}'s weights", min_length=0)) != previous:
                    raise ShapeError(
                        op, len(row),
                        f"layer {layer}, neuron {j + 1} (L{layer}.n{j + 1}): expected {previous} "
                        f"weights (the size of the layer's input), got {len(row)}",
                    )  # fmt: skip
            sizes.append(len(matrix))
            previous = len(matrix)
        net = cls(nin, sizes, list(activations))
        for layer_, matrix, bias in zip(net.layers, weights, biases):
            for neuron, row, b in zip(layer_.neurons, matrix, bias):
                for wk, value in zip(neuron.w, row):
                    wk.data = finite_number(value, op, label=wk.label)
                neuron.b.data = finite_number(b, op, label=neuron.b.label)
        return net

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        return self.layers[-1].nout

    def __call__(self, x: Sequence[Scalar]) -> list[Value]:
        _check_input(x, self.nin, "MLP")
        h: Sequence[Scalar] = x
        out: list[Value] = []
        for layer in self.layers:
            out = layer(h)
            h = out
        return out

    def trace(self, x: Sequence[Scalar]) -> list[tuple[list[Value], list[Value]]]:
        """The forward pass layer by layer: ``(z, h)`` per layer, the weighted
        inputs and the activations (algorithm 6.3 of Goodfellow et al.)."""
        _check_input(x, self.nin, "MLP")
        out = []
        h: Sequence[Scalar] = x
        for layer in self.layers:
            z = layer.preactivations(h)
            acts = [n.activate(zj) for n, zj in zip(layer.neurons, z)]
            out.append((z, acts))
            h = acts
        return out

    def architecture(self) -> dict[str, Any]:
        return {
            "class": "MLP",
            "nin": self.nin,
            "sizes": [layer.nout for layer in self.layers],
            "activations": [_activation_of(layer) for layer in self.layers],
        }

    def __repr__(self) -> str:
        parts = [str(self.nin)] + [f"{layer.nout} {layer.activation}" for layer in self.layers]
        return f"MLP({' -> '.join(parts)})"
