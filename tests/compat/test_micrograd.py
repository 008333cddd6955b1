"""micrograd's lectures on our engine: the same steps, with the import changed,
give micrograd's numbers and micrograd's graphs; then our tools read them.

The steps follow micrograd's ``demo.ipynb`` (moons, an MLP(2, [16, 16, 1]),
max-margin loss with L2, SGD), ``trace_graph.ipynb`` (a ``draw_dot`` of its
own reading ``_prev`` and ``_op``) and ``test/test_engine.py``, written here in
our words and run side by side with micrograd itself where it is installed.
"""

from __future__ import annotations

import importlib
import math
import random
from types import ModuleType
from typing import Any

import pytest

from autograd_scalar import InvalidInputError, ShapeError, gradcheck
from autograd_scalar.compat.micrograd import engine, nn
from autograd_scalar.compat.micrograd.engine import Value, nodes
from autograd_scalar.core import Value as Node

np = pytest.importorskip("numpy")

OURS = "autograd_scalar.compat.micrograd"


def micrograd() -> str:
    pytest.importorskip("micrograd")
    return "micrograd"


def modules(package: str) -> tuple[ModuleType, ModuleType]:
    return importlib.import_module(f"{package}.engine"), importlib.import_module(f"{package}.nn")


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# ------------------------------------------------------------- the demo
def moons(n: int) -> tuple[Any, Any]:
    from autograd_scalar.nn.datasets import make_moons

    points, labels = make_moons(n, noise=0.1, seed=3)
    return np.array(points), np.array(labels) * 2 - 1  # labels -1 / +1, numpy ints as in the demo


