"""Neuron-level diagrams, tested with a stand-in that has the nn module's shape."""

import math
import re
from types import SimpleNamespace as NS

import pytest

from autograd_scalar.core.errors import InvalidInputError
from autograd_scalar.core.value import Value
from autograd_scalar.viz.network import draw_network, network_steps, neuron_values, reverse_network
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


def _weight_edges(source):
    return [e for e in re.findall(r"^\t(\w+) -> (\w+)(.*)$", source, re.M) if "invis" not in e[2]]


def test_neurons_show_z_a_and_edges_show_weights_without_a_loss():
    mlp = _mlp()
    source = draw_network(mlp, X).source
    z1, a1, _, _, _ = _by_hand()
    lines = _neuron_label(source, "1.1")
    assert lines == ["neuron 1.1", "b = 0.5", f"z = {fmt(z1[0])}", f"a = sigmoid(z) = {fmt(a1[0])}"]
    assert "pass loss= for the gradients" in source
    assert "∂L/∂" not in source
    assert source.count("w = -2.0") == 1
    weights = _weight_edges(source)
    assert len(weights) == 2 * 2 + 2
    assert all("w = " in attrs for _, _, attrs in weights)


def test_edge_labels_sit_at_the_head_so_crossing_edges_keep_theirs():
    # a label in the middle of an edge lands where the edges between two layers
    # cross; at the head, beside its own arrow, it cannot be mistaken
    for attrs in (a for _, _, a in _weight_edges(draw_network(_mlp(), X).source)):
        assert "headlabel=" in attrs and " label=" not in f" {attrs}"
        assert "labeldistance=" in attrs


def test_gradients_are_computed_for_the_loss_whatever_grad_holds():
    mlp = _mlp()
    loss = _loss(mlp, X)
    for _ in range(3):  # stale, accumulated gradients
        loss.backward()
    mlp.layers[0].neurons[0].b.grad = 42.0
    source = draw_network(mlp, X, loss).source
    _, _, _, delta1, delta2 = _by_hand()
    assert _neuron_label(source, "1.1")[-1] == f"∂L/∂z = {fmt(delta1[0])}"
    assert _neuron_label(source, "2.1")[-1] == f"∂L/∂z = {fmt(delta2)}"
    stored = draw_network(mlp, X, loss, stored_grads=True).source
    assert "stored .grad, as earlier backward() calls left it" in stored
    assert _neuron_label(stored, "1.1")[-1] == "stored ∂L/∂b = 42.0"
    fresh = _mlp()
    assert "not computed yet" in draw_network(fresh, X, stored_grads=True).source


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


# ------------------------------------------------------------ the reverse network
def _dot_nodes(source):
    """{node id: (label lines, attribute text)}"""
    found = {}
    for match in re.finditer(r'^\t+(\w+) \[label="([^"]*)"([^\]]*)\]$', source, re.M):
        found[match.group(1)] = (match.group(2).split("\\n"), match.group(3))
    return found


def _three_layers():
    """2-2-2-1: hidden layers of sigmoid and tanh, a linear output."""

    def neuron(w, b, activation):
        return NS(w=[Value(v) for v in w], b=Value(b), activation=activation)

    hidden1 = NS(neurons=[neuron([1.0, -2.0], 0.5, "sigmoid"), neuron([-1.0, 1.0], 0.0, "sigmoid")])
    hidden2 = NS(neurons=[neuron([0.5, -1.5], 0.1, "tanh"), neuron([2.0, 0.3], -0.2, "tanh")])
    output = NS(neurons=[neuron([1.5, -0.5], 0.2, "linear")])
    mlp = NS(layers=[hidden1, hidden2, output])
    zs, a = [], [Value(v) for v in X]
    for layer in mlp.layers:
        row, out = [], []
        for n in layer.neurons:
            z = n.b
            for w, ai in zip(n.w, a):
                z = z + w * ai
            row.append(z)
            out.append({"sigmoid": z.sigmoid, "tanh": z.tanh}.get(n.activation, lambda z=z: z)())
        zs.append(row)
        a = out
    loss = (a[0] - 1.0) ** 2
    return mlp, loss, zs


