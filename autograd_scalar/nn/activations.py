"""The activation functions a neuron may use, one record each.

:data:`ACTIVATIONS` is the single table that the layers, the network diagrams
and the demo read: a new activation is one more :class:`Activation` line.
Each record says how to apply the function to a :class:`~autograd_scalar.core.Value`
(recording a node), what it gives on a plain float, its derivative as people
write it, the op name recorded on the node, and the weight-initialisation gain.

>>> from autograd_scalar.core import Value
>>> act = activation("sigmoid")
>>> act.formula, act.derivative, act.op, act.gain
('σ(z)', 'σ(z)(1 − σ(z))', 'sigmoid', 1.0)
>>> z = Value(0.0)
>>> a = act(z)
>>> a.data, a.op, act.function(0.0)
(0.5, 'sigmoid', 0.5)
>>> act.slope(0.0)  # σ(0)(1 − σ(0))
0.25
>>> sorted(ACTIVATIONS)
['linear', 'relu', 'sigmoid', 'tanh']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import methodcaller
from types import MappingProxyType

from ..core import Value, enable_grad, no_grad
from ..core.checks import choice

__all__ = ["ACTIVATIONS", "Activation", "activation"]


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes:
        name: how it is asked for (``MLP(..., activation="relu")``).
        formula: ``a = f(z)`` for people, e.g. ``"max(0, z)"``.
        derivative: ``f′(z)`` for people, e.g. ``"1 − tanh²(z)"``.
        op: the op name recorded on the node it adds (``None`` for ``linear``,
            which adds no node: ``a`` is ``z`` itself).
        gain: the variance gain of the initial weights, drawn with variance
            ``gain / nin``: 2 for ReLU (He et al., 2015), since it zeroes half
            its inputs; 1 otherwise (LeCun).
        apply: ``Value -> Value``; prefer calling the record itself.
    """

    name: str
    formula: str
    derivative: str
    op: str | None
    gain: float
    apply: Callable[[Value], Value]

    def __call__(self, z: Value) -> Value:
        """``f(z)`` on a Value, recorded in the graph."""
        return self.apply(z)

    def function(self, z: float) -> float:
        """``f(z)`` on a float, computed by the engine itself (so a diagram
        shows exactly what the network computes, NaN and infinities included)."""
        with no_grad():
            return self.apply(Value(z)).data

    def slope(self, z: float) -> float:
        """``f′(z)`` on a float, from the engine's own derivative rule (0 at a
        kink, as PyTorch does)."""
        with enable_grad():
            x = Value(z)
            out = self.apply(x)
            if out is x:  # linear: no node, the derivative is 1
                return 1.0
            out.backward()
            return float(x.grad)


def _identity(z: Value) -> Value:
    return z


# Calling the method (not Value.relu itself) lets the same table run on any
# number type with the rule's method: forward mode's Dual, for gradcheck.

_TABLE = (
    #          name       formula            derivative               op         gain  apply
    Activation("linear", "z", "1", None, 1.0, _identity),
    Activation("relu", "max(0, z)", "1 if z > 0 else 0", "relu", 2.0, methodcaller("relu")),
    Activation("tanh", "tanh(z)", "1 − tanh²(z)", "tanh", 1.0, methodcaller("tanh")),
    Activation("sigmoid", "σ(z)", "σ(z)(1 − σ(z))", "sigmoid", 1.0, methodcaller("sigmoid")),
)

#: Every activation by name (read-only).
ACTIVATIONS: Mapping[str, Activation] = MappingProxyType({a.name: a for a in _TABLE})


def activation(name: object, op: str = "activation") -> Activation:
    """The record of the activation called ``name``; ``op`` names the caller in
    the error for an unknown name.

    >>> activation("relu").gain
    2.0
    >>> activation("sigmod", "Neuron")
    Traceback (most recent call last):
    ...
    autograd_scalar.core.errors.InvalidInputError: Neuron: activation must be one of 'linear', \
'relu', 'tanh', 'sigmoid'; got 'sigmod'
    """
    return ACTIVATIONS[choice(name, ACTIVATIONS, op, "activation")]
