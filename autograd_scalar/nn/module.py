"""Neural networks built from :class:`~autograd_scalar.engine.Value` nodes.

A :class:`Neuron` computes ``f(w·x + b)``; a :class:`Layer` is a list of
neurons fed the same input; an :class:`MLP` chains layers. Every weight and
bias is a leaf :class:`Value`, so a loss built from a network's output can be
back-propagated to all of them.

>>> from autograd_scalar.nn import MLP
>>> net = MLP(2, [4, 1], activation="tanh", seed=1)
>>> out = net([0.5, -1.0])
>>> len(out), len(net.parameters())
(1, 17)

A network from a textbook figure: ``weights[l][j][k]`` is the weight from input
``k`` to neuron ``j`` of layer ``l``.

>>> net = MLP.from_weights([[[1.0, -2.0]]], [[1.0]], "sigmoid")
>>> round(net([1.0, -1.0])[0].data, 3)  # σ(1·1 + (-2)·(-1) + 1) = σ(4)
0.982
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
from collections.abc import Iterator, Sequence

from ..core.errors import DomainError, InvalidInputError, ShapeError
from ..core.value import Value

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "Scalar"]

#: The activation functions a neuron may use.
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")

#: What a network accepts as one input coordinate.
Scalar = Value | float | int

_FILE_FORMAT = "autograd_scalar.parameters"


def _check_activation(activation: object, where: str) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise DomainError(
            where, activation, f"activation must be one of {', '.join(ACTIVATIONS)}; "
            f"got {activation!r}"
        )  # fmt: skip
    return activation


def _check_size(n: object, what: str, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise DomainError(where, n, f"{what} must be a positive int, got {n!r}")
    return n


def _check_number(x: object, where: str, label: str | None = None) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InvalidInputError(where, x, f"expected a real number, got {x!r}", label)
    value = float(x)
    if not math.isfinite(value):
        raise DomainError(where, value, f"expected a finite number, got {value!r}", label)
    return value


class Module:
    """Anything holding parameters: gives them, zeroes their gradients, and
    saves them to / loads them from a JSON file.

    Subclasses implement :meth:`named_parameters`.
    """

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a fixed order; names are dotted
        paths such as ``"layers.0.neurons.1.w.0"``."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def parameters(self) -> list[Value]:
        """Every weight and bias, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaves accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: object, *, source: str = "state") -> None:
        """Set every parameter from ``state`` (a mapping of name → number).

        Every name must be present, with no extra ones, and every value a
        finite number; otherwise :class:`ShapeError` (or
        :class:`InvalidInputError` for a non-number) is raised and the model is
        left unchanged.
        """
        if not isinstance(state, dict):
            raise ShapeError("load", type(state).__name__, f"{source}: expected a JSON object")
        named = dict(self.named_parameters())
        missing = [n for n in named if n not in state]
        extra = [n for n in state if n not in named]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)} parameter(s), first {missing[0]!r}")
            if extra:
                parts.append(f"{len(extra)} unknown name(s), first {extra[0]!r}")
            raise ShapeError(
                "load", (len(state), len(named)),
                f"{source} does not fit this model ({len(named)} parameters expected): "
                + "; ".join(parts),
            )  # fmt: skip
        values = {n: _check_number(state[n], "load", n) for n in named}
        for name, p in named.items():  # only now, when everything checked out
            p.data = values[name]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file."""
        document = {"format": _FILE_FORMAT, "version": 1, "parameters": self.state_dict()}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1)
            f.write("\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by :meth:`save`. A file that does not fit
        this model raises :class:`ShapeError` and changes nothing."""
        with open(path, encoding="utf-8") as f:
            try:
                document = json.load(f)
            except json.JSONDecodeError as exc:
                raise ShapeError("load", os.fspath(path), f"not a JSON file: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise ShapeError(
                "load", os.fspath(path), f'not a parameter file (no "format": {_FILE_FORMAT!r})'
            )
        self.load_state_dict(document.get("parameters"), source=os.fspath(path))


