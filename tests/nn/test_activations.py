"""Tests of autograd_scalar.nn.activations: the one table of activations."""

from __future__ import annotations

import math

import pytest

from autograd_scalar.core.errors import InvalidInputError
from autograd_scalar.core.value import Value
from autograd_scalar.nn import ACTIVATIONS, MLP, Neuron, activation

# f and f′ written out from the definitions, independently of the table
REFERENCE = {
    "linear": (lambda z: z, lambda z: 1.0),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "sigmoid": (
        lambda z: 1.0 / (1.0 + math.exp(-z)),
        lambda z: math.exp(-z) / (1.0 + math.exp(-z)) ** 2,
    ),
}
POINTS = [-3.0, -0.5, 0.0, 0.25, 2.0]


def test_the_table_has_the_four_activations_and_is_read_only() -> None:
    assert list(ACTIVATIONS) == ["linear", "relu", "tanh", "sigmoid"]
    with pytest.raises(TypeError):
        ACTIVATIONS["gelu"] = ACTIVATIONS["relu"]  # type: ignore[index]


@pytest.mark.parametrize("name", list(REFERENCE))
@pytest.mark.parametrize("z", POINTS)
def test_each_record_applies_computes_and_differentiates_as_its_definition(
    name: str, z: float
) -> None:
    act = ACTIVATIONS[name]
    f, df = REFERENCE[name]
    x = Value(z)
    out = act(x)
    assert out.data == pytest.approx(f(z), rel=1e-15, abs=1e-300)
    assert act.function(z) == out.data
    assert act.slope(z) == pytest.approx(df(z), rel=1e-12, abs=1e-300)
    if act.op is None:
        assert out is x  # linear adds no node
    else:
        assert out.op == act.op
        out.backward()
        assert x.grad == act.slope(z)


def test_formulas_gains_and_op_names() -> None:
    assert ACTIVATIONS["tanh"].derivative == "1 − tanh²(z)"
    assert ACTIVATIONS["sigmoid"].derivative == "σ(z)(1 − σ(z))"
    assert {n: a.gain for n, a in ACTIVATIONS.items()} == {
        "linear": 1.0, "relu": 2.0, "tanh": 1.0, "sigmoid": 1.0
    }  # fmt: skip
    assert all(a.formula and a.derivative for a in ACTIVATIONS.values())


@pytest.mark.parametrize("name", list(REFERENCE))
def test_neurons_and_networks_use_the_record(name: str) -> None:
    out = Neuron(2, name, seed=0)([0.3, -0.2])
    assert out.op == (ACTIVATIONS[name].op or "add")  # linear: the last node is w·x + b
    net = MLP(2, [2, 1], activation=name)
    z, h = net.trace([0.1, 0.2])[0]
    assert [a.data for a in h] == [ACTIVATIONS[name].function(zj.data) for zj in z]


def test_an_unknown_name_is_refused_naming_the_caller() -> None:
    with pytest.raises(InvalidInputError, match="Neuron: activation must be one of 'linear'"):
        activation("gelu", "Neuron")
    with pytest.raises(InvalidInputError, match="got 3"):
        activation(3)
    n = Neuron(1, "relu")
    n.activation = "swish"
    with pytest.raises(InvalidInputError, match="Neuron: activation must be one of"):
        n([1.0])
