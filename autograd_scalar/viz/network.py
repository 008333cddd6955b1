"""Neuron-level diagrams of a multilayer perceptron, as textbooks draw them.

One node per neuron (not per scalar operation), so a network whose scalar
graph has tens of thousands of nodes stays readable.

* ``view="forward"``: a neuron shows its bias and, given an input ``x``, its
  pre-activation ``z = Σ w·a + b`` and activation ``a = f(z)``; each edge
  carries its weight. Given the ``loss``, the neuron also shows ∂L/∂z and each
  edge ∂L/∂w.
* ``view="backward"``: the lecture notes' reverse network of "amplifiers".
  Arrows run from the loss back to the first layer. ∂L/∂y enters at each
  output; each neuron is a triangle that multiplies by its own constant
  σ′(z) (the activation's slope, fixed by the forward pass) and outputs ∂L/∂z;
  each ∂L/∂z′ travels back along its edge multiplied by the edge's weight,
  and where the paths meet a Σ node adds them into ∂L/∂a.
  :func:`network_steps` shows it layer by layer.

**Which gradients.** They are ∂L/∂(node) computed for ``loss`` by the
engine's own backward driver (:func:`~autograd_scalar.viz.trace.trace_backward`),
never read from ``.grad``, so the picture is right whatever earlier
``backward()`` calls left in the parameters; ``stored_grads=True`` shows the
parameters' ``.grad`` instead, and says so. In the forward view ∂L/∂z is read
as ∂L/∂b (``z = Σ w·a + b``, so ∂z/∂b = 1: the ``∇b = g_z`` of Goodfellow et
al., algorithm 6.4); a loss summed over several examples gives the sum of
∂L/∂z over them. The backward view needs the loss of one example and finds
each neuron's ``z`` and ``a`` nodes in its graph.

Works with any object shaped like :class:`autograd_scalar.nn.MLP`:
``.layers[l].neurons[j]`` with ``.w`` (list of Values), ``.b`` (a Value) and
``.activation`` (a name in :data:`~autograd_scalar.nn.activations.ACTIVATIONS`),
whose neurons compute ``z = b + w₁a₁ + w₂a₂ + …`` in that order (as
:class:`~autograd_scalar.nn.Neuron` does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import InvalidInputError
from ..core.value import Value
from ..nn.activations import ACTIVATIONS
from .diagram import Diagram
from .graph import KIND_STYLES, dot_label, gradients_computed, new_digraph
from .player import FramePlayer, Slide
from .trace import Trace, fmt, graph_nodes, trace_backward

__all__ = [
    "MAX_LABELLED_EDGES",
    "NetworkSteps",
    "ReverseNeuron",
    "draw_network",
    "network_steps",
    "neuron_values",
    "reverse_network",
]

#: Above this many weights, edges are drawn without labels unless asked for.
MAX_LABELLED_EDGES = 24

_NEURON = {"fillcolor": "#ffffff", "color": "#374151", "shape": "box", "style": "filled,rounded"}
_AMPLIFIER = {
    "shape": "triangle",
    "orientation": "90",  # the apex points left, the way the gradient flows
    "style": "filled",
    "fillcolor": "#fef3c7",
    "color": "#b45309",
    "margin": "0",
    "fontsize": "10",
}
_SUM = {"shape": "circle", "style": "filled", "fillcolor": "#ede9fe", "color": "#6d28d9"}
_GRADIENT = {"shape": "box", "style": "filled,rounded", "fillcolor": "#ffffff", "color": "#374151"}
_UNKNOWN_FONT = "#9ca3af"
# A column of nodes drawn in one rank: its title and (id, label, style) per node.
Column = tuple[str, list[tuple[str, str, dict[str, str]]]]
_HIGHLIGHT = {"color": "#dc2626", "penwidth": "3"}
# Edge labels near the head, beside their own edge: in the middle, where
# edges between two layers cross, a reader cannot tell whose label is whose.
_EDGE_LABEL = {"labeldistance": "5.5", "labelangle": "8", "labelfontsize": "9"}


# ---------------------------------------------------------------- the network
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
            values.append((z, ACTIVATIONS[neuron.activation].function(z)))
        out.append(values)
        inputs = [a for _, a in values]
    return out


def _neuron_name(li: int, j: int) -> str:
    return f"{li + 1}.{j + 1}"


# ------------------------------------------------------ the reverse network
@dataclass(frozen=True)
class ReverseNeuron:
    """One amplifier of the reverse network, with the engine's numbers.

    Attributes:
        name: ``"layer.neuron"``, counted from 1 (``"2.1"``).
        activation: the activation's name.
        z: the neuron's pre-activation in the forward pass.
        slope: σ′(z), the amplifier's gain (the activation's derivative at z).
        dl_da: ∂L/∂a, the sum of the weighted ∂L/∂z′ arriving (∂L/∂y at an output).
        dl_dz: ∂L/∂z = slope · dl_da, the amplifier's output.
        inputs: ``(weight, ∂L/∂z′)`` of each path arriving (empty at an output).
    """

    name: str
    activation: str
    z: float
    slope: float
    dl_da: float
    dl_dz: float
    inputs: tuple[tuple[float, float], ...]


def _children(nodes: list[Value]) -> dict[int, list[Value]]:
    children: dict[int, list[Value]] = {}
    for node in nodes:
        for parent in node.parents:
            children.setdefault(id(parent), []).append(node)
    return children


def _find(neuron: Any, name: str, children: dict[int, list[Value]]) -> tuple[Value, Value]:
    """The ``z`` and ``a`` nodes of ``neuron`` in the loss's graph: from ``b``
    up the chain ``b + w₁a₁ + w₂a₂ + …``, then its activation."""

    def refuse(reason: str) -> InvalidInputError:
        return InvalidInputError("draw_network", name, f"neuron {name}: {reason}")

    z = neuron.b
    for _ in neuron.w:
        adds = [c for c in children.get(id(z), []) if c.op == "add"]
        if not adds:
            raise refuse("the loss does not use it as z = b + w₁a₁ + w₂a₂ + … (as nn.Neuron does)")
        if len(adds) > 1:
            raise refuse(
                "the loss uses it more than once (several examples?); the reverse "
                "network is drawn for the loss of one example"
            )
        z = adds[0]
    op = ACTIVATIONS[neuron.activation].op
    if op is None:  # linear: a is z itself
        return z, z
    acts = [c for c in children.get(id(z), []) if c.op == op]
    if len(acts) != 1:
        raise refuse(f"its z does not feed exactly one {op} node in the loss's graph")
    return z, acts[0]


def reverse_network(mlp: Any, x: Sequence[float], loss: Value) -> list[list[ReverseNeuron]]:
    """Every amplifier of the reverse network for input ``x``, layer by layer
    (first layer first), with the engine's ∂L/∂a and ∂L/∂z for ``loss``.

    ``loss`` must be the loss of this one input, built from the network's
    own Values; its ``.grad`` and the parameters' are not read.
    """
    layers = _layers(mlp)
    found = _neuron_nodes(layers, neuron_values(mlp, x), loss)
    trace = trace_backward(loss)
    network: list[list[ReverseNeuron]] = []
    for li, neurons in enumerate(layers):
        above = list(zip(layers[li + 1], found[li + 1])) if li + 1 < len(layers) else []
        row = []
        for j, (neuron, (z, a)) in enumerate(zip(neurons, found[li])):
            # each path back into this neuron: the weight it crosses, the ∂L/∂z′ it carries
            inputs = tuple((nxt.w[j].data, trace.grad(z_next)) for nxt, (z_next, _) in above)
            row.append(
                ReverseNeuron(
                    name=_neuron_name(li, j),
                    activation=neuron.activation,
                    z=z.data,
                    slope=ACTIVATIONS[neuron.activation].slope(z.data),
                    dl_da=trace.grad(a),
                    dl_dz=trace.grad(z),
                    inputs=inputs,
                )
            )
        network.append(row)
    return network


def _neuron_nodes(
    layers: list[list[Any]], values: list[list[tuple[float, float]]], loss: Value
) -> list[list[tuple[Value, Value]]]:
    """``(z, a)`` nodes of every neuron in the loss's graph, checked against
    the forward pass of ``x`` (so the picture cannot mix two inputs)."""
    children = _children(graph_nodes(loss, None))
    found = []
    for li, neurons in enumerate(layers):
        row = []
        for j, neuron in enumerate(neurons):
            name = _neuron_name(li, j)
            z, a = _find(neuron, name, children)
            expected = values[li][j][0]
            if not math.isclose(z.data, expected, rel_tol=1e-9, abs_tol=1e-12):
                raise InvalidInputError(
                    "draw_network",
                    name,
                    f"the loss was computed from another input than x: z is {fmt(z.data)} "
                    f"in the loss's graph, {fmt(expected)} for x",
                )
            row.append((z, a))
        found.append(row)
    return found


# --------------------------------------------------------------- the diagrams
def draw_network(
    mlp: Any,
    x: Sequence[float] | None = None,
    loss: Value | None = None,
    *,
    view: str = "forward",
    show_grads: bool | None = None,
    stored_grads: bool = False,
    edge_labels: bool | None = None,
) -> Diagram:
    """Draw ``mlp`` one node per neuron.

    Args:
        mlp: the network (see the module's description).
        x: an input; if given, every neuron shows z and a = f(z).
        loss: the loss Value; if given, it is drawn after the output layer
            and the gradients are computed for it.
        view: ``"forward"`` or ``"backward"`` (the reverse network; needs
            ``x`` and the ``loss`` of that one input).
        show_grads: forward view: show ∂L/∂z and ∂L/∂w (default: when
            ``loss`` is given, or ``stored_grads``).
        stored_grads: forward view: show the parameters' ``.grad`` as earlier
            ``backward()`` calls left it (labelled "stored .grad") instead of
            the gradients computed for ``loss``.
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
    if view == "backward":
        if x is None or loss is None or stored_grads:
            raise ValueError(
                "view='backward' draws the reverse network for one input: pass x and "
                "its loss (it computes the gradients; stored .grad is not shown)"
            )
        return Diagram(_reverse_graph(reverse_network(mlp, x, loss), loss, edge_labels).source)
    if view != "forward":
        raise ValueError(f"view must be 'forward' or 'backward', got {view!r}")
    grads = _gradient_reader(layers, loss, show_grads, stored_grads)
    return Diagram(_forward_network(layers, x, loss, grads, edge_labels).source)


GradientReader = Callable[[Value], float]


def _gradient_reader(
    layers: list[list[Any]], loss: Value | None, show: bool | None, stored: bool
) -> tuple[str, GradientReader | None]:
    """The caption's note on gradients, and where they come from (``None``: not shown)."""
    if show is None:
        show = loss is not None or stored
    if not show:
        note = "" if loss is None else " (show_grads=False)"
        return note or " (pass loss= for the gradients)", None
    if stored:
        params = [p for neurons in layers for n in neurons for p in (*n.w, n.b)]
        if not any(gradients_computed(p) for p in params):
            return " (stored .grad: not computed yet, call backward())", None
        return "; stored .grad, as earlier backward() calls left it", lambda v: float(v.grad)
    if loss is None:
        raise ValueError("show_grads=True needs the loss (or stored_grads=True)")
    trace: Trace = trace_backward(loss)
    return f"; gradients ∂L/∂· for L = {fmt(loss.data)}", trace.grad


def _forward_network(
    layers: list[list[Any]],
    x: Sequence[float] | None,
    loss: Value | None,
    grads: tuple[str, GradientReader | None],
    edge_labels: bool,
) -> Any:
    note, grad_of = grads
    prefix = "stored " if "stored" in note else ""
    values = neuron_values(_as_mlp(layers), x) if x is not None else None
    g = new_digraph("network", "network: one node per neuron" + note)
    g.attr(ranksep="2.6", newrank="true")
    columns: list[Column] = [("input", _input_column(len(layers[0][0].w), x))]
    for li, neurons in enumerate(layers):
        column = []
        for j, neuron in enumerate(neurons):
            lines = [f"neuron {_neuron_name(li, j)}", f"b = {fmt(neuron.b.data)}"]
            if values is not None:
                z, a = values[li][j]
                f = "a = z" if neuron.activation == "linear" else f"a = {neuron.activation}(z)"
                lines += [f"z = {fmt(z)}", f"{f} = {fmt(a)}"]
            if grad_of is not None:
                label = "∂L/∂b" if prefix else "∂L/∂z"
                lines.append(f"{prefix}{label} = {fmt(grad_of(neuron.b))}")
            style = _NEURON if li < len(layers) - 1 else {**_NEURON, **_fill("output")}
            column.append((f"l{li}n{j}", dot_label(*lines), style))
        columns.append((f"layer {li + 1} ({_kinds(neurons)})", column))
    _add_columns(g, columns)
    last = _add_weight_edges(g, layers, columns, grad_of, prefix, edge_labels)
    if loss is not None:
        lines = [loss.label or "loss", f"L = {fmt(loss.data)}"]
        g.node("loss", dot_label(*lines), shape="box", **_fill("output"))
        for node_id in last:
            g.edge(node_id, "loss", style="dashed")
    return g


def _add_weight_edges(
    g: Any,
    layers: list[list[Any]],
    columns: list[Column],
    grad_of: GradientReader | None,
    prefix: str,
    edge_labels: bool,
) -> list[str]:
    """One edge per weight, labelled at its head; returns the output column's ids."""
    previous = [node_id for node_id, _, _ in columns[0][1]]
    for li, neurons in enumerate(layers):
        current = [node_id for node_id, _, _ in columns[li + 1][1]]
        for j, neuron in enumerate(neurons):
            for k, w in enumerate(neuron.w):
                attrs: dict[str, str] = {}
                if edge_labels:
                    text = [f"w = {fmt(w.data)}"]
                    if grad_of is not None:
                        text.append(f"{prefix}∂L/∂w = {fmt(grad_of(w))}")
                    attrs = {"headlabel": dot_label(*text), **_EDGE_LABEL}
                g.edge(previous[k], current[j], **attrs)
        previous = current
    return previous


def _as_mlp(layers: list[list[Any]]) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(layers=[SimpleNamespace(neurons=n) for n in layers])


def _input_column(width: int, x: Sequence[float] | None) -> list[tuple[str, str, dict[str, str]]]:
    column = []
    for k in range(width):
        lines = [f"x{k + 1}"] + ([f"= {fmt(x[k])}"] if x is not None else [])
        column.append((f"x{k}", dot_label(*lines), {"shape": "circle", **_fill("input")}))
    return column


def _kinds(neurons: list[Any]) -> str:
    return ", ".join(sorted({n.activation for n in neurons}))


def _add_columns(g: Any, columns: list[Column]) -> None:
    """One rank per column, headed by its title; invisible edges keep the
    nodes in index order from top to bottom and the columns in order."""
    for c, (title, column) in enumerate(columns):
        with g.subgraph(name=f"column{c}") as rank:
            rank.attr(rank="same")
            rank.node(f"title{c}", dot_label(title), shape="plaintext", style="", fontsize="12")
            for node_id, label, style in column:
                rank.node(node_id, label, **style)
            ids = [f"title{c}"] + [node_id for node_id, _, _ in column]
            for tail, head in zip(ids, ids[1:]):
                rank.edge(tail, head, style="invis")
    for c in range(len(columns) - 1):
        g.edge(f"title{c}", f"title{c + 1}", style="invis")


@dataclass(frozen=True)
class _Reveal:
    """Which stages of the reverse network show their numbers: stage 0 is
    ∂L/∂y, then one per layer from the output; ``shown`` of them are known,
    and in a step-through (``highlight``) the last known one is in red."""

    shown: int
    highlight: bool

    def __call__(self, stage: int, text: str) -> tuple[str, dict[str, str]]:
        if stage < self.shown:
            return text, dict(_HIGHLIGHT) if self.highlight and stage == self.shown - 1 else {}
        return text.split(" = ")[0] + " = ?", {"fontcolor": _UNKNOWN_FONT}


def _reverse_graph(
    network: list[list[ReverseNeuron]],
    loss: Value,
    edge_labels: bool,
    *,
    known: int | None = None,
    caption: str | None = None,
) -> Any:
    """The reverse network; ``known``: how many stages show their numbers
    (default: all), the last of them highlighted (see :class:`_Reveal`)."""
    reveal = _Reveal(len(network) + 1 if known is None else known, known is not None)
    if caption is None:
        caption = (
            "reverse network: ∂L/∂y enters at the outputs; each triangle multiplies by "
            "σ′(z), each edge by its weight, Σ adds the paths that meet"
        )
    g = new_digraph("reverse", caption, rankdir="RL")
    g.attr(ranksep="0.5", newrank="true")
    # Right to left: the loss, ∂L/∂y, then per layer from the output: Σ, amplifier, ∂L/∂z.
    columns = _output_columns(network[-1], loss, reveal)
    for li in range(len(network) - 1, -1, -1):
        columns += _layer_columns(network, li, reveal)
    _add_reverse_columns(g, columns)
    _add_reverse_edges(g, network, edge_labels)
    return g


def _output_columns(outputs: list[ReverseNeuron], loss: Value, reveal: _Reveal) -> list[Column]:
    dy = []
    for j, n in enumerate(outputs):
        text, style = reveal(0, f"∂L/∂y{j + 1} = {fmt(n.dl_da)}")
        dy.append((f"dy{j}", dot_label(text), {**_GRADIENT, **_fill("output"), **style}))
    loss_node = ("loss", dot_label(f"L = {fmt(loss.data)}"), _fill("output"))
    return [("loss", [loss_node]), ("∂L/∂y", dy)]


def _layer_columns(network: list[list[ReverseNeuron]], li: int, reveal: _Reveal) -> list[Column]:
    """A layer's Σ nodes (none at the output), amplifiers and ∂L/∂z nodes."""
    stage = len(network) - li
    columns: list[Column] = []
    if li < len(network) - 1:
        sums = []
        for j, n in enumerate(network[li]):
            text, style = reveal(stage, f"Σ = {fmt(n.dl_da)}")
            sums.append((f"s{li}_{j}", dot_label(text), {**_SUM, **style}))
        columns.append((f"Σ into layer {li + 1}", sums))
    amps, outs = [], []
    for j, n in enumerate(network[li]):
        text, style = reveal(stage, f"= {fmt(n.slope)}")
        lines = [n.name, f"× {ACTIVATIONS[n.activation].derivative}"]
        lines += [] if text.endswith("?") else [text]
        amps.append((f"amp{li}_{j}", dot_label(*lines), {**_AMPLIFIER, **style}))
        text, style = reveal(stage, f"∂L/∂z{n.name} = {fmt(n.dl_dz)}")
        outs.append((f"dz{li}_{j}", dot_label(text), {**_GRADIENT, **style}))
    return columns + [(f"layer {li + 1}", amps), (f"∂L/∂z, layer {li + 1}", outs)]


def _add_reverse_columns(g: Any, columns: list[Column]) -> None:
    for c, (_, column) in enumerate(columns):
        with g.subgraph(name=f"column{c}") as rank:
            rank.attr(rank="same")
            for node_id, label, style in column:
                rank.node(node_id, label, **style)
            ids = [node_id for node_id, _, _ in column]
            for tail, head in zip(ids, ids[1:]):
                rank.edge(tail, head, style="invis")


def _add_reverse_edges(g: Any, network: list[list[ReverseNeuron]], edge_labels: bool) -> None:
    last = len(network) - 1
    for j in range(len(network[last])):
        g.edge("loss", f"dy{j}")
        g.edge(f"dy{j}", f"amp{last}_{j}")
    for li, neurons in enumerate(network):
        for j, n in enumerate(neurons):
            g.edge(f"amp{li}_{j}", f"dz{li}_{j}")
            if li < last:
                g.edge(f"s{li}_{j}", f"amp{li}_{j}")
            for k, (weight, _) in enumerate(n.inputs):
                # minlen: room between the layers for the crossing edges and their labels
                attrs = {"minlen": "2"}
                if edge_labels:
                    attrs |= {"headlabel": dot_label(f"w = {fmt(weight)}"), **_EDGE_LABEL}
                g.edge(f"dz{li + 1}_{k}", f"s{li}_{j}", **attrs)


class NetworkSteps(FramePlayer):
    """The reverse network stage by stage: ∂L/∂y, then one layer at a time
    from the output. ``stages`` are the captions' equations."""

    title = "The reverse network, layer by layer"

    def __init__(self, network: list[list[ReverseNeuron]], slides: list[Slide]) -> None:
        self.network = network
        super().__init__(slides)

    def __len__(self) -> int:
        return len(self.slides)

    def __repr__(self) -> str:
        return f"<NetworkSteps: {len(self.slides)} frames>"


def _stage_equation(network: list[list[ReverseNeuron]], stage: int) -> str:
    last = len(network) - 1
    if stage == 0:
        parts = [f"∂L/∂y{j + 1} = {fmt(n.dl_da)}" for j, n in enumerate(network[last])]
        return "the loss's slope at each output: " + ", ".join(parts)
    li = last - stage + 1
    parts = []
    for n in network[li]:
        if n.inputs:
            paths = " + ".join(f"{_paren(w)}·{_paren(d)}" for w, d in n.inputs)
            parts.append(f"∂L/∂z{n.name} = {fmt(n.slope)}·({paths}) = {fmt(n.dl_dz)}")
        else:
            parts.append(f"∂L/∂z{n.name} = {fmt(n.slope)}·{_paren(n.dl_da)} = {fmt(n.dl_dz)}")
    return f"layer {li + 1}: " + "; ".join(parts)


def _paren(v: float) -> str:
    text = fmt(v)
    return f"({text})" if text.startswith("-") else text


def network_steps(
    mlp: Any, x: Sequence[float], loss: Value, *, edge_labels: bool | None = None
) -> NetworkSteps:
    """The reverse network of ``draw_network(mlp, x, loss, view="backward")``
    filled in stage by stage: ∂L/∂y at the outputs, then each layer from the
    output, its equations (σ′(z)·(Σ w·∂L/∂z′) = ∂L/∂z) as the caption. Saves
    as one HTML page or numbered SVG files, like
    :func:`~autograd_scalar.viz.steps.step_through`."""
    layers = _layers(mlp)
    if edge_labels is None:
        edge_labels = sum(len(n.w) for neurons in layers for n in neurons) <= MAX_LABELLED_EDGES
    network = reverse_network(mlp, x, loss)
    slides = []
    stages = len(network) + 1
    for stage in range(stages):
        equation = _stage_equation(network, stage)
        caption = f"step {stage + 1} of {stages}: {equation}"
        g = _reverse_graph(network, loss, edge_labels, known=stage + 1, caption=caption)
        slides.append(Slide("backward pass, layer by layer", equation, g.source))
    return NetworkSteps(network, slides)


def _fill(kind: str) -> dict[str, str]:
    style = KIND_STYLES[kind][1]
    return {"fillcolor": style["fillcolor"], "color": style["color"], "style": "filled"}
