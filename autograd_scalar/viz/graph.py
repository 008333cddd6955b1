r"""Scalar graph diagrams: every Value a node, every edge its local derivative.

:func:`draw_graph` has two views of the same graph:

* ``view="forward"``: values flow left to right. A value node shows its label,
  ``data`` and its gradient; an operation node shows the operation; the edge
  from an operand into an operation is labelled with the local derivative
  ∂result/∂operand, as a number and, where it says more than a number, the rule
  written with the operand's own name (``1 - tanh²(z)`` for ``tanh(z)``).
* ``view="backward"``: the "reverse network" of the lecture notes. Arrows point
  from the output back to the inputs; each node shows ∂L/∂node, each edge the
  factor the gradient is multiplied by on its way, and a node reached by several
  paths (fan-out) shows the sum over those paths with its numbers. The output
  is called L.

**Which gradients.** A diagram of ``root`` shows ∂root/∂node *computed for
that root* by the engine's own backward driver
(:func:`~autograd_scalar.viz.trace.trace_backward`), without reading or
touching any ``.grad``: every view of a graph shows the same numbers, whatever
earlier ``backward()`` calls left in the nodes. ``stored_grads=True`` shows the
nodes' ``.grad`` instead, and the diagram says so.

Inputs, parameters, constants, intermediate values and the output have their
own colours, explained in a legend that lists the kinds the diagram contains.
The DOT text is deterministic: the same graph gives the same bytes.

>>> from autograd_scalar.engine import Value
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> z = w * x
>>> z.label = "z"
>>> y = z.tanh()
>>> import re  # the local derivatives on the edges into operations:
>>> re.findall(r'-> n\d+_op \[label="?([^"\]]*)', draw_graph(y, params=[w]).source)
['2.0', '-3.0', '2.458e-05 = 1 - tanh²(z)']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..check.chain import plain_formula
from ..check.structure import Edge
from ..core.rules import FORMULA_OPERAND
from ..core.value import CONST, Value
from .diagram import Diagram, require_graphviz
from .trace import DEFAULT_MAX_NODES, Trace, fmt, graph_nodes, trace_backward

__all__ = [
    "KIND_STYLES",
    "OP_STYLE",
    "OUTPUT_NAME",
    "add_legend",
    "backward_graph",
    "derivative_text",
    "dot_label",
    "draw_graph",
    "forward_graph",
    "formula_text",
    "gradients_computed",
    "new_digraph",
    "node_kind",
    "node_names",
    "substitute_operands",
    "used_kinds",
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
#: How an operation node of the forward view is drawn.
OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#ede9fe", "color": "#6d28d9"}
#: What the backward view and the step-through call the output: ∂L/∂node.
OUTPUT_NAME = "L"
_FIXED_EDGE = {"style": "dashed", "color": "#9ca3af", "fontcolor": "#6b7280"}
_HIGHLIGHT = {"color": "#dc2626", "penwidth": "3"}
_UNKNOWN_FONT = "#9ca3af"
# Derivative formulas that say no more than the number next to them.
_PLAIN_FORMULAS = {"1", "-1", "x", "y"}
_NOT_COMPUTED = "gradients not computed yet: call backward()"
_STORED = "stored .grad, as earlier backward() calls left it"


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


def node_names(nodes: list[Value], root: Value | None = None) -> dict[int, str]:
    """A name per node: its label, the number of a constant, else its
    operation and position (``mul3``); the same graph gives the same names.
    With ``root`` given, the output is called :data:`OUTPUT_NAME` (L), as in
    ∂L/∂node."""
    names: dict[int, str] = {}
    for index, node in enumerate(nodes):
        if node.label:
            names[id(node)] = node.label
        elif node.op == CONST:
            names[id(node)] = fmt(node.data)
        else:
            names[id(node)] = f"{node.op or 'leaf'}{index}"
    if root is not None:
        names[id(root)] = OUTPUT_NAME
    return names


def gradients_computed(root: Value) -> bool:
    """Whether ``backward()`` has visibly run: the output's gradient is not 0."""
    grad = root.grad
    return float(grad.data if isinstance(grad, Value) else grad) != 0.0


