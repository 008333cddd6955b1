"""Every view of one graph shows the same gradient for every node.

The forward view, the backward view, the step-through's frames and both
network views, drawn from parameters whose ``.grad`` holds stale numbers, all
show the gradient a fresh ``backward()`` gives.
"""

import re
from types import SimpleNamespace as NS

from autograd_scalar.core.value import Value
from autograd_scalar.viz import draw_graph, draw_network, step_through
from autograd_scalar.viz.trace import fmt

WEIGHTS = [[[0.5, -1.0], [1.5, 0.25]], [[-2.0, 1.0]]]
BIASES = [[0.1, -0.3], [0.2]]
ACTS = ["tanh", "sigmoid"]
X = [0.7, -1.2]


def _build():
    """A 2-2-1 network and its loss, every node that matters labelled."""
    layers, a = [], [Value(v, label=f"x{k + 1}") for k, v in enumerate(X)]
    for li, (rows, bs, act) in enumerate(zip(WEIGHTS, BIASES, ACTS)):
        neurons, out = [], []
        for j, (row, b) in enumerate(zip(rows, bs)):
            n = NS(
                w=[Value(w, label=f"w{li + 1}{j + 1}{k + 1}") for k, w in enumerate(row)],
                b=Value(b, label=f"b{li + 1}{j + 1}"),
                activation=act,
            )
            z = n.b
            for w, ak in zip(n.w, a):
                z = z + w * ak
            z.label = f"z{li + 1}{j + 1}"
            h = z.tanh() if act == "tanh" else z.sigmoid()
            h.label = f"a{li + 1}{j + 1}"
            neurons.append(n)
            out.append(h)
        layers.append(NS(neurons=neurons))
        a = out
    loss = (a[0] - 1.0) ** 2
    loss.label = "loss"
    return NS(layers=layers), loss


def _expected():
    _, loss = _build()
    loss.backward()
    return {n.label: fmt(n.grad) for n in loss.walk() if n.label and n.label != "loss"}


def _lines(source):
    """{first line of a node's label: its lines}"""
    found = {}
    for label in re.findall(r'\[label="([^"]*)"', source):
        lines = label.split("\\n")
        found[lines[0].split(" = ")[0]] = lines
    return found


def test_every_view_shows_the_same_gradient_for_every_node():
    expected = _expected()
    mlp, loss = _build()
    for _ in range(2):
        loss.backward()  # stale: accumulated twice in the leaves
    for node in loss.walk():
        if node.is_leaf:
            node.grad += 5.0
    names = sorted(expected)

    forward = _lines(draw_graph(loss).source)
    assert {n: forward[n][2].removeprefix("grad ") for n in names} == expected

    backward = _lines(draw_graph(loss, view="backward").source)
    assert {n: backward[n][1].split(" = ")[1] for n in names} == expected

    steps = step_through(loss)
    shown = {f.name: f.equation.rsplit(" = ", 1)[1] for f in steps.frames[1:]}
    assert {n: shown[n] for n in names} == expected
    last = _lines(steps.frames[-1].source)
    assert {n: last[n][1].split(" = ")[1] for n in names} == expected

    network = draw_network(mlp, X, loss).source
    for li, layer in enumerate(mlp.layers):
        for j, n in enumerate(layer.neurons):
            lines = re.search(rf'label="neuron {li + 1}\.{j + 1}\\n([^"]*)"', network).group(1)
            assert f"∂L/∂z = {expected[f'z{li + 1}{j + 1}']}" in lines.split("\\n")
            for w in n.w:
                assert f"w = {fmt(w.data)}\\n∂L/∂w = {expected[w.label]}" in network

    reverse = draw_network(mlp, X, loss, view="backward").source
    for li, layer in enumerate(mlp.layers):
        for j in range(len(layer.neurons)):
            name = f"{li + 1}.{j + 1}"
            assert f'label="∂L/∂z{name} = {expected[f"z{li + 1}{j + 1}"]}"' in reverse
