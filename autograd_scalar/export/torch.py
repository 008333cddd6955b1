"""An :class:`~autograd_scalar.nn.layers.MLP` as a PyTorch module, and back.

:func:`mlp_to_torch` builds the structural equivalent: a
``torch.nn.Sequential`` of one ``nn.Linear`` per layer, each followed by its
activation module (none for a linear layer), in float64 by default, with the
same weights (``Linear.weight[j, k]`` is ``L{l}.n{j+1}.w{k+1}``). For the demo's
``MLP(2, [16, 16, 1])``::

    Sequential(
      (0): Linear(in_features=2, out_features=16, bias=True)
      (1): ReLU()
      (2): Linear(in_features=16, out_features=16, bias=True)
      (3): ReLU()
      (4): Linear(in_features=16, out_features=1, bias=True)
    )

Train it with PyTorch (any optimiser, several processes, a GPU), then come back:
:func:`mlp_from_torch` makes a new MLP of such a module, and :func:`load_torch`
copies its weights into an existing MLP (the same Values, so an optimiser or a
diagram that holds them sees the new numbers), to draw and step through here.

Needs PyTorch (the ``torch`` extra); nothing else in the library imports it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..core.errors import DomainError, InvalidInputError, ShapeError
from ..nn.layers import MLP

__all__ = ["ACTIVATION_MODULES", "load_torch", "mlp_from_torch", "mlp_to_torch"]

#: Our activation names and the PyTorch modules that compute the same function.
ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


def _layer_activation(mlp: MLP, index: int) -> str:
    layer = mlp.layers[index]
    names = {n.activation for n in layer.neurons}
    if len(names) != 1:
        raise DomainError(
            "mlp_to_torch",
            sorted(names),
            f"layer {index + 1} mixes activations {sorted(names)}: an nn.Linear is "
            "followed by one activation module, so every neuron of a layer needs the same one",
        )
    return names.pop()


def mlp_to_torch(mlp: MLP, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """``mlp`` as ``nn.Sequential(Linear, activation, Linear, ...)`` with a copy
    of its weights, in ``dtype`` (float64 by default: ``torch.tensor``'s own
    default, float32, would round every weight)."""
    if not isinstance(mlp, MLP):
        raise InvalidInputError(
            "mlp_to_torch", mlp, f"expected an autograd_scalar MLP, got {type(mlp).__name__}"
        )
    modules: list[nn.Module] = []
    for index, layer in enumerate(mlp.layers):
        act = _layer_activation(mlp, index)
        linear = nn.Linear(layer.nin, layer.nout, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if act != "linear":
            modules.append(ACTIVATION_MODULES[act]())
    return nn.Sequential(*modules)


def _layers_of(module: Any, op: str) -> list[tuple[nn.Linear, str]]:
    """``(Linear, activation name)`` for each layer of an exported-like module."""
    if not isinstance(module, nn.Sequential):
        raise InvalidInputError(
            op,
            module,
            "expected a torch.nn.Sequential of Linear and activation modules, "
            f"got {type(module).__name__}",
        )
    names = {cls: name for name, cls in ACTIVATION_MODULES.items()}
    layers: list[tuple[nn.Linear, str]] = []
    for position, child in enumerate(module):
        if isinstance(child, nn.Linear):
            if child.bias is None:
                raise ShapeError(
                    op,
                    position,
                    f"module {position}: a Linear without a bias has no MLP equivalent",
                )
            layers.append((child, "linear"))
        elif type(child) in names and layers and layers[-1][1] == "linear":
            layers[-1] = (layers[-1][0], names[type(child)])
        else:
            supported = ", ".join(c.__name__ for c in ACTIVATION_MODULES.values())
            raise InvalidInputError(
                op,
                child,
                f"module {position} ({type(child).__name__}): expected a Linear, or one of "
                f"{supported} right after a Linear",
            )
    if not layers:
        raise ShapeError(op, 0, "the Sequential holds no Linear layer")
    for (a, _), (b, _) in zip(layers, layers[1:]):
        if b.in_features != a.out_features:
            raise ShapeError(
                op,
                (a.out_features, b.in_features),
                f"a Linear of {a.out_features} outputs feeds one of {b.in_features} inputs",
            )
    return layers


def _numbers(tensor: torch.Tensor) -> Any:
    return tensor.detach().to("cpu", torch.float64).tolist()


def mlp_from_torch(module: nn.Module) -> MLP:
    """A new :class:`~autograd_scalar.nn.layers.MLP` with the structure and the
    weights of ``module`` (a ``Sequential`` such as :func:`mlp_to_torch` makes)."""
    layers = _layers_of(module, "mlp_from_torch")
    return MLP.from_weights(
        [_numbers(linear.weight) for linear, _ in layers],
        [_numbers(linear.bias) for linear, _ in layers],
        [act for _, act in layers],
    )


def load_torch(mlp: MLP, module: nn.Module) -> None:
    """Copy ``module``'s weights into ``mlp``'s parameters, in place. The two
    must have the same architecture (sizes and activations); otherwise
    :class:`~autograd_scalar.core.errors.ShapeError` is raised and ``mlp`` is
    left unchanged."""
    layers = _layers_of(module, "load_torch")
    mine = [
        (layer.nin, layer.nout, _layer_activation(mlp, i)) for i, layer in enumerate(mlp.layers)
    ]
    theirs = [(lin.in_features, lin.out_features, act) for lin, act in layers]
    if mine != theirs:
        raise ShapeError(
            "load_torch",
            theirs,
            f"the module's layers (inputs, outputs, activation) are {theirs}; the MLP's are {mine}",
        )
    values = [(_numbers(lin.weight), _numbers(lin.bias)) for lin, _ in layers]
    for layer, (weights, biases) in zip(mlp.layers, values):  # everything read: now write
        for neuron, row, bias in zip(layer.neurons, weights, biases):
            for w, data in zip(neuron.w, row):
                w.data = data
            neuron.b.data = bias
