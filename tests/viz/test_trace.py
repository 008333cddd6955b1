"""The side replay of backward(): same order and same numbers as the engine."""

from hypothesis import given, settings

from autograd_scalar.check.strategies import expressions
from autograd_scalar.core.graph import topological_order
from autograd_scalar.core.value import Value
from autograd_scalar.viz.trace import engine_order, fmt, graph_nodes, trace_backward


@settings(max_examples=60)
@given(expressions())
def test_the_trace_is_the_engines_pass_and_leaves_grads_alone(expr):
    root = expr(*expr.point)
    root.backward(3.0)  # gradients of another seed: the trace must not read them
    before = [(node, node.grad) for node in root.walk()]
    order = engine_order(root)
    trace = trace_backward(root, 1.0)
    assert all(node.grad is grad for node, grad in before)  # untouched, object for object
    assert [id(n) for n in trace.processed] == [id(n) for n in reversed(order)]
    assert [id(n) for n in order] == [id(n) for n in topological_order(root)]


@settings(max_examples=60)
@given(expressions())
def test_replayed_gradients_equal_the_engine_exactly(expr):
    root = expr(*expr.point)
    trace = trace_backward(root, 1.0)
    root.backward()
    for node in root.walk():
        if node.op != "const":
            assert trace.grad(node) == node.grad  # same operations in the same order
        terms = trace.terms.get(id(node), [])
        if node is not root and terms:
            total = 0.0
            for term in terms:
                total += term.upstream * term.local
            assert total == trace.grad(node)


@settings(max_examples=60)
@given(expressions())
def test_graph_nodes_lists_each_node_once_after_its_parents(expr):
    root = expr(*expr.point)
    nodes = graph_nodes(root, None)
    position = {id(n): i for i, n in enumerate(nodes)}
    assert len(position) == len(nodes) == len(list(root.walk()))
    assert nodes[-1] is root
    for node in nodes:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_final_order_for_a_fan_out_graph():
    # L = (a*b) + a ; the engine processes L, then c = a*b.
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    loss = c + a
    trace = trace_backward(loss)
    assert trace.processed == [loss, c]
    assert trace.final == [loss, c, a, b]  # a's last term comes from c, before b's
    assert [t.child for t in trace.terms[id(a)]] == [loss, c]


def test_fmt_never_hides_a_non_integer_as_an_integer():
    assert fmt(2.0) == "2.0"
    assert fmt(2.00004) == "2.000"
    assert fmt(float("inf")) == "inf"
    assert fmt(-1234567.0) == "-1.235e+06"
