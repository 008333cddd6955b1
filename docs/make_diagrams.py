"""Regenerate the diagrams in docs/images (run from the repository root).

python docs/make_diagrams.py

``tests/viz/test_doc_images.py`` runs :func:`build` into a temporary folder,
checks the numbers the pictures show against the lecture notes' constants and
that the committed images are the ones this script makes.
"""

from __future__ import annotations

from pathlib import Path

from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP
from autograd_scalar.viz import draw_graph, draw_network, network_steps, step_through

OUT = Path(__file__).parent / "images"

#: The 2-2-2-2 sigmoid network of the lecture notes (seeds 002 and 004):
#: weights[l][j][k] from input k to neuron j of layer l, fed x = (1, -1); its
#: layers give a = 0.98 / 0.12, 0.86 / 0.11 and 0.62 / 0.83.
WEIGHTS = [[[1.0, -2.0], [-1.0, 1.0]], [[2.0, -1.0], [-2.0, -1.0]], [[3.0, -1.0], [-1.0, 4.0]]]
BIASES = [[1.0, 0.0], [0.0, 0.0], [-2.0, 2.0]]
X = [1.0, -1.0]
#: The target of notebook 03, for a squared-error loss.
TARGET = [0.0, 1.0]


def neuron_graph(out: Path) -> list[Path]:
    x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(0.5, label="b")
    z = w * x + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    diagram = draw_graph(y, params=[w, b])
    return [diagram.save(out / "graph_forward.svg"), diagram.save(out / "graph_forward.png")]


def fan_out(out: Path) -> list[Path]:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = c + a
    loss.label = "L"
    return [
        draw_graph(loss, view="backward").save(out / "graph_backward.svg"),
        step_through(loss).save_html(out / "backward_steps.html"),
    ]


def lecture_network(out: Path) -> list[Path]:
    """The notes' network, forward and as the reverse network of amplifiers."""
    mlp = MLP.from_weights(WEIGHTS, BIASES, ["sigmoid"] * 3)
    y = mlp([Value(v) for v in X])
    loss = sum(((yi - ti) ** 2 for yi, ti in zip(y, TARGET)), Value(0.0))
    loss.label = "loss"
    return [
        draw_network(mlp, X, loss).save(out / "network.svg"),
        draw_network(mlp, X, loss, view="backward").save(out / "network_backward.svg"),
        network_steps(mlp, X, loss).save_html(out / "network_backward_steps.html"),
    ]


def build(out: Path = OUT) -> list[Path]:
    """Write every documentation image into ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    return neuron_graph(out) + fan_out(out) + lecture_network(out)


if __name__ == "__main__":
    print(f"wrote {sorted(p.name for p in build())}")