def test_reverse_network_triangles_weights_and_the_engines_dl_dz():
    mlp, loss, zs = _three_layers()
    source = draw_network(mlp, X, loss, view="backward").source
    nodes = _dot_nodes(source)
    triangles = {i: lines for i, (lines, attrs) in nodes.items() if "shape=triangle" in attrs}
    # one amplifier per hidden and output neuron, labelled ×f′(z) with its number
    assert sorted(lines[0] for lines in triangles.values()) == ["1.1", "1.2", "2.1", "2.2", "3.1"]
    slopes = {"sigmoid": "× σ(z)(1 − σ(z))", "tanh": "× 1 − tanh²(z)", "linear": "× 1"}
    for li, layer in enumerate(mlp.layers):
        for j, n in enumerate(layer.neurons):
            lines = triangles[f"amp{li}_{j}"]
            z = zs[li][j].data
            slope = {"sigmoid": lambda v: 1 / (1 + math.exp(-v)) * (1 - 1 / (1 + math.exp(-v))),
                     "tanh": lambda v: 1 - math.tanh(v) ** 2, "linear": lambda v: 1.0}[n.activation](z)  # fmt: skip
            assert lines[1:] == [slopes[n.activation], f"= {fmt(slope)}"]
    # the edges carry the weights, from ∂L/∂z′ back to the Σ of the layer below
    expected = sorted(
        f"w = {fmt(w.data)}" for layer in mlp.layers[1:] for n in layer.neurons for w in n.w
    )
    labels = sorted(re.findall(r'headlabel="([^"]*)"', source))
    assert labels == expected
    assert ("dz1_0", "s0_1") in {(t, h) for t, h, _ in _weight_edges(source)}
    # the ∂L/∂z shown are the engine's
    loss.backward()
    for li, row in enumerate(zs):
        for j, z in enumerate(row):
            assert nodes[f"dz{li}_{j}"][0] == [f"∂L/∂z{li + 1}.{j + 1} = {fmt(z.grad)}"]


def test_reverse_network_numbers_follow_the_op_amp_rule():
    mlp, loss, zs = _three_layers()
    network = reverse_network(mlp, X, loss)
    loss.backward()
    (out,) = network[-1]
    assert out.dl_da == pytest.approx(2 * (zs[2][0].data - 1.0), rel=1e-12)  # ∂L/∂y
    for li in (0, 1):
        for k, n in enumerate(network[li]):
            arriving = sum(w * d for w, d in n.inputs)  # Σ w·∂L/∂z′ where the paths meet
            assert n.dl_da == pytest.approx(arriving, rel=1e-12)
            assert n.dl_dz == pytest.approx(n.slope * n.dl_da, rel=1e-12)
            assert n.dl_dz == zs[li][k].grad
            assert [w for w, _ in n.inputs] == [m.w[k].data for m in mlp.layers[li + 1].neurons]


def test_reverse_network_ignores_stale_grads_and_needs_one_example():
    mlp, loss, _ = _three_layers()
    before = draw_network(mlp, X, loss, view="backward").source
    loss.backward()
    loss.backward()
    assert draw_network(mlp, X, loss, view="backward").source == before
    with pytest.raises(ValueError, match="pass x and its loss"):
        draw_network(mlp, X, view="backward")
    # two examples through the same network: the reverse network is per example
    a = [Value(v) for v in (0.3, 0.2)]
    twice = loss + sum(
        (n.b + n.w[0] * a[0] + n.w[1] * a[1]).sigmoid() for n in mlp.layers[0].neurons
    )
    with pytest.raises(InvalidInputError, match="more than once"):
        draw_network(mlp, X, twice, view="backward")
    with pytest.raises(InvalidInputError, match="another input than x"):
        draw_network(mlp, [0.0, 0.0], loss, view="backward")


def test_network_steps_fill_the_reverse_network_layer_by_layer(tmp_path):
    mlp, loss, zs = _three_layers()
    steps = network_steps(mlp, X, loss)
    assert len(steps) == 4  # ∂L/∂y, then layers 3, 2, 1
    equations = [slide.caption for slide in steps.slides]
    assert equations[0].startswith("the loss's slope at each output: ∂L/∂y1 = ")
    assert [e.split(":")[0] for e in equations[1:]] == ["layer 3", "layer 2", "layer 1"]
    loss.backward()
    assert equations[3].endswith(f"= {fmt(zs[0][1].grad)}")
    for stage, slide in enumerate(steps.slides):
        nodes = _dot_nodes(slide.source)
        unknown = [
            i for i, (lines, _) in nodes.items() if i.startswith("dz") and lines[0].endswith("= ?")
        ]
        # the ∂L/∂z of the layers not reached yet are unknown
        assert len(unknown) == {0: 5, 1: 4, 2: 2, 3: 0}[stage]
    paths = steps.save_svgs(tmp_path)
    assert [p.name for p in paths] == [f"frame_00{i}.svg" for i in range(1, 5)]
    page = steps.save_html(tmp_path / "reverse.html").read_text()
    assert page.count('class="as-frame"') == 4 and "The reverse network, layer by layer" in page
