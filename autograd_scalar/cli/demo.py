"""The demo: train an MLP on two moons, draw its decision boundary and the
graph of one neuron.

Run it with ``python -m autograd_scalar demo`` (or ``autograd-scalar demo``).
It writes into the output folder:

* ``decision_boundary.svg``: the plane coloured by the predicted class, with
  the training points (a self-contained SVG, no plotting library needed);
* ``neuron_forward.svg`` and ``neuron_backward.svg``: the computational
  graph of one first-layer neuron (the first one active on some example) on
  that example, values and gradients (needs the ``[viz]`` extra);
* ``model.json``: the trained parameters (:meth:`Module.load` reads it back).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TextIO

from ..core import AutogradError, Value
from ..nn import MLP
from ..nn.activations import ACTIVATIONS
from ..nn.datasets import make_moons
from ..nn.optim import SGD
from ..nn.train import History, accuracy, fit

__all__ = ["DemoResult", "decision_boundary_svg", "run_demo"]

#: The extra that provides the diagrams.
VIZ_HINT = 'pip install "autograd_scalar[viz]"'


@dataclass
class DemoResult:
    """What :func:`run_demo` did: the final training accuracy, the wall time
    of training, the history and the files written."""

    accuracy: float
    seconds: float
    history: History
    files: list[Path] = field(default_factory=list)


def _forward_floats(model: MLP, x: Sequence[float]) -> list[float]:
    """The network's outputs on plain floats: no graph, so a picture's
    thousands of evaluations stay fast."""
    h = list(x)
    for layer in model.layers:
        out = []
        for neuron in layer.neurons:
            z = neuron.b.data + sum(w.data * xk for w, xk in zip(neuron.w, h))
            out.append(ACTIVATIONS[neuron.activation].function(z))
        h = out
    return h


def decision_boundary_svg(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    *,
    resolution: int = 60,
    size: int = 480,
    title: str = "",
) -> str:
    """An SVG picture of a one-output classifier on the plane: each cell is
    coloured by the sign of the score at its centre (blue for class 0,
    orange for class 1, paler near the boundary), and the points by their
    label.

    >>> net = MLP.from_weights([[[1.0, 0.0]]], [[0.0]], "linear")  # score = x1
    >>> svg = decision_boundary_svg(net, [[-1.0, 0.0], [1.0, 0.0]], [0, 1], resolution=4)
    >>> svg.startswith("<svg") and svg.count("<circle") == 2
    True
    """
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.5
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    sx = size / (x1 - x0)
    sy = size / (y1 - y0)
    cw, ch = size / resolution, size / resolution
    top = 28 if title else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + top}" '
        f'viewBox="0 0 {size} {size + top}" font-family="sans-serif">'
    ]
    if title:
        parts.append(f'<text x="{size / 2}" y="19" text-anchor="middle" font-size="15">'
                     f"{escape(title)}</text>")  # fmt: skip
    parts.append(f'<g transform="translate(0,{top})" shape-rendering="crispEdges">')
    for i in range(resolution):
        for j in range(resolution):
            cx = x0 + (i + 0.5) * cw / sx
            cy = y1 - (j + 0.5) * ch / sy
            score = _forward_floats(model, [cx, cy])[0]
            strength = 0.25 + 0.35 * min(abs(score), 1.0)  # paler near the boundary
            colour = "255,160,60" if score > 0 else "70,130,220"
            parts.append(
                f'<rect x="{i * cw:.2f}" y="{j * ch:.2f}" width="{cw + 0.05:.2f}" '
                f'height="{ch + 0.05:.2f}" fill="rgb({colour})" fill-opacity="{strength:.2f}"/>'
            )
    parts.append("</g>")
    parts.append(f'<g transform="translate(0,{top})" stroke="black" stroke-width="0.8">')
    for (px, py), label in zip(X, y):
        fill = "rgb(230,110,0)" if label == 1 else "rgb(30,80,190)"
        parts.append(
            f'<circle cx="{(px - x0) * sx:.2f}" cy="{(y1 - py) * sy:.2f}" r="4" fill="{fill}"/>'
        )
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"


def _active_neuron(model: MLP, X: Sequence[Sequence[float]]) -> tuple[int, int]:
    """(example, neuron) indices of the first neuron of the first layer that
    is active (z > 0) on some example, so its backward graph carries nonzero
    gradients; (0, 0) if there is none."""
    for j, neuron in enumerate(model.layers[0].neurons):
        for i, x in enumerate(X):
            if neuron.b.data + sum(w.data * xk for w, xk in zip(neuron.w, x)) > 0.0:
                return i, j
    return 0, 0


def _draw_neuron(
    model: MLP, X: Sequence[Sequence[float]], out_dir: Path, stream: TextIO
) -> list[Path]:
    """Diagrams of the forward and backward graph of one first-layer neuron
    on one example, if the viz extra is installed.

    No ``backward()`` here: the parameters still hold the last training
    step's gradients, and the diagrams compute ∂a/∂node for this output
    themselves, so both views show the same numbers and the model is left
    as trained.
    """
    try:
        draw_graph = importlib.import_module("autograd_scalar.viz").draw_graph
    except ImportError as exc:
        stream.write(f"skipped the neuron diagram: it needs the [viz] extra ({exc}): {VIZ_HINT}\n")
        return []
    i, j = _active_neuron(model, X)
    neuron = model.layers[0].neurons[j]
    inputs = [Value(xk, label=f"x{k + 1}") for k, xk in enumerate(X[i])]
    out = neuron(inputs)
    out.label = "a"
    written = []
    try:
        for view in ("forward", "backward"):
            path = out_dir / f"neuron_{view}.svg"
            draw_graph(out, view=view, params=neuron.parameters()).save(path)
            written.append(path)
    except (ImportError, AutogradError) as exc:  # no graphviz package, or no renderer
        # Both messages say what to install; add the command only if it is not there.
        reason = str(exc) if "pip install" in str(exc) else f"{exc}: {VIZ_HINT}"
        stream.write(f"skipped the neuron diagram: {reason}\n")
    return written


def run_demo(
    out_dir: str | os.PathLike[str] = "autograd_scalar_output",
    *,
    samples: int = 100,
    noise: float = 0.1,
    hidden: Sequence[int] = (16, 16),
    epochs: int = 100,
    lr: float = 1.0,
    l2: float = 1e-4,
    seed: int = 0,
    progress: bool = True,
    stream: TextIO | None = None,
) -> DemoResult:
    """Train ``MLP(2, [*hidden, 1])`` (ReLU, linear output) on two moons with
    the hinge loss, an L2 penalty and full-batch SGD whose learning rate
    decays linearly from ``lr`` to ``lr/10``; then write the pictures."""
    stream = stream if stream is not None else sys.stdout
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X, y = make_moons(samples, noise=noise, seed=seed)
    model = MLP(2, [*hidden, 1], activation="relu", seed=seed)
    optimizer = SGD(model.parameters(), lr=lr)
    stream.write(f"training {model} on {samples} two-moons points for {epochs} epochs\n")
    stream.flush()
    history = fit(
        model, X, y,
        loss="hinge", optimizer=optimizer, epochs=epochs, l2=l2,
        lr_schedule=lambda epoch: lr * (1.0 - 0.9 * epoch / epochs),
        progress=progress, seed=seed,
    )  # fmt: skip
    acc = accuracy(model, X, y)
    note = " (interrupted)" if history.interrupted else ""
    stream.write(
        f"final training accuracy: {100 * acc:.1f}% after {history.epochs} epochs "
        f"in {history.seconds:.1f}s{note}\n"
    )
    files = []
    picture = out / "decision_boundary.svg"
    title = f"{model}: {100 * acc:.0f}% training accuracy"
    picture.write_text(decision_boundary_svg(model, X, y, title=title), encoding="utf-8")
    files.append(picture)
    params = out / "model.json"
    model.save(params)
    files.append(params)
    files.extend(_draw_neuron(model, X, out, stream))
    for path in files:
        stream.write(f"wrote {path}\n")
    return DemoResult(acc, history.seconds, history, files)