def demo(package: str, n: int, steps: int, batch_size: int | None = None) -> dict[str, Any]:
    """The demo notebook's training loop, with ``package`` in place of micrograd."""
    eng, mnn = modules(package)
    np.random.seed(1337)
    random.seed(1337)
    X, y = moons(n)
    model = mnn.MLP(2, [16, 16, 1])

    def loss(batch_size: int | None = None) -> tuple[Any, float]:
        if batch_size is None:
            Xb, yb = X, y
        else:
            pick = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[pick], y[pick]
        inputs = [list(map(eng.Value, row)) for row in Xb]
        scores = list(map(model, inputs))
        # one output is a Value: the hinge is written on it directly (a list would fail here)
        hinge = [(1 + -yi * si).relu() for yi, si in zip(yb, scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        hits = [(yi > 0) == (si.data > 0) for yi, si in zip(yb, scores)]
        return data_loss + reg_loss, sum(hits) / len(hits)

    history = []
    for k in range(steps):
        total, accuracy = loss(batch_size)
        model.zero_grad()
        total.backward()
        rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= rate * p.grad
        history.append((float(total.data), float(accuracy)))
    grid = [list(map(eng.Value, row)) for row in np.c_[[-1.0, 0.5, 2.0], [0.0, 1.0, -0.5]]]
    return {
        "model": model,
        "repr": repr(model),
        "count": len(model.parameters()),
        "history": history,
        "params": [float(p.data) for p in model.parameters()],
        "grads": [float(p.grad) for p in model.parameters()],
        "boundary": [model(x).data > 0 for x in grid],
    }


def test_demo_builds_micrographs_network() -> None:
    ours = demo(OURS, 10, 0)
    assert ours["count"] == 337
    assert ours["repr"].startswith("MLP of [Layer of [ReLUNeuron(2), ")
    assert ours["repr"].endswith("Layer of [LinearNeuron(16)]]")
    assert type(ours["model"]([0.5, -0.5])) is Value  # not a list of one


def test_demo_gives_micrograds_numbers() -> None:
    theirs, ours = demo(micrograd(), 24, 4), demo(OURS, 24, 4)
    assert ours["repr"] == theirs["repr"]
    assert ours["count"] == theirs["count"]
    for (loss_a, acc_a), (loss_b, acc_b) in zip(theirs["history"], ours["history"]):
        assert close(loss_a, loss_b) and acc_a == acc_b
    # micrograd adds a node's gradients in an order that follows memory
    # addresses (sets of ids), so the last bits may differ: 1e-12, not ==
    assert all(map(close, theirs["params"], ours["params"]))
    assert all(map(close, theirs["grads"], ours["grads"]))
    assert ours["boundary"] == theirs["boundary"]


def test_demo_with_minibatches() -> None:
    theirs, ours = demo(micrograd(), 20, 3, batch_size=8), demo(OURS, 20, 3, batch_size=8)
    assert all(map(close, theirs["params"], ours["params"]))


# ------------------------------------------------------- trace_graph
def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """The notebook's walk, through ``_prev``."""
    seen: set[Any] = set()
    edges: set[tuple[Any, Any]] = set()

    def visit(v: Any) -> None:
        if v in seen:
            return
        seen.add(v)
        for child in v._prev:
            edges.add((child, v))
            visit(child)

    visit(root)
    return seen, edges


def draw_dot(root: Any) -> Any:
    """The notebook's diagram: a record per value, an ellipse per ``_op``."""
    graphviz = pytest.importorskip("graphviz")
    seen, edges = trace(root)
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for v in seen:
        dot.node(
            name=str(id(v)), label=f"{{ data {v.data:.4f} | grad {v.grad:.4f} }}", shape="record"
        )
        if v._op:
            dot.node(name=str(id(v)) + v._op, label=v._op)
            dot.edge(str(id(v)) + v._op, str(id(v)))
    for a, b in edges:
        dot.edge(str(id(a)), str(id(b)) + b._op)
    return dot


def trace_graph(package: str) -> list[tuple[list[str], int]]:
    """The notebook's two examples: a tiny expression, then one neuron."""
    eng, mnn = modules(package)
    out = []
    x = eng.Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    out.append(y)
    random.seed(1337)
    neuron = mnn.Neuron(2)
    y = neuron([eng.Value(1.0), eng.Value(-2.0)])
    y.backward()
    out.append(y)
    shapes = []
    for root in out:
        source = draw_dot(root).source
        labels = sorted(line.split("label=")[1] for line in source.splitlines() if "label=" in line)
        shapes.append((labels, source.count("->")))
    return shapes


def test_trace_graph_draws_micrograds_diagrams() -> None:
    ours = trace_graph(OURS)
    assert ours == trace_graph(micrograd())
    tiny, _ = ours[0]
    assert any("ReLU" in label for label in tiny) and any('"+"' in lb or "+" in lb for lb in tiny)


def test_prev_and_op_mirror_micrograds_graph() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a - b  # micrograd: a + (b * -1)
    assert c._op == "+" and {v._op for v in c._prev} == {"", "*"}
    d = a / b  # a * b**-1
    assert d._op == "*" and {v._op for v in d._prev} == {"", "**-1"}
    assert (a**2)._prev == {a}
    assert a._prev == set() and a._op == ""


# ------------------------------------------------------- test_engine
def sanity(eng: ModuleType) -> tuple[Any, Any]:
    x = eng.Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def more_ops(eng: ModuleType) -> tuple[Any, Any, Any]:
    a, b = eng.Value(-4.0), eng.Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_micrograds_engine_tests_give_micrograds_numbers() -> None:
    theirs = modules(micrograd())[0]
    (x1, y1), (x2, y2) = sanity(theirs), sanity(engine)
    assert (y2.data, x2.grad) == (y1.data, x1.grad) == (-20.0, 46.0)
    (a1, b1, g1), (a2, b2, g2) = more_ops(theirs), more_ops(engine)
    assert g2.data == g1.data
    assert close(a2.grad, a1.grad) and close(b2.grad, b1.grad)


def test_micrograds_engine_tests_against_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b, g = more_ops(engine)
    at = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ct = at + bt
    dt = at * bt + bt**3
    ct = ct + ct + 1
    ct = ct + 1 + ct + (-at)
    dt = dt + dt * 2 + (bt + at).relu()
    dt = dt + 3 * dt + (bt - at).relu()
    gt = (ct - dt) ** 2 / 2.0
    gt = gt + 10.0 / (ct - dt) ** 2
    gt.backward()
    assert abs(g.data - gt.item()) < 1e-6
    assert abs(a.grad - at.grad.item()) < 1e-6 and abs(b.grad - bt.grad.item()) < 1e-6


# ----------------------------------------------------- our tools on their graphs
def neuron_graph() -> tuple[nn.Neuron, Value]:
    random.seed(1337)
    neuron = nn.Neuron(2)
    y = neuron([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    return neuron, y


def test_draw_graph_on_a_micrograd_graph() -> None:
    pytest.importorskip("graphviz")
    from autograd_scalar.viz import draw_graph

    neuron, y = neuron_graph()
    y.backward()
    source = draw_graph(y.node, params=nodes(neuron.parameters())).source
    assert "w1" in source and "x2" in source and "relu" in source


def test_step_through_on_a_micrograd_graph() -> None:
    pytest.importorskip("graphviz")
    from autograd_scalar.viz import step_through

    neuron, y = neuron_graph()
    steps = step_through(y.node, params=nodes(neuron.parameters()))
    assert len(steps.frames) >= 3
    y.backward()  # the step-through did not run it: gradients appear only now
    assert [p.grad for p in neuron.w] == [1.0 * (y.data > 0), -2.0 * (y.data > 0)]


def test_gradcheck_on_a_micrograd_style_function() -> None:
    # the same expression micrograd's code writes, checked by finite differences
    assert gradcheck(lambda a, b: (a * b + b**3).relu() + a / b, 3.0, 2.0)


def test_to_mlp_is_the_same_network() -> None:
    random.seed(5)
    model = nn.MLP(3, [4, 4, 2])
    ours = model.to_mlp()
    x = [0.3, -1.2, 2.0]
    assert [v.data for v in model(x)] == [v.data for v in ours(x)]  # type: ignore[union-attr]
    assert [p.data for p in model.parameters()] == [p.data for p in ours.parameters()]
    assert ours.layers[0].activation == "relu" and ours.layers[-1].activation == "linear"


def test_parameters_are_labelled_for_our_diagrams() -> None:
    model = nn.MLP(2, [3, 1])
    assert model.layers[1].neurons[0].w[2].label == "L2.n1.w3"
    assert model.layers[0].neurons[1].b.label == "L1.n2.b"


# ------------------------------------------------------- the differences
def test_no_recursion_limit() -> None:
    x = Value(1.0)
    y = x
    for _ in range(20_000):  # micrograd's recursive topological sort stops near 1000
        y = y + x
    y.backward()
    assert x.grad == 20_001.0


def test_repeated_backward_resets_intermediate_gradients() -> None:
    x = Value(3.0)
    h = x * x
    y = h + 1
    y.backward()
    y.backward()
    assert h.grad == 1.0  # micrograd would say 2.0 (and then 4.0 for x... by chance)
    assert x.grad == 12.0  # leaves add up, as in micrograd: 6 + 6


def test_manual_backward_step_by_step() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b + 10
    c.grad = 1.0
    c._backward()  # the add
    (mul,) = [v for v in c._prev if v._op == "*"]
    mul._backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    a2, b2 = Value(2.0), Value(-3.0)
    (a2 * b2 + 10).backward()
    assert (a2.grad, b2.grad) == (a.grad, b.grad)


def test_errors_are_the_librarys() -> None:
    with pytest.raises(InvalidInputError):
        Value("1.0")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        Value(1.0) + "x"  # type: ignore[operator]
    with pytest.raises(InvalidInputError, match="_children"):
        Value(1.0, (Value(2.0),), "+")
    with pytest.raises(InvalidInputError):
        Value(2.0) ** "2"  # type: ignore[operator]
    with pytest.raises(ShapeError):
        nn.Neuron(3)([1.0, 2.0])  # micrograd's zip would silently drop the weight
    with pytest.raises(ValueError, match="log"):
        (Value(-1.0) * 1).node.log()
    v = Value(1.0)
    with pytest.raises(InvalidInputError):
        v.data = "2"  # type: ignore[assignment]


def test_nan_propagates_through_relu() -> None:
    y = Value(math.nan).relu()
    assert math.isnan(y.data)  # micrograd's `0 if x < 0 else x` happens to agree


def test_mixing_with_engine_nodes() -> None:
    w = Node(2.0, label="w")
    x = Value(3.0)
    y = x * w
    y.backward()
    assert (y.data, x.grad, w.grad) == (6.0, 2.0, 3.0)
    assert x._prev == set() and len(y._prev) == 2
