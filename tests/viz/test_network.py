"""Neuron-level diagrams, tested with a stand-in that has the nn module's shape."""

import math
import re
from types import SimpleNamespace as NS

import pytest

from autograd_scalar.core.errors import InvalidInputError
from autograd_scalar.core.value import Value
from autograd_scalar.viz.network import draw_network, neuron_values
from autograd_scalar.viz.trace import fmt

W1 = [[1.0, -2.0], [-1.0, 1.0]]
B1 = [0.5, 0.0]
W2 = [[2.0, -1.0]]
B2 = [1.0]
X = [1.0, -1.0]


def _mlp():
    def neuron(w, b, activation):
        return NS(w=[Value(v) for v in w], b=Value(b), activation=activation)

    hidden = NS(neurons=[neuron(w, b, "sigmoid") for w, b in zip(W1, B1)])
    output = NS(neurons=[neuron(w, b, "linear") for w, b in zip(W2, B2)])
    return NS(layers=[hidden, output])


def _loss(mlp, x, target=1.0):
    a = [Value(v) for v in x]
    for layer in mlp.layers:
        out = []
        for n in layer.neurons:
            z = n.b
            for w, ai in zip(n.w, a):
                z = z + w * ai
            out.append(z.sigmoid() if n.activation == "sigmoid" else z)
        a = out
    loss = (a[0] - target) ** 2
    loss.label = "loss"
    return loss


def _by_hand():
    """z, a and ∂L/∂z of every neuron, from the textbook formulas."""
    sig = lambda z: 1 / (1 + math.exp(-z))
    z1 = [sum(w * x for w, x in zip(W1[j], X)) + B1[j] for j in range(2)]
    a1 = [sig(z) for z in z1]
    z2 = sum(w * a for w, a in zip(W2[0], a1)) + B2[0]
    delta2 = 2 * (z2 - 1.0)  # linear output, L = (a - 1)²
    delta1 = [sig(z1[j]) * (1 - sig(z1[j])) * W2[0][j] * delta2 for j in range(2)]
    return z1, a1, z2, delta1, delta2


def _neuron_label(source, name):
    match = re.search(rf'label="(neuron {re.escape(name)}\\n[^"]*)"', source)
    assert match, f"no neuron {name}"
    return match.group(1).split("\\n")


def test_forward_values_match_the_textbook():
    z1, a1, z2, _, _ = _by_hand()
    values = neuron_values(_mlp(), X)
    flat = [v for layer in values for pair in layer for v in pair]
    assert flat == pytest.approx([z1[0], a1[0], z1[1], a1[1], z2, z2], rel=1e-12)


def test_neurons_show_z_a_and_edges_show_weights_before_backward():
    mlp = _mlp()
    source = draw_network(mlp, X).source
    z1, a1, _, _, _ = _by_hand()
    lines = _neuron_label(source, "1.1")
    assert lines == ["neuron 1.1", "b = 0.5", f"z = {fmt(z1[0])}", f"a = sigmoid(z) = {fmt(a1[0])}"]
    assert "not computed yet" in source
    assert "∂L/∂" not in source
    assert source.count("w = -2.0") == 1
    weights = [
        e for e in re.findall(r"^\t(\w+) -> (\w+)(.*)$", source, re.M) if "invis" not in e[2]
    ]
    assert len(weights) == 2 * 2 + 2
    assert all("w = " in attrs for _, _, attrs in weights)


def test_after_backward_neurons_show_dl_dz_and_edges_dl_dw():
    mlp = _mlp()
    loss = _loss(mlp, X)
    loss.backward()
    source = draw_network(mlp, X, loss).source
    z1, a1, z2, delta1, delta2 = _by_hand()
    assert _neuron_label(source, "1.2")[-1] == f"∂L/∂z = {fmt(delta1[1])}"
    assert _neuron_label(source, "2.1")[-1] == f"∂L/∂z = {fmt(delta2)}"
    # ∂L/∂w for the weight from hidden neuron 1 to the output: δ_out · a_1
    assert f'label="w = 2.0\\n∂L/∂w = {fmt(delta2 * a1[0])}"' in source
    # ∂L/∂w for the weight from input 2 to hidden neuron 1: δ_1 · x_2
    assert f'label="w = -2.0\\n∂L/∂w = {fmt(delta1[0] * X[1])}"' in source
    assert f"L = {fmt((z2 - 1.0) ** 2)}" in source
    assert "not computed yet" not in source


def test_without_input_only_structure_and_weights():
    source = draw_network(_mlp()).source
    assert "z = " not in source
    assert "layer 1 (sigmoid)" in source
    assert "layer 2 (linear)" in source


def test_edge_labels_can_be_turned_off():
    source = draw_network(_mlp(), X, edge_labels=False).source
    assert "w = " not in source


def test_renders_to_svg():
    assert draw_network(_mlp(), X).svg().rstrip().endswith("</svg>")


def test_not_a_network_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="draw_network"):
        draw_network(object())
    bad = NS(layers=[NS(neurons=[NS(w=[Value(1.0)], b=Value(0.0), activation="softsign")])])
    with pytest.raises(InvalidInputError, match="activation"):
        draw_network(bad)


def test_input_of_the_wrong_length_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="x has 3 values"):
        draw_network(_mlp(), [1.0, 2.0, 3.0])


def test_a_wide_network_stays_a_small_readable_diagram():
    # 2-16-16-1: 337 parameters, a scalar graph of over a thousand nodes per example.
    def layer(nin, nout, activation):
        neurons = [
            NS(w=[Value(0.1 * (j - k)) for k in range(nin)], b=Value(0.0), activation=activation)
            for j in range(nout)
        ]
        return NS(neurons=neurons)

    mlp = NS(layers=[layer(2, 16, "tanh"), layer(16, 16, "tanh"), layer(16, 1, "linear")])
    diagram = draw_network(mlp, X)
    assert diagram.source.count('label="neuron ') == 33
    assert "w = " not in diagram.source  # 320 weights: labels would hide each other
    assert "w = " in draw_network(mlp, X, edge_labels=True).source
    assert diagram.svg().rstrip().endswith("</svg>")
