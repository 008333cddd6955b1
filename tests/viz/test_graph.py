"""Scalar graph diagrams: DOT content, both views, limits, determinism."""

import math
import re

import pytest
from hypothesis import given, settings

from autograd_scalar.check.strategies import expressions
from autograd_scalar.core.value import Value
from autograd_scalar.viz.graph import KIND_STYLES, draw_graph, node_kind
from autograd_scalar.viz.trace import GraphTooLargeError


def _neuron():
    """tanh(w*x + b) with x = 2, w = -3, b = 1 (so z = -5)."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    z = w * x + b
    z.label = "z"
    out = z.tanh()
    out.label = "out"
    return out, x, w, b


def _nodes(source):
    """{node id: (label, attribute text)} from DOT source."""
    found = {}
    pattern = r'^\s*(\w+) \[label=("[^"]*"|[^ \]]+)([^\]]*)\]$'
    for match in re.finditer(pattern, source, re.M):
        found[match.group(1)] = (match.group(2).strip('"'), match.group(3))
    return found


def _node_with(source, first_line):
    for node_id, (label, attrs) in _nodes(source).items():
        if label.split("\\n")[0] == first_line:
            return node_id, label, attrs
    raise AssertionError(f"no node labelled {first_line!r} in\n{source}")


def _edges(source):
    """[(tail, head, attribute text)]"""
    return re.findall(r"^\s*(\w+) -> (\w+)(?: \[([^\]]*)\])?$", source, re.M)


def test_nodes_show_label_data_and_grad_after_backward():
    out, x, w, b = _neuron()
    out.backward()
    source = draw_graph(out, params=[w, b]).source
    dz = 1 - math.tanh(-5.0) ** 2  # d tanh(z)/dz, by hand
    _, label, _ = _node_with(source, "x")
    assert label == f"x\\ndata 2.0\\ngrad {-3.0 * dz:.4g}"
    _, label, _ = _node_with(source, "w")
    assert label == f"w\\ndata -3.0\\ngrad {2.0 * dz:.4g}"
    _, label, _ = _node_with(source, "out")
    assert label == f"out\\ndata {math.tanh(-5.0):.4g}\\ngrad 1.0"


def test_operations_are_nodes_showing_their_name():
    out, *_ = _neuron()
    labels = {
        label for label, attrs in _nodes(draw_graph(out).source).values() if "ellipse" in attrs
    }
    assert {"×", "+", "tanh"} <= labels


def test_every_edge_into_an_operation_carries_its_local_derivative():
    out, x, w, b = _neuron()
    source = draw_graph(out).source
    ids = {name: _node_with(source, name)[0] for name in ("x", "w", "b", "z")}
    labels = {(tail, head): attrs for tail, head, attrs in _edges(source)}
    mul_op = next(head for tail, head in labels if tail == ids["x"])
    # ∂(w·x)/∂w = x = 2 and ∂(w·x)/∂x = w = -3
    assert labels[(ids["w"], mul_op)] == "label=2.0"
    assert labels[(ids["x"], mul_op)] == "label=-3.0"
    tanh_op = next(head for tail, head in labels if tail == ids["z"])
    dz = 1 - math.tanh(-5.0) ** 2
    # the rule names the operand itself (z), not the table's generic x, which
    # would clash with the input called x
    assert labels[(ids["z"], tanh_op)] == f'label="{dz:.4g} = 1 - tanh²(z)"'


def test_sigmoid_edge_shows_its_rule_with_the_operands_name():
    z = Value(0.0, label="z")
    source = draw_graph(z.sigmoid()).source
    assert 'label="0.25 = σ(z)·(1 - σ(z))"' in source
    assert "σ(x)" not in source


def test_a_squared_operand_is_named_too():
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    source = draw_graph(a / b).source
    assert "= -a/b²" in source  # not -a/y²: "²" is no word boundary for a regex
    assert "= 1/b" in source


def test_edges_write_the_derivative_as_chain_rule_does():
    # one writer for a local derivative: 2·a for a**2, not the table's n·x^(n-1)
    a = Value(3.0, label="a")
    y = a**2 + a**3
    source = draw_graph(y).source
    assert "= 2·a" in source and "= 3·a^2" in source
    assert "n·x^(n-1)" not in source and "x^(n-1)" not in source


def test_backward_view_edges_name_the_operand_too():
    h = Value(0.5, label="h")
    source = draw_graph(h.tanh(), view="backward").source
    assert "1 - tanh²(h)" in source
    assert "tanh²(x)" not in source


def test_constant_exponent_edge_has_no_derivative_and_is_dashed():
    x = Value(3.0, label="x")
    source = draw_graph(x**2).source
    const_id, label, attrs = _node_with(source, "2.0")
    assert "dashed" in attrs
    (edge,) = [a for tail, _, a in _edges(source) if tail == const_id]
    assert "label" not in edge
    assert "style=dashed" in edge
    x_edge = next(a for tail, _, a in _edges(source) if tail == _node_with(source, "x")[0])
    assert x_edge.startswith('label="6.0')  # 2·x = 6


def test_gradients_are_computed_for_the_root_whatever_grad_holds():
    out, x, w, b = _neuron()
    dz = 1 - math.tanh(-5.0) ** 2
    fresh = draw_graph(out).source  # no backward() at all
    out.backward()
    out.backward()  # the leaves now hold twice the gradient
    x.grad, b.grad = 99.0, -7.0  # and stale numbers
    for source in (fresh, draw_graph(out).source):
        assert _node_with(source, "x")[1] == f"x\\ndata 2.0\\ngrad {-3.0 * dz:.4g}"
        assert _node_with(source, "b")[1] == f"b\\ndata 1.0\\ngrad {dz:.4g}"
    backward = draw_graph(out, view="backward").source
    assert f"∂L/∂x = {-3.0 * dz:.4g}" in backward
    assert f"∂L/∂b = {dz:.4g}" in backward


def test_stored_grads_are_shown_only_when_asked_and_labelled_as_such():
    out, x, w, b = _neuron()
    before = draw_graph(out, stored_grads=True).source
    assert "not computed yet" in before
    assert "grad 0.0" not in before
    out.backward()
    x.grad = 99.0
    source = draw_graph(out, stored_grads=True).source
    assert "stored .grad, as earlier backward() calls left it" in source
    assert _node_with(source, "x")[1] == "x\\ndata 2.0\\nstored .grad 99.0"
    with pytest.raises(ValueError, match="stored"):
        draw_graph(out, view="backward", stored_grads=True)


def test_show_grads_false_draws_values_only():
    out, *_ = _neuron()
    for view in ("forward", "backward"):
        source = draw_graph(out, view=view, show_grads=False).source
        assert "grad" not in source
        assert "∂L/∂" not in source.replace("backward pass: ∂L/∂node", "")


def test_kinds_have_distinct_colours_and_a_legend():
    out, x, w, b = _neuron()
    y = out * 2
    source = draw_graph(y, params=[w, b]).source
    fills = {kind: style["fillcolor"] for kind, (_, style) in KIND_STYLES.items()}
    assert len(set(fills.values())) == len(fills)
    assert f'fillcolor="{fills["input"]}"' in _node_with(source, "x")[2]
    assert f'fillcolor="{fills["parameter"]}"' in _node_with(source, "w")[2]
    assert f'fillcolor="{fills["constant"]}"' in _node_with(source, "2.0")[2]
    assert f'fillcolor="{fills["intermediate"]}"' in _node_with(source, "z")[2]
    assert f'fillcolor="{fills["output"]}"' in _node_with(source, "mul7")[2]
    assert "subgraph cluster_legend" in source
    for kind in ("input", "parameter", "constant", "intermediate value", "output"):
        assert f"label={kind}" in source or f'label="{kind}"' in source


def _legend_entries(source):
    return sorted(re.findall(r"^\s*legend_(\w+) \[", source, re.M))


def test_the_legend_lists_only_the_kinds_that_appear():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = w * x  # no constant, no intermediate value, no parameter unless asked
    assert _legend_entries(draw_graph(y).source) == ["input", "op", "output"]
    assert _legend_entries(draw_graph(y, params=[w]).source) == [
        "input",
        "op",
        "output",
        "parameter",
    ]
    assert _legend_entries(draw_graph(y, view="backward").source) == ["input", "output"]
    assert "constant" not in draw_graph(y).source


def test_node_kind():
    out, x, w, b = _neuron()
    c = out * 2
    const = c.parents[1]
    assert node_kind(c, c) == "output"
    assert node_kind(w, c, {id(w)}) == "parameter"
    assert node_kind(x, c, {id(w)}) == "input"
    assert node_kind(const, c) == "constant"
    assert node_kind(out, c) == "intermediate"


def test_same_graph_gives_the_same_dot_byte_for_byte():
    first, *_ = _neuron()
    second, *_ = _neuron()
    first.backward()
    second.backward()
    for view in ("forward", "backward"):
        assert draw_graph(first, view=view).source == draw_graph(second, view=view).source


def test_backward_view_reverses_arrows_and_sums_over_paths():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = c + a  # a fans out: ∂L/∂a = 1·b + 1 = -2
    loss.label = "L"
    loss.backward()
    source = draw_graph(loss, view="backward").source
    a_id, a_label, _ = _node_with(source, "a")
    c_id, c_label, _ = _node_with(source, "c = a * b")
    l_id, l_label, _ = _node_with(source, "L = c + a")  # labelled L: no "L = the output"
    assert "the output" not in source
    assert "∂L/∂L = 1.0 (seed)" in l_label
    assert a_label == "a\\n∂L/∂a = -2.0\\n= 1.0·(1.0) + 1.0·(-3.0)"
    edges = {(t, h): attrs for t, h, attrs in _edges(source)}
    assert (l_id, c_id) in edges  # output -> operand: reversed
    assert (c_id, l_id) not in edges
    assert edges[(c_id, a_id)] == 'label="× -3.0"'
    assert edges[(l_id, a_id)] == 'label="× 1.0"'


def test_backward_view_shows_d_root_whatever_seed_backward_was_given():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.backward(2.0)  # x.grad is 12: d(2y)/dx
    source = draw_graph(y, view="backward").source
    assert "∂L/∂L = 1.0 (seed)" in source
    assert "∂L/∂x = 6.0" in source


def test_the_backward_view_calls_the_output_l():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    source = draw_graph(y, view="backward").source
    assert _node_with(source, "L = x * x")
    assert "L = the output y" in source
    unlabelled = draw_graph((x * x).tanh(), view="backward").source
    assert _node_with(unlabelled, "L = tanh(mul1)")


def test_large_graphs_are_refused_with_a_helpful_error():
    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.0
    with pytest.raises(GraphTooLargeError, match="draw_network") as info:
        draw_graph(y, max_nodes=100)
    assert "max_nodes" in str(info.value)
    source = draw_graph(y, max_nodes=None).source
    assert len(re.findall(r"^\tn\d+_op \[", source, re.M)) == 300


def test_unknown_view_is_refused():
    with pytest.raises(ValueError, match="view"):
        draw_graph(Value(1.0), view="sideways")


def test_save_svg_png_and_dot(tmp_path):
    out, *_ = _neuron()
    out.backward()
    diagram = draw_graph(out)
    svg = diagram.save(tmp_path / "g.svg").read_text()
    assert "<svg" in svg
    assert ">out</text>" in svg
    assert (tmp_path / "g.png").exists() is False
    assert diagram.save(tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert diagram.save(tmp_path / "g.dot").read_text() == diagram.source
    assert diagram._repr_svg_().lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match="suffix"):
        diagram.save(tmp_path / "g.txt")


@settings(max_examples=15)
@given(expressions())
def test_any_generated_expression_renders(expr):
    out = expr(*expr.point)
    out.backward()
    for view in ("forward", "backward"):
        diagram = draw_graph(out, view=view, max_nodes=None)
        svg = diagram.svg()
        assert svg.rstrip().endswith("</svg>")
        # every value node of the graph is drawn
        assert diagram.source.count("\n\tn") >= len(list(out.walk()))
