r"""Scalar graph diagrams: every Value a node, every edge its local derivative.

:func:`draw_graph` has two views of the same graph:

* ``view="forward"``: values flow left to right. A value node shows its label,
  ``data`` and ``grad``; an operation node shows the operation; the edge from an
  operand into an operation is labelled with the local derivative
  ∂result/∂operand, as a number and, where it says more than a number, the rule
  (``1 - tanh²(x)``, ``σ(x)·(1 - σ(x))``).
* ``view="backward"``: the "reverse network" of the lecture notes. Arrows point
  from the output back to the inputs; each node shows ∂L/∂node, each edge the
  factor the gradient is multiplied by on its way, and a node reached by several
  paths (fan-out) shows the sum over those paths with its numbers.

Inputs, parameters, constants, intermediate values and the output have their
own colours, explained in a legend. Before any ``backward()`` (the output's
``grad`` is still 0) the diagram says that gradients are not computed yet rather
than showing zeros. The DOT text is deterministic: the same graph gives the same
bytes.

>>> from autograd_scalar.engine import Value
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> y = (w * x).tanh()
>>> "not computed yet" in draw_graph(y).source
True
>>> y.backward()
>>> import re  # the local derivatives on the edges into operations:
>>> re.findall(r'-> n\d+_op \[label="?([^"\]]*)', draw_graph(y, params=[w]).source)
['2.0', '-3.0', '2.458e-05 = 1 - tanh²(x)']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..core.value import CONST, Value
from .diagram import Diagram, require_graphviz
from .trace import DEFAULT_MAX_NODES, Trace, fmt, graph_nodes, trace_backward

__all__ = [
    "KIND_STYLES",
    "draw_graph",
    "gradients_computed",
    "node_kind",
    "node_names",
]

#: How each kind of node is drawn (Graphviz node attributes), and its legend text.
KIND_STYLES: dict[str, tuple[str, dict[str, str]]] = {
    "input": ("input", {"fillcolor": "#dbeafe", "color": "#1d4ed8"}),
    "parameter": ("parameter", {"fillcolor": "#fde68a", "color": "#b45309"}),
    "constant": (
        "constant",
        {"fillcolor": "#f3f4f6", "color": "#6b7280", "style": "filled,dashed"},
    ),
    "intermediate": ("intermediate value", {"fillcolor": "#ffffff", "color": "#374151"}),
    "output": ("output", {"fillcolor": "#bbf7d0", "color": "#15803d", "penwidth": "2"}),
}
_OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#ede9fe", "color": "#6d28d9"}
_FIXED_EDGE = {"style": "dashed", "color": "#9ca3af", "fontcolor": "#6b7280"}
# Derivative formulas that say no more than the number next to them.
_PLAIN_FORMULAS = {"1", "-1", "x", "y"}
_NOT_COMPUTED = "gradients not computed yet: call backward()"


def node_kind(node: Value, root: Value, params: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    """``"output"``, ``"parameter"``, ``"input"``, ``"constant"`` or ``"intermediate"``.

    A leaf listed in ``params`` (by identity) is a parameter; any other leaf
    made by ``Value(...)`` is an input; a number met in an expression is a constant.
    """
    if node is root:
        return "output"
    if node.op == CONST:
        return "constant"
    if node.is_leaf:
        return "parameter" if id(node) in params else "input"
    return "intermediate"


def node_names(nodes: list[Value]) -> dict[int, str]:
    """A name per node: its label, the number of a constant, else its
    operation and position (``mul3``); the same graph gives the same names."""
    names: dict[int, str] = {}
    for index, node in enumerate(nodes):
        if node.label:
            names[id(node)] = node.label
        elif node.op == CONST:
            names[id(node)] = fmt(node.data)
        else:
            names[id(node)] = f"{node.op or 'leaf'}{index}"
    return names


def gradients_computed(root: Value) -> bool:
    """Whether ``backward()`` has visibly run: the output's gradient is not 0."""
    grad = root.grad
    return float(grad.data if isinstance(grad, Value) else grad) != 0.0


def _graph(name: str, caption: str) -> Any:
    graphviz = require_graphviz()
    return graphviz.Digraph(
        name,
        graph_attr={
            "rankdir": "LR",
            "size": "40,40",  # inches: bounds a PNG of a big graph
            "label": caption,
            "labelloc": "t",
            "fontname": "Helvetica",
            "fontsize": "12",
            "nodesep": "0.25",
        },
        node_attr={"shape": "box", "style": "filled", "fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#4b5563"},
    )


def _label(*lines: str) -> str:
    escape = require_graphviz().escape
    return "\\n".join(str(escape(line)) for line in lines)


def _legend(g: Any, *, operations: bool = True) -> None:
    kinds = [(f"legend_{kind}", text, style) for kind, (text, style) in KIND_STYLES.items()]
    if operations:
        kinds.append(("legend_op", "operation", _OP_STYLE))
    with g.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontsize="10", color="#d1d5db", style="rounded")
        for node_id, text, style in kinds:
            legend.node(node_id, _label(text), fontsize="9", **style)
        # Invisible edges lay the legend out in one row instead of a tall column.
        for (tail, _, _), (head, _, _) in zip(kinds, kinds[1:]):
            legend.edge(tail, head, style="invis")


def _derivative_text(node: Value, index: int, local: Any) -> str:
    rule = node.rule
    text = fmt(local)
    if rule is not None and index < len(rule.derivatives):
        formula = rule.derivatives[index]
        if formula is not None and formula not in _PLAIN_FORMULAS:
            text += f" = {formula}"
    return text


