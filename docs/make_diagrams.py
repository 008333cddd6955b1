"""Regenerate the diagrams in docs/images (run from the repository root).

python docs/make_diagrams.py
"""

from pathlib import Path
from types import SimpleNamespace

from autograd_scalar.core.value import Value
from autograd_scalar.viz import draw_graph, draw_network, step_through

OUT = Path(__file__).parent / "images"


def neuron_graph() -> None:
    x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(0.5, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    draw_graph(y, params=[w, b]).save(OUT / "graph_forward.svg")
    draw_graph(y, params=[w, b]).save(OUT / "graph_forward.png")


def fan_out() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = c + a
    loss.label = "L"
    loss.backward()
    draw_graph(loss, view="backward").save(OUT / "graph_backward.svg")
    step_through(loss).save_html(OUT / "backward_steps.html")


def lecture_network() -> None:
    """The 2-2-2-2 sigmoid network of the lecture notes, input (1, -1)."""
    weights = [[[1, -2], [-1, 1]], [[2, -1], [-2, -1]], [[3, -1], [-1, 4]]]
    biases = [[1, 0], [0, 0], [-1, 2]]
    layers = [
        SimpleNamespace(
            neurons=[
                SimpleNamespace(
                    w=[Value(float(v)) for v in row], b=Value(float(b)), activation="sigmoid"
                )
                for row, b in zip(w, bs)
            ]
        )
        for w, bs in zip(weights, biases)
    ]
    mlp = SimpleNamespace(layers=layers)
    a = [Value(1.0), Value(-1.0)]
    for layer in layers:
        out = []
        for n in layer.neurons:
            z = n.b
            for w, ai in zip(n.w, a):
                z = z + w * ai
            out.append(z.sigmoid())
        a = out
    loss = (a[0] - 1.0) ** 2 + (a[1] - 0.0) ** 2
    loss.label = "loss"
    loss.backward()
    draw_network(mlp, [1.0, -1.0], loss).save(OUT / "network.svg")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    neuron_graph()
    fan_out()
    lecture_network()
    print(f"wrote {sorted(p.name for p in OUT.iterdir())}")