class Neuron(Module):
    """One unit: ``activation(w · x + b)``.

    Args:
        nin: number of inputs.
        activation: ``"linear"``, ``"relu"``, ``"tanh"`` or ``"sigmoid"``.
        seed: seeds the initial weights (ignored when ``rng`` is given).
        rng: a :class:`random.Random` to draw the weights from (layers pass
            theirs, so a whole network follows from one seed).

    Weights are drawn from a normal distribution with variance ``2/nin`` for
    ReLU (He) and ``1/nin`` otherwise (LeCun), so activations keep roughly the
    same scale from layer to layer; the bias starts at 0. Set weights directly
    through ``.w[k].data`` and ``.b.data``, or build with :meth:`MLP.from_weights`.

    >>> n = Neuron(2, "relu", seed=0)
    >>> n.w[0].data, n.w[1].data, n.b.data = 1.0, 2.0, -1.0
    >>> n([3.0, 1.0]).data
    4.0
    """

    def __init__(
        self,
        nin: int,
        activation: str = "linear",
        *,
        seed: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        _check_size(nin, "nin", "Neuron")
        self.activation = _check_activation(activation, "Neuron")
        rng = rng if rng is not None else random.Random(seed)
        std = math.sqrt((2.0 if activation == "relu" else 1.0) / nin)
        self.w = [Value(rng.gauss(0.0, std), label=f"w{k + 1}") for k in range(nin)]
        self.b = Value(0.0, label="b")

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
        a = self.activation
        if a == "relu":
            return z.relu()
        if a == "tanh":
            return z.tanh()
        if a == "sigmoid":
            return z.sigmoid()
        return z

    def __call__(self, x: Sequence[Scalar]) -> Value:
        return self.activate(self.preactivation(x))

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for k, wk in enumerate(self.w):
            yield f"w.{k}", wk
        yield "b", self.b

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {self.activation!r})"


