"""The demo's two neuron diagrams show the same gradients, and the right ones."""

import io
import re

from autograd_scalar.cli.demo import run_demo
from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP
from autograd_scalar.nn.datasets import make_moons
from autograd_scalar.viz.trace import fmt


def _texts(svg):
    """The lines of each node's label: {first line: [lines]} from rendered SVG."""
    nodes = {}
    for group in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S):
        lines = [t.replace("&#45;", "-") for t in re.findall(r"<text[^>]*>([^<]*)</text>", group)]
        if lines:
            nodes[lines[0]] = lines
    return nodes


def test_forward_and_backward_neuron_diagrams_agree_with_a_fresh_pass(tmp_path):
    # A small run leaves the last training step's gradients in the parameters,
    # which is what made the two pictures disagree.
    result = run_demo(tmp_path, epochs=3, samples=12, hidden=[3], progress=False,
                      stream=io.StringIO())  # fmt: skip
    assert tmp_path / "neuron_backward.svg" in result.files
    forward = _texts((tmp_path / "neuron_forward.svg").read_text())
    backward = _texts((tmp_path / "neuron_backward.svg").read_text())
    params = [name for name in forward if name.startswith("L1.n")]
    assert len(params) == 3
    # the same neuron and example, recomputed here from the saved model: the
    # first first-layer neuron active on some example
    model = MLP(2, [3, 1], activation="relu", seed=0)
    model.load(tmp_path / "model.json")
    X, _ = make_moons(12, noise=0.1, seed=0)
    j, x = next(
        (j, x)
        for j, n in enumerate(model.layers[0].neurons)
        for x in X
        if n.preactivation(x).data > 0
    )
    neuron = model.layers[0].neurons[j]
    assert {p.label for p in neuron.parameters()} == set(params)
    out = neuron([Value(v) for v in x])
    out.backward()
    expected = {p.label: fmt(p.grad) for p in neuron.parameters()}
    for name in params:
        shown_forward = forward[name][-1].removeprefix("grad ")
        shown_backward = backward[name][-1].split(" = ")[-1]
        assert shown_forward == shown_backward == expected[name], name