def new_digraph(name: str, caption: str, *, rankdir: str = "LR") -> Any:
    """A ``graphviz.Digraph`` with the house style (fonts, caption on top)."""
    graphviz = require_graphviz()
    return graphviz.Digraph(
        name,
        graph_attr={
            "rankdir": rankdir,
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


def dot_label(*lines: str) -> str:
    """Lines of text as one escaped Graphviz label."""
    escape = require_graphviz().escape
    return "\\n".join(str(escape(line)) for line in lines)


def used_kinds(nodes: Iterable[Value], root: Value, params: set[int]) -> set[str]:
    """The kinds of node (see :func:`node_kind`) among ``nodes``."""
    return {node_kind(node, root, params) for node in nodes}


def add_legend(g: Any, kinds: Iterable[str], *, operations: bool = True) -> None:
    """A legend for the node kinds in ``kinds`` (only those: a legend entry
    for something the diagram does not contain would send the reader looking)."""
    wanted = set(kinds)
    entries = [
        (f"legend_{kind}", text, style)
        for kind, (text, style) in KIND_STYLES.items()
        if kind in wanted
    ]
    if operations:
        entries.append(("legend_op", "operation", OP_STYLE))
    with g.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontsize="10", color="#d1d5db", style="rounded")
        for node_id, text, style in entries:
            legend.node(node_id, dot_label(text), fontsize="9", **style)
        # Invisible edges lay the legend out in one row instead of a tall column.
        for (tail, _, _), (head, _, _) in zip(entries, entries[1:]):
            legend.edge(tail, head, style="invis")


def substitute_operands(text: str, operands: list[str]) -> str:
    """A rule's formula with its operands written in: ``x`` becomes the first,
    ``y``, ``n`` or ``c`` the other (the table's convention).

    >>> substitute_operands("-x/y²", ["a", "b"])
    '-a/b²'
    """
    return FORMULA_OPERAND.sub(lambda m: operands[0 if m.group() == "x" else -1], text)


def _with_operands(text: str, node: Value, names: dict[int, str]) -> str:
    return substitute_operands(text, [names[id(p)] for p in node.parents])


def derivative_text(node: Value, index: int, local: Any, names: dict[int, str]) -> str:
    """The local derivative ∂node/∂(operand ``index``): its number and, where
    it says more, the rule's formula in the operands' names, written by
    :func:`~autograd_scalar.check.chain.plain_formula` as ``chain_rule`` and the
    step-through write it (``2·a`` for ``a**2``, not ``n·x^(n-1)``)."""
    rule = node.rule
    text = fmt(local)
    if rule is not None and index < len(rule.derivatives):
        formula = rule.derivatives[index]
        if formula is not None and formula not in _PLAIN_FORMULAS:
            parents = {p: names[id(p)] for p in node.parents}
            edge = Edge(node, index, node.parents[index], local)
            text += f" = {plain_formula(edge, parents)}"
    return text


def formula_text(node: Value, names: dict[int, str]) -> str:
    """The node's operation with its operands' names: ``tanh(z)``, ``w * x``."""
    rule = node.rule
    if rule is None:
        return node.op
    return _with_operands(rule.formula, node, names)


def draw_graph(
    root: Value,
    *,
    view: str = "forward",
    params: Iterable[Value] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    show_grads: bool = True,
    stored_grads: bool = False,
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
        show_grads: whether gradients are shown at all.
        stored_grads: forward view only: show each node's ``.grad`` as
            earlier ``backward()`` calls left it (labelled "stored .grad";
            before any ``backward()``, "not computed yet") instead of
            ∂root/∂node computed for this diagram.
    """
    if view not in ("forward", "backward"):
        raise ValueError(f"view must be 'forward' or 'backward', got {view!r}")
    if stored_grads and view == "backward":
        raise ValueError(
            "the backward view draws the pass it computes; stored .grad is shown by "
            "view='forward' with stored_grads=True"
        )
    nodes = graph_nodes(root, max_nodes)
    param_ids = {id(p) for p in params} if params is not None else set()
    trace = trace_backward(root) if show_grads and not stored_grads else None
    if view == "forward":
        g = forward_graph(
            root, nodes, param_ids, _forward_grads(root, trace, show_grads, stored_grads)
        )
    else:
        g = backward_graph(root, nodes, param_ids, trace)
    add_legend(g, used_kinds(nodes, root, param_ids), operations=view == "forward")
    return Diagram(g.source)


GradientLine = Callable[[Value], str]


def _forward_grads(
    root: Value, trace: Trace | None, show: bool, stored: bool
) -> tuple[str, GradientLine | None]:
    """The forward view's caption and what it writes as each node's gradient."""
    if not show:
        return "forward pass", None
    if stored:
        if not gradients_computed(root):
            return f"forward pass ({_NOT_COMPUTED})", lambda node: "stored .grad: not computed yet"
        return f"forward pass; {_STORED}", lambda node: f"stored .grad {fmt(node.grad)}"
    assert trace is not None
    return "forward pass; grad = ∂(output)/∂node", lambda node: f"grad {fmt(trace.grad(node))}"


def forward_graph(
    root: Value,
    nodes: list[Value],
    params: set[int],
    grads: tuple[str, GradientLine | None],
    *,
    known: set[int] | None = None,
    highlight: Value | None = None,
    caption: str | None = None,
    names: dict[int, str] | None = None,
) -> Any:
    """The forward view as a ``graphviz.Digraph`` (used by the step-through too).

    ``grads``: the caption and each node's gradient line (``None``: no
    gradients); ``known``: the nodes whose value is shown (default: all);
    ``highlight``: a node drawn in red.
    """
    names = names if names is not None else node_names(nodes)
    ids = {id(node): f"n{i}" for i, node in enumerate(nodes)}
    default_caption, grad_line = grads
    g = new_digraph("forward", caption if caption is not None else default_caption)
    for node in nodes:
        kind = node_kind(node, root, params)
        style = dict(KIND_STYLES[kind][1])
        lines = [names[id(node)]]
        if known is None or id(node) in known:
            lines.append(f"data {fmt(node.data)}")
        else:
            lines.append("data ?")
            style["fontcolor"] = _UNKNOWN_FONT
        if kind != "constant" and grad_line is not None:
            lines.append(grad_line(node))
        if highlight is not None and node is highlight:
            style |= _HIGHLIGHT
        g.node(ids[id(node)], dot_label(*lines), **style)
        if node.is_leaf:
            continue
        op_id = ids[id(node)] + "_op"
        rule = node.rule  # the table says how to draw the operation
        g.node(op_id, dot_label(rule.symbol if rule is not None else node.op), **OP_STYLE)
        g.edge(op_id, ids[id(node)])
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if local is None or parent.op == CONST:
                g.edge(ids[id(parent)], op_id, **_FIXED_EDGE)
            else:
                label = derivative_text(node, index, local, names)
                g.edge(ids[id(parent)], op_id, label=dot_label(label))
    return g


def backward_graph(
    root: Value,
    nodes: list[Value],
    params: set[int],
    trace: Trace | None,
    *,
    known: set[int] | None = None,
    highlight: Value | None = None,
    caption: str | None = None,
) -> Any:
    """The reverse network as a ``graphviz.Digraph`` (used by the step-through too).

    ``trace``: the pass whose gradients are shown (``None``: none);
    ``known``: the nodes whose gradient is shown (default: all);
    ``highlight``: a node drawn in red.
    """
    names = node_names(nodes, root)
    ids = {id(node): f"n{i}" for i, node in enumerate(nodes)}
    if caption is None:
        caption = f"backward pass: ∂{OUTPUT_NAME}/∂node"
        if root.label and root.label != OUTPUT_NAME:
            caption += f", {OUTPUT_NAME} = the output {root.label}"
    g = new_digraph("backward", caption)
    for node in nodes:
        style = dict(KIND_STYLES[node_kind(node, root, params)][1])
        lines = _backward_lines(node, root, names, trace, known)
        if len(lines) > 1 and lines[1].endswith("= ?"):
            style["fontcolor"] = _UNKNOWN_FONT
        if highlight is not None and node is highlight:
            style |= _HIGHLIGHT
        g.node(ids[id(node)], dot_label(*lines), **style)
    for node in nodes:
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if local is None or parent.op == CONST:
                g.edge(ids[id(node)], ids[id(parent)], **_FIXED_EDGE)
            else:
                label = "× " + derivative_text(node, index, local, names)
                g.edge(ids[id(node)], ids[id(parent)], label=dot_label(label))
    return g


def _backward_lines(
    node: Value, root: Value, names: dict[int, str], trace: Trace | None, known: set[int] | None
) -> list[str]:
    name = names[id(node)]
    lines = [name if node.is_leaf else f"{name} = {formula_text(node, names)}"]
    if node.op == CONST:
        lines.append(f"value {fmt(node.data)}")
    elif trace is None:
        pass
    elif known is not None and id(node) not in known:
        lines.append(f"∂{OUTPUT_NAME}/∂{name} = ?")
    elif node is root:
        lines.append(f"∂{OUTPUT_NAME}/∂{OUTPUT_NAME} = {fmt(trace.seed)} (seed)")
    else:
        terms = trace.terms.get(id(node), [])
        lines.append(f"∂{OUTPUT_NAME}/∂{name} = {fmt(trace.grad(node))}")
        if len(terms) > 1:  # fan-out: the sum over the paths
            lines.append("= " + " + ".join(f"{fmt(t.upstream)}·({fmt(t.local)})" for t in terms))
    return lines