class Layer(Module):
    """``nout`` neurons, each fed the same ``nin`` inputs. Calling a layer
    always returns a list, even when it has a single neuron.

    >>> layer = Layer(3, 2, "tanh", seed=0)
    >>> [type(a).__name__ for a in layer([1.0, 2.0, 3.0])]
    ['Value', 'Value']
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "linear",
        *,
        seed: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        _check_size(nin, "nin", "Layer")
        _check_size(nout, "nout", "Layer")
        _check_activation(activation, "Layer")
        rng = rng if rng is not None else random.Random(seed)
        self.neurons = [Neuron(nin, activation, rng=rng) for _ in range(nout)]
        for j, neuron in enumerate(self.neurons):
            _prefix_labels(neuron, f"n{j + 1}.")

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

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for j, neuron in enumerate(self.neurons):
            for name, p in neuron.named_parameters():
                yield f"neurons.{j}.{name}", p

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, {self.activation!r})"


def _prefix_labels(module: Module, prefix: str) -> None:
    for p in module.parameters():
        p.label = prefix + (p.label or "")


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

    Parameter labels follow the textbook indices, 1-based: ``L2.n1.w3`` is
    the weight from input 3 to neuron 1 of layer 2.

    >>> net = MLP(2, [16, 16, 1])
    >>> net
    MLP(2 -> 16 relu -> 16 relu -> 1 linear)
    >>> net.layers[2].neurons[0].w[0].label
    'L3.n1.w1'
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        seed: int = 0,
    ) -> None:
        _check_size(nin, "nin", "MLP")
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
            raise ShapeError("MLP", sizes, f"sizes must be a non-empty list of ints, got {sizes!r}")
        for s in sizes:
            _check_size(s, "every layer size", "MLP")
        if isinstance(activation, str):
            _check_activation(activation, "MLP")
            _check_activation(output_activation, "MLP")
            activations = [activation] * (len(sizes) - 1) + [output_activation]
        else:
            activations = [_check_activation(a, "MLP") for a in activation]
            if len(activations) != len(sizes):
                raise ShapeError(
                    "MLP", len(activations),
                    f"expected {len(sizes)} activations (one per layer), got {len(activations)}",
                )  # fmt: skip
        rng = random.Random(seed)
        dims = [nin, *sizes]
        self.layers = [
            Layer(dims[i], dims[i + 1], activations[i], rng=rng) for i in range(len(sizes))
        ]
        for i, layer in enumerate(self.layers):
            _prefix_labels(layer, f"L{i + 1}.")

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
        a list with one per layer.

        >>> net = MLP.from_weights([[[1, 1], [1, -1]], [[1, 1]]], [[0, 0], [0]], "linear")
        >>> [v.data for v in net([2.0, 3.0])]  # (2 + 3) + (2 - 3)
        [4.0]
        """
        if not weights or len(weights) != len(biases):
            raise ShapeError(
                "MLP.from_weights", (len(weights), len(biases)),
                "expected one weight matrix and one bias vector per layer, at least one layer; "
                f"got {len(weights)} weight matrices and {len(biases)} bias vectors",
            )  # fmt: skip
        if isinstance(activations, str):
            activations = [activations] * len(weights)
        if len(activations) != len(weights):
            raise ShapeError(
                "MLP.from_weights", len(activations),
                f"expected {len(weights)} activations (one per layer), got {len(activations)}",
            )  # fmt: skip
        nin = len(weights[0][0]) if weights[0] else 0
        sizes = []
        previous = nin
        for index, (matrix, bias) in enumerate(zip(weights, biases)):
            if not matrix or len(matrix) != len(bias):
                raise ShapeError(
                    "MLP.from_weights", (len(matrix), len(bias)),
                    f"layer {index}: expected as many bias entries as weight rows (at least 1), "
                    f"got {len(matrix)} rows and {len(bias)} biases",
                )  # fmt: skip
            for j, row in enumerate(matrix):
                if len(row) != previous:
                    raise ShapeError(
                        "MLP.from_weights", len(row),
                        f"layer {index}, neuron {j}: expected {previous} weights "
                        f"(the size of the layer's input), got {len(row)}",
                    )  # fmt: skip
            sizes.append(len(matrix))
            previous = len(matrix)
        net = cls(nin, sizes, list(activations))
        for layer, matrix, bias in zip(net.layers, weights, biases):
            for neuron, row, b in zip(layer.neurons, matrix, bias):
                for wk, value in zip(neuron.w, row):
                    wk.data = _check_number(value, "MLP.from_weights", wk.label)
                neuron.b.data = _check_number(b, "MLP.from_weights", neuron.b.label)
        return net

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        return self.layers[-1].nout

    def __call__(self, x: Sequence[Scalar]) -> list[Value]:
        if len(x) != self.nin:
            raise ShapeError("MLP", len(x), f"expected an input of length {self.nin}, got {len(x)}")
        h: Sequence[Scalar] = x
        out: list[Value] = []
        for layer in self.layers:
            out = layer(h)
            h = out
        return out

    def trace(self, x: Sequence[Scalar]) -> list[tuple[list[Value], list[Value]]]:
        """The forward pass layer by layer: ``(z, h)`` per layer, the weighted
        inputs and the activations (algorithm 6.3 of Goodfellow et al.)."""
        if len(x) != self.nin:
            raise ShapeError("MLP", len(x), f"expected an input of length {self.nin}, got {len(x)}")
        out = []
        h: Sequence[Scalar] = x
        for layer in self.layers:
            z = layer.preactivations(h)
            acts = [n.activate(zj) for n, zj in zip(layer.neurons, z)]
            out.append((z, acts))
            h = acts
        return out

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers.{i}.{name}", p

    def __repr__(self) -> str:
        parts = [str(self.nin)] + [f"{layer.nout} {layer.activation}" for layer in self.layers]
        return f"MLP({' -> '.join(parts)})"