def _formula(node: Value, names: dict[int, str]) -> str:
    """The node's operation with its operands' names: ``tanh(z)``, ``w * x``."""
    rule = node.rule
    if rule is None:
        return node.op
    operands = [names[id(p)] for p in node.parents]
    # the table's convention: x is the first operand, y (or n, or c) the other
    return re.sub(r"\b[xync]\b", lambda m: operands[0 if m.group() == "x" else -1], rule.formula)


def draw_graph(
    root: Value,
    *,
    view: str = "forward",
    params: Iterable[Value] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    show_grads: bool | None = None,
) -> Diagram:
    """Draw the computational graph that produced ``root``.

    Args:
        root: the output node.
        view: ``"forward"`` (values, left to right) or ``"backward"`` (the
            reverse network of gradients).
        params: Values to colour as parameters (the rest of the leaves are
            inputs or constants).
        max_nodes: refuse graphs with more nodes (default 500,
            :data:`~autograd_scalar.viz.trace.DEFAULT_MAX_NODES`) with a
            :class:`~autograd_scalar.viz.trace.GraphTooLargeError` that points
            to :func:`~autograd_scalar.viz.network.draw_network`; ``None`` for
            no limit.
        show_grads: whether gradients are shown; by default, when
            ``backward()`` has run (the output's gradient is not 0).
    """
    if view not in ("forward", "backward"):
        raise ValueError(f"view must be 'forward' or 'backward', got {view!r}")
    nodes = graph_nodes(root, max_nodes)
    param_ids = {id(p) for p in params} if params is not None else set()
    computed = gradients_computed(root) if show_grads is None else show_grads
    if view == "forward":
        g = _forward(root, nodes, param_ids, computed)
    else:
        seed = root.grad.data if isinstance(root.grad, Value) else root.grad
        trace = trace_backward(root, float(seed) if computed else 1.0)
        g = backward_graph(root, nodes, param_ids, trace, computed)
    _legend(g, operations=view == "forward")
    return Diagram(g.source)


def _forward(root: Value, nodes: list[Value], params: set[int], computed: bool) -> Any:
    names = node_names(nodes)
    ids = {id(node): f"n{i}" for i, node in enumerate(nodes)}
    caption = "forward pass" + ("" if computed else f" ({_NOT_COMPUTED})")
    g = _graph("forward", caption)
    for node in nodes:
        kind = node_kind(node, root, params)
        grad = fmt(node.grad) if computed else "not computed yet"
        lines = [names[id(node)], f"data {fmt(node.data)}"]
        if kind != "constant":
            lines.append(f"grad {grad}")
        g.node(ids[id(node)], _label(*lines), **KIND_STYLES[kind][1])
        if node.is_leaf:
            continue
        op_id = ids[id(node)] + "_op"
        rule = node.rule  # the table says how to draw the operation
        g.node(op_id, _label(rule.symbol if rule is not None else node.op), **_OP_STYLE)
        g.edge(op_id, ids[id(node)])
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if local is None or parent.op == CONST:
                g.edge(ids[id(parent)], op_id, **_FIXED_EDGE)
            else:
                g.edge(ids[id(parent)], op_id, label=_label(_derivative_text(node, index, local)))
    return g


def backward_graph(
    root: Value,
    nodes: list[Value],
    params: set[int],
    trace: Trace,
    computed: bool,
    *,
    known: set[int] | None = None,
    highlight: Value | None = None,
    caption: str | None = None,
) -> Any:
    """The reverse network as a ``graphviz.Digraph`` (used by the step-through too).

    ``known``: the nodes whose gradient is shown (default: all, if computed);
    ``highlight``: a node drawn in red.
    """
    names = node_names(nodes)
    ids = {id(node): f"n{i}" for i, node in enumerate(nodes)}
    if caption is None:
        caption = "backward pass: ∂L/∂node, L = " + names[id(root)]
        if not computed:
            caption += f" ({_NOT_COMPUTED})"
    g = _graph("backward", caption)
    for node in nodes:
        kind = node_kind(node, root, params)
        style = dict(KIND_STYLES[kind][1])
        name = names[id(node)]
        lines = [name if node.is_leaf else f"{name} = {_formula(node, names)}"]
        shown = computed and (known is None or id(node) in known)
        if kind == "constant":
            lines.append(f"value {fmt(node.data)}")
        elif not shown:
            lines.append(f"∂L/∂{name} = ?" if computed else "∂L/∂ not computed yet")
            style["fontcolor"] = "#9ca3af"
        elif node is root:
            lines.append(f"∂L/∂L = {fmt(trace.seed)} (seed)")
        else:
            terms = trace.terms.get(id(node), [])
            lines.append(f"∂L/∂{name} = {fmt(trace.grad(node))}")
            if len(terms) > 1:  # fan-out: the sum over the paths
                lines.append(
                    "= " + " + ".join(f"{fmt(t.upstream)}·({fmt(t.local)})" for t in terms)
                )
        if highlight is not None and node is highlight:
            style |= {"color": "#dc2626", "penwidth": "3"}
        g.node(ids[id(node)], _label(*lines), **style)
    for node in nodes:
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if local is None or parent.op == CONST:
                g.edge(ids[id(node)], ids[id(parent)], **_FIXED_EDGE)
            else:
                label = "× " + _derivative_text(node, index, local)
                g.edge(ids[id(node)], ids[id(parent)], label=_label(label))
    return g
