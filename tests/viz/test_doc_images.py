"""The documentation's pictures: rebuilt here, checked against the lecture notes."""

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("make_diagrams", DOCS / "make_diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(script, tmp_path_factory):
    out = tmp_path_factory.mktemp("images")
    return {path.name: path for path in script.build(out)}


def _texts(svg):
    return [t.replace("&#45;", "-") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def _activations(svg):
    """a of each neuron, in the order drawn: layer 1, 2, 3."""
    return [float(t.rsplit("= ", 1)[1]) for t in _texts(svg) if t.startswith("a = sigmoid(z)")]


def test_the_network_picture_shows_the_lecture_notes_numbers(built):
    # seed 002 quotes 0.98 / 0.12 and 0.86 / 0.11; the output layer gives 0.62 / 0.83
    # (the old picture had b1 of layer 3 = -1 and showed 0.8145)
    shown = _activations(built["network.svg"].read_text())
    assert [round(a, 2) for a in shown] == [0.98, 0.12, 0.86, 0.11, 0.62, 0.83]


def test_the_reverse_network_picture_shows_the_engines_dl_dz(script, built):
    from autograd_scalar.core.value import Value
    from autograd_scalar.nn import MLP
    from autograd_scalar.viz.trace import fmt

    texts = _texts(built["network_backward.svg"].read_text())
    md = script
    mlp = MLP.from_weights(md.WEIGHTS, md.BIASES, ["sigmoid"] * 3)
    trace = mlp.trace([Value(v) for v in md.X])
    y = trace[-1][1]
    loss = sum(((yi - ti) ** 2 for yi, ti in zip(y, md.TARGET)), Value(0.0))
    loss.backward()
    for li, (zs, _) in enumerate(trace):
        for j, z in enumerate(zs):
            assert f"∂L/∂z{li + 1}.{j + 1} = {fmt(z.grad)}" in texts
    assert sum(t.startswith("× σ(z)(1 − σ(z))") for t in texts) == 6  # six amplifiers


def test_the_committed_images_are_the_ones_the_script_makes(built):
    for name, path in built.items():
        committed = DOCS / "images" / name
        assert committed.is_file(), (
            f"docs/images/{name} is missing: run python docs/make_diagrams.py"
        )
        assert committed.read_bytes() == path.read_bytes(), (
            f"docs/images/{name} is stale: run python docs/make_diagrams.py"
        )
