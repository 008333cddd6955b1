"""Tests of autograd_scalar.nn: Neuron, Layer, MLP, parameters and files."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.core.errors import DomainError, InvalidInputError, ShapeError
from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP, Layer, Neuron

ACTS = ["linear", "relu", "tanh", "sigmoid"]


def reference_forward(weights, biases, acts, x):
    """The network on plain floats, straight from the definition."""
    f = {
        "linear": lambda z: z,
        "relu": lambda z: max(z, 0.0),
        "tanh": math.tanh,
        "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    }
    h = x
    for W, b, a in zip(weights, biases, acts):
        h = [f[a](bj + sum(w * hk for w, hk in zip(row, h))) for row, bj in zip(W, b)]
    return h


small = st.floats(-3.0, 3.0, allow_nan=False)


@st.composite
def nets(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    W = [
        [[draw(small) for _ in range(sizes[i])] for _ in range(sizes[i + 1])]
        for i in range(len(sizes) - 1)
    ]
    b = [[draw(small) for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    acts = [draw(st.sampled_from(ACTS)) for _ in W]
    x = [draw(small) for _ in range(sizes[0])]
    return W, b, acts, x


@settings(max_examples=60)
@given(nets())
def test_forward_equals_the_definition(net) -> None:
    W, b, acts, x = net
    mlp = MLP.from_weights(W, b, acts)
    got = [v.data for v in mlp(x)]
    assert got == pytest.approx(reference_forward(W, b, acts, x), rel=1e-12, abs=1e-12)


@settings(max_examples=60)
@given(nets())
def test_from_weights_places_weight_l_j_k(net) -> None:
    W, b, acts, _ = net
    mlp = MLP.from_weights(W, b, acts)
    for layer, matrix, bias, act in zip(mlp.layers, W, b, acts):
        assert [[w.data for w in n.w] for n in layer.neurons] == matrix
        assert [n.b.data for n in layer.neurons] == bias
        assert layer.activation == act


@settings(max_examples=40)
@given(nets())
def test_trace_agrees_with_call(net) -> None:
    W, b, acts, x = net
    mlp = MLP.from_weights(W, b, acts)
    trace = mlp.trace(x)
    assert [h.data for h in trace[-1][1]] == [v.data for v in mlp(x)]
    assert len(trace) == len(W)


def test_layer_always_returns_a_list() -> None:
    out = Layer(3, 1)([1.0, 2.0, 3.0])
    assert isinstance(out, list)
    assert len(out) == 1
    assert isinstance(out[0], Value)
    assert isinstance(MLP(2, [1])([0.0, 1.0]), list)


def test_initialisation_is_deterministic_by_seed() -> None:
    a = [p.data for p in MLP(3, [5, 2], seed=7).parameters()]
    b = [p.data for p in MLP(3, [5, 2], seed=7).parameters()]
    c = [p.data for p in MLP(3, [5, 2], seed=8).parameters()]
    assert a == b
    assert a != c
    assert Neuron(4, seed=1).w[0].data == Neuron(4, seed=1).w[0].data


@pytest.mark.parametrize(("activation", "gain"), [("relu", 2.0), ("tanh", 1.0), ("linear", 1.0)])
def test_initial_weights_are_scaled_by_fan_in(activation: str, gain: float) -> None:
    nin = 200
    layer = Layer(nin, 50, activation, seed=3)
    weights = [w.data for n in layer.neurons for w in n.w]
    variance = statistics.pvariance(weights)
    # 10 000 draws: the sample variance is within a few percent of gain/nin
    assert variance == pytest.approx(gain / nin, rel=0.1)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_parameters_names_and_labels() -> None:
    net = MLP(3, [4, 2], seed=0)
    params = net.parameters()
    assert len(params) == (3 + 1) * 4 + (4 + 1) * 2
    named = list(net.named_parameters())
    assert [p for _, p in named] == params
    assert len({name for name, _ in named}) == len(named)
    # one scheme, 1-based as the lecture notes number layers and weights:
    # the names are the labels and the keys of the state
    assert named[0][0] == "L1.n1.w1"
    assert named[-1][0] == "L2.n2.b"
    assert net.layers[1].neurons[0].w[2].label == "L2.n1.w3"
    assert net.layers[0].neurons[3].b.label == "L1.n4.b"
    assert all(p.label == name for name, p in named)
    assert list(net.state_dict()) == [name for name, _ in named]
    assert all(p.is_leaf for p in params)


def test_zero_grad_resets_every_parameter() -> None:
    net = MLP(2, [3, 1], activation="tanh", seed=0)
    net([1.0, -1.0])[0].backward()
    assert any(p.grad != 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_hidden_and_output_activations() -> None:
    net = MLP(2, [3, 3, 1], activation="tanh", output_activation="sigmoid")
    assert [layer.activation for layer in net.layers] == ["tanh", "tanh", "sigmoid"]
    net = MLP(2, [3, 1])
    assert [layer.activation for layer in net.layers] == ["relu", "linear"]
    net = MLP(2, [3, 2], activation=["sigmoid", "relu"])
    assert [layer.activation for layer in net.layers] == ["sigmoid", "relu"]
    assert repr(net) == "MLP(2 -> 3 sigmoid -> 2 relu)"


def test_setting_weights_by_hand() -> None:
    n = Neuron(2, "sigmoid")
    n.w[0].data, n.w[1].data, n.b.data = 1.0, -2.0, 1.0
    assert n([1.0, -1.0]).data == pytest.approx(1.0 / (1.0 + math.exp(-4.0)))


def test_inputs_may_be_values_and_gradients_reach_them() -> None:
    net = MLP.from_weights([[[2.0, 3.0]]], [[0.0]], "linear")
    x = [Value(1.0), Value(1.0)]
    net(x)[0].backward()
    assert [xi.grad for xi in x] == [2.0, 3.0]


# ------------------------------------------------------------------ bad input
def test_wrong_input_length_names_the_expected_size() -> None:
    net = MLP(3, [2, 1])
    with pytest.raises(ShapeError, match="expected an input of length 3, got 2"):
        net([1.0, 2.0])
    with pytest.raises(ShapeError, match="length 3"):
        net.trace([1.0])
    with pytest.raises(ShapeError, match="expected an input of length 2, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])


def test_bad_construction_arguments() -> None:
    # the choices and sizes are checked by core.checks, as everywhere in the package
    with pytest.raises(InvalidInputError, match="activation must be one of"):
        Neuron(2, "sigmod")
    with pytest.raises(DomainError, match="nin must be at least 1, got 0"):
        Layer(0, 2)
    with pytest.raises(InvalidInputError, match="nin must be an integer"):
        Layer(2.5, 2)
    with pytest.raises(DomainError, match="every layer size"):
        MLP(2, [3, 0])
    with pytest.raises(ShapeError, match="sizes must have at least 1"):
        MLP(2, [])
    with pytest.raises(ShapeError, match="sizes must be a list"):
        MLP(2, "31")
    with pytest.raises(ShapeError, match="expected 2 activations"):
        MLP(2, [3, 1], activation=["relu"])
    net = MLP(2, [1])
    with pytest.raises(InvalidInputError, match="real number"):
        net(["a", 1.0])


def test_from_weights_rejects_inconsistent_shapes() -> None:
    with pytest.raises(ShapeError, match=r"layer 2, neuron 1 \(L2.n1\): expected 2 weights"):
        MLP.from_weights([[[1, 2], [3, 4]], [[1, 2, 3]]], [[0, 0], [0]], "relu")
    with pytest.raises(ShapeError, match="as many bias entries as weight rows"):
        MLP.from_weights([[[1, 2]]], [[0, 0]], "relu")
    with pytest.raises(ShapeError, match="one per layer"):
        MLP.from_weights([[[1, 2]]], [[0]], ["relu", "relu"])
    with pytest.raises(InvalidInputError, match="L1.n1.w1"):
        MLP.from_weights([[["x", 2]]], [[0]], "relu")
    with pytest.raises(DomainError, match="L1.n1.b"):
        MLP.from_weights([[[1, 2]]], [[math.nan]], "relu")


# ------------------------------------------------------------------ save/load
def test_save_and_load_round_trip(tmp_path: Path) -> None:
    net = MLP(2, [4, 1], seed=1)
    saved = [p.data for p in net.parameters()]
    path = tmp_path / "model.json"
    net.save(path)
    other = MLP(2, [4, 1], seed=99)
    assert [p.data for p in other.parameters()] != saved
    other.load(path)
    assert [p.data for p in other.parameters()] == saved


def _snapshot(net: MLP) -> list[float]:
    return [p.data for p in net.parameters()]


def test_loading_a_file_of_another_shape_fails_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    MLP(2, [5, 1], seed=0).save(path)
    net = MLP(2, [4, 1], seed=1)
    before = _snapshot(net)
    with pytest.raises(
        ShapeError, match=r"another architecture: sizes \[5, 1\] in the file, \[4, 1\] here"
    ):
        net.load(path)
    assert _snapshot(net) == before


def test_loading_a_file_with_a_missing_key_fails_and_changes_nothing(tmp_path: Path) -> None:
    net = MLP(2, [3, 1], seed=0)
    path = tmp_path / "m.json"
    net.save(path)
    document = json.loads(path.read_text())
    document["parameters"] = {k: v + 1.0 for k, v in document["parameters"].items()}
    del document["parameters"]["L2.n1.b"]
    path.write_text(json.dumps(document))
    before = _snapshot(net)
    with pytest.raises(ShapeError, match=r"missing 1 parameter\(s\), first 'L2.n1.b'"):
        net.load(path)
    assert _snapshot(net) == before


def test_loading_bad_values_or_not_a_parameter_file_fails(tmp_path: Path) -> None:
    net = MLP(1, [1], seed=0)
    before = _snapshot(net)
    path = tmp_path / "m.json"
    net.save(path)
    document = json.loads(path.read_text())
    document["parameters"]["L1.n1.b"] = "zero"
    path.write_text(json.dumps(document))
    with pytest.raises(InvalidInputError, match="L1.n1.b"):
        net.load(path)
    path.write_text("{not json")
    with pytest.raises(ShapeError, match="not a JSON file"):
        net.load(path)
    path.write_text(json.dumps({"L1.n1.b": 1.0}))
    with pytest.raises(ShapeError, match="not a parameter file"):
        net.load(path)
    assert _snapshot(net) == before
