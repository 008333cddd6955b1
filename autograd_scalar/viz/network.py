"""Neuron-level diagrams of a multilayer perceptron, as textbooks draw them.

One node per neuron (not per scalar operation), so a network whose scalar
graph has tens of thousands of nodes stays readable. A neuron shows its bias
and, given an input ``x``, its pre-activation ``z = Σ w·a + b`` and activation
``a = f(z)``; each edge carries its weight. After ``backward()`` the neuron
also shows ∂L/∂z and each edge ∂L/∂w.

∂L/∂z is read from the bias's gradient: ``z = Σ w·a + b``, so ∂z/∂b = 1 and
∂L/∂b = ∂L/∂z (the ``∇b = g_z`` of Goodfellow et al., algorithm 6.4). It is
exact after one ``backward()`` of one example; gradients summed over a batch
give the sum of ∂L/∂z over the batch.

Works with any object shaped like :class:`autograd_scalar.nn.MLP`:
``.layers[l].neurons[j]`` with ``.w`` (list of Values), ``.b`` (a Value) and
``.activation`` ("linear", "relu", "tanh" or "sigmoid").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.errors import InvalidInputError
from ..core.value import Value
from ..nn.activations import ACTIVATIONS
from .diagram import Diagram
from .graph import KIND_STYLES, _graph, _label, gradients_computed
from .trace import fmt

__all__ = ["MAX_LABELLED_EDGES", "draw_network", "neuron_values"]

#: Above this many weights, edges are drawn without labels unless asked for.
MAX_LABELLED_EDGES = 24

_NEURON = {"fillcolor": "#ffffff", "color": "#374151", "shape": "box", "style": "filled,rounded"}


def _layers(mlp: Any) -> list[list[Any]]:
    try:
        layers = [list(layer.neurons) for layer in mlp.layers]
        for neurons in layers:
            for neuron in neurons:
                if not isinstance(neuron.b, Value) or neuron.activation not in ACTIVATIONS:
                    raise TypeError
                if not all(isinstance(w, Value) for w in neuron.w):
                    raise TypeError
    except (AttributeError, TypeError):
        raise InvalidInputError(
            "draw_network",
            type(mlp).__name__,
            "expected an MLP: .layers[l].neurons[j] with .w (Values), .b (a Value) and "
            f".activation in {tuple(ACTIVATIONS)}",
        ) from None
    if not layers or not layers[0]:
        raise InvalidInputError("draw_network", type(mlp).__name__, "the network has no neurons")
    return layers


def _activate(name: str, z: float) -> float:
    return ACTIVATIONS[name].function(z)


def neuron_values(mlp: Any, x: Sequence[float]) -> list[list[tuple[float, float]]]:
    """``(z, a)`` of every neuron for input ``x``, layer by layer, on floats.

    >>> from types import SimpleNamespace as NS
    >>> from autograd_scalar.engine import Value
    >>> n = NS(w=[Value(2.0), Value(-1.0)], b=Value(0.5), activation="relu")
    >>> neuron_values(NS(layers=[NS(neurons=[n])]), [1.0, 3.0])
    [[(-0.5, 0.0)]]
    """
    layers = _layers(mlp)
    inputs = [float(v) for v in x]
    if len(inputs) != len(layers[0][0].w):
        raise InvalidInputError(
            "draw_network",
            len(inputs),
            f"x has {len(inputs)} values, the network takes {len(layers[0][0].w)}",
        )
    out: list[list[tuple[float, float]]] = []
    for neurons in layers:
        values = []
        for neuron in neurons:
            z = sum(w.data * a for w, a in zip(neuron.w, inputs)) + neuron.b.data
            values.append((z, _activate(neuron.activation, z)))
        out.append(values)
        inputs = [a for _, a in values]
    return out


def _params_have_grads(layers: list[list[Any]]) -> bool:
    return any(gradients_computed(p) for neurons in layers for n in neurons for p in (*n.w, n.b))


def draw_network(
    mlp: Any,
    x: Sequence[float] | None = None,
    loss: Value | None = None,
    *,
    show_grads: bool | None = None,
    edge_labels: bool | None = None,
) -> Diagram:
    """Draw ``mlp`` one node per neuron.

    Args:
        mlp: the network (see the module's description).
        x: an input; if given, every neuron shows z and a = f(z).
        loss: the loss Value; if given, it is drawn after the output layer.
        show_grads: show ∂L/∂z and ∂L/∂w; by default when any parameter has
            a non-zero gradient (a ``backward()`` has run).
        edge_labels: label edges with their weights; by default only when the
            network has at most :data:`MAX_LABELLED_EDGES` weights (beyond that
            the labels overlap and hide each other).

    >>> from types import SimpleNamespace as NS
    >>> from autograd_scalar.engine import Value
    >>> n = NS(w=[Value(0.5, label="w")], b=Value(0.1), activation="tanh")
    >>> "w = 0.5" in draw_network(NS(layers=[NS(neurons=[n])])).source
    True
    """
    layers = _layers(mlp)
    if edge_labels is None:
        edge_labels = sum(len(n.w) for neurons in layers for n in neurons) <= MAX_LABELLED_EDGES
    values = neuron_values(mlp, x) if x is not None else None
    grads = _params_have_grads(layers) if show_grads is None else show_grads
    caption = "network: one node per neuron"
    if not grads:
        caption += " (gradients not computed yet: call backward())"
    g = _graph("network", caption)
    g.attr(ranksep="1.6", newrank="true")
    width = len(layers[0][0].w)
    columns: list[tuple[str, list[tuple[str, str, dict[str, str]]]]] = []
    inputs = []
    for k in range(width):
        lines = [f"x{k + 1}"] + ([f"= {fmt(x[k])}"] if x is not None else [])
        inputs.append((f"x{k}", _label(*lines), {"shape": "circle", **_fill("input")}))
    columns.append(("input", inputs))
    for li, neurons in enumerate(layers):
        column = []
        for j, neuron in enumerate(neurons):
            lines = [f"neuron {li + 1}.{j + 1}", f"b = {fmt(neuron.b.data)}"]
            if values is not None:
                z, a = values[li][j]
                f = "a = z" if neuron.activation == "linear" else f"a = {neuron.activation}(z)"
                lines += [f"z = {fmt(z)}", f"{f} = {fmt(a)}"]
            if grads:
                lines.append(f"∂L/∂z = {fmt(neuron.b.grad)}")
            style = _NEURON if li < len(layers) - 1 else {**_NEURON, **_fill("output")}
            column.append((f"l{li}n{j}", _label(*lines), style))
        kinds = ", ".join(sorted({n.activation for n in neurons}))
        columns.append((f"layer {li + 1} ({kinds})", column))
    for c, (title, column) in enumerate(columns):
        # One rank per layer, headed by its title; invisible edges keep the
        # neurons in index order from top to bottom.
        with g.subgraph(name=f"layer{c}") as rank:
            rank.attr(rank="same")
            rank.node(f"title{c}", _label(title), shape="plaintext", style="", fontsize="12")
            for node_id, label, style in column:
                rank.node(node_id, label, **style)
            ids = [f"title{c}"] + [node_id for node_id, _, _ in column]
            for tail, head in zip(ids, ids[1:]):
                rank.edge(tail, head, style="invis")
    for c in range(len(columns) - 1):
        g.edge(f"title{c}", f"title{c + 1}", style="invis")
    previous = [node_id for node_id, _, _ in columns[0][1]]
    for li, neurons in enumerate(layers):
        current = [node_id for node_id, _, _ in columns[li + 1][1]]
        for j, neuron in enumerate(neurons):
            for k, w in enumerate(neuron.w):
                attrs: dict[str, str] = {}
                if edge_labels:
                    text = [f"w = {fmt(w.data)}"] + ([f"∂L/∂w = {fmt(w.grad)}"] if grads else [])
                    attrs["label"] = _label(*text)
                g.edge(previous[k], current[j], **attrs)
        previous = current
    if loss is not None:
        lines = [loss.label or "loss", f"L = {fmt(loss.data)}"]
        g.node("loss", _label(*lines), shape="box", **_fill("output"))
        for node_id in previous:
            g.edge(node_id, "loss", style="dashed")
    return Diagram(g.source)


def _fill(kind: str) -> dict[str, str]:
    style = KIND_STYLES[kind][1]
    return {"fillcolor": style["fillcolor"], "color": style["color"], "style": "filled"}
