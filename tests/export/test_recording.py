"""Recording.to_torch: the generated PyTorch module computes the scalar
engine's values and parameter gradients (and the replay's) for every rule
in the table and for custom operations, trains like fit(vectorized=True),
and its code is readable."""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
import random
import re
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from autograd_scalar import Value  # noqa: E402
from autograd_scalar.check.strategies import expressions, operands  # noqa: E402
from autograd_scalar.core.errors import InvalidInputError  # noqa: E402
from autograd_scalar.core.extend import define_op, remove_op  # noqa: E402
from autograd_scalar.core.functions import call  # noqa: E402
from autograd_scalar.core.maths import Maths  # noqa: E402
from autograd_scalar.core.rules import BUILTIN, RULES  # noqa: E402
from autograd_scalar.export.recording import SMOOTH, TorchRecording  # noqa: E402
from autograd_scalar.nn import MLP  # noqa: E402
from autograd_scalar.nn.datasets import make_moons  # noqa: E402
from autograd_scalar.nn.losses import LOSSES  # noqa: E402
from autograd_scalar.nn.optim import SGD  # noqa: E402
from autograd_scalar.nn.train import fit  # noqa: E402
from autograd_scalar.vectorize import PerformanceWarning, record  # noqa: E402

from .data_parallel import train_on_two_processes  # noqa: E402

TOL = 1e-12
#: the two custom operations: one written with m (a Function with its rule's
#: derivative), one with math on floats (computed element by element)
CUSTOM = ("leaky_m", "softplus_math")
OPS = [*sorted(BUILTIN), *CUSTOM]
FEW = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b)) or (math.isnan(a) and math.isnan(b))


def all_close(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(map(close, a, b))


@pytest.fixture(scope="module", autouse=True)
def custom_ops() -> Iterator[None]:
    define_op(
        "leaky_m",
        forward=lambda m, x, y: m.where(x > 0.0, x, y * x),
        local=lambda m, x, y, out: (m.where(x > 0.0, 1.0, y), m.where(x > 0.0, 0.0, x)),
        formula="x if x > 0 else y·x",
        derivatives=("1 if x > 0 else y", "0 if x > 0 else x"),
        interval=(-3.0, 3.0),
    )
    define_op(
        "softplus_math",
        forward=lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
        local=lambda m, x, y, out: 1.0 - m.exp(-out),
        formula="log(1 + exp(x))",
        derivatives=("σ(x)",),
    )
    yield
    for name in CUSTOM:
        remove_op(name)


# ------------------------------------------------------------ the three ways
def engine(
    f: Callable[..., Value], batch: Sequence[Sequence[Any]], params: Sequence[Value]
) -> tuple[list[float], list[float]]:
    """Values and Σ-over-the-batch parameter gradients by the scalar engine,
    one graph per example."""
    for p in params:
        p.grad = 0.0
    values = []
    for example in zip(*batch):
        out = f(*(to_values(a) for a in example))
        out.backward()
        values.append(out.data)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return values, grads


def to_values(a: Any) -> Any:
    return [to_values(b) for b in a] if isinstance(a, list) else Value(a)


def exported(module: TorchRecording, batch: Sequence[Any]) -> tuple[list[float], list[float]]:
    module.zero_grad()
    out = module(*batch)
    if out.requires_grad:  # else no parameter is used
        out.sum().backward()
    grads = [0.0 if p.grad is None else p.grad.item() for p in module.parameters()]
    return out.tolist(), grads


def check_three_ways(f: Callable[..., Value], batch: Sequence[Sequence[Any]]) -> TorchRecording:
    """The export, the engine and the replay agree on values and gradients."""
    with warnings.catch_warnings():  # a math-form op replays example by example: it says so
        warnings.simplefilter("ignore", PerformanceWarning)
        rec = record(f, *(a[0] for a in batch))
    module = rec.to_torch()
    values, grads = exported(module, batch)
    e_values, e_grads = engine(f, batch, rec.params)
    r_values, r_grads = rec.value_and_grad(*batch, verify="never")
    assert all_close(values, e_values), (values, e_values, module.code)
    assert all_close(grads, e_grads), (grads, e_grads, module.code)
    assert all_close(values, r_values.tolist())
    assert all_close(grads, r_grads.tolist())
    return module


# ------------------------------------------------------------ every rule
def patterns(name: str) -> list[tuple[str, ...]]:
    """Where each operand comes from: a per-example input, a shared
    parameter, or (for a fixed operand) a recorded constant."""
    arity, const_arg = SHAPES[name]
    if arity == 1:
        return [("input",), ("param",)]
    if const_arg:
        return [("input", "const"), ("param", "const")]
    return [("input", "input"), ("input", "param"), ("param", "input")]


#: (arity, fixed second operand) per operation; the custom ones are defined by the fixture
SHAPES = {name: (RULES[name].arity, RULES[name].const_arg) for name in BUILTIN}
SHAPES.update({"leaky_m": (2, False), "softplus_math": (1, False)})
CASES = [(name, pattern) for name in OPS for pattern in patterns(name)]


def test_every_rule_in_the_table_is_covered() -> None:
    assert {name for name, _ in CASES} == set(BUILTIN) | set(CUSTOM)
    assert set(RULES) >= set(BUILTIN)


@pytest.mark.parametrize(("name", "pattern"), CASES, ids=[f"{n}-{'-'.join(p)}" for n, p in CASES])
@FEW
@given(data=st.data())
def test_each_operation_equals_the_engine_and_the_replay(
    name: str, pattern: tuple[str, ...], data: Any
) -> None:
    rule = RULES[name]
    draws = data.draw(st.lists(operands(rule), min_size=1, max_size=5))
    scale = Value(data.draw(st.floats(0.5, 2.0)), label="scale")
    shared = [Value(draws[0][k], label=f"q{k}") for k in range(rule.arity)]
    fixed = [draws[0][k] for k in range(rule.arity)]
    inputs = [k for k, source in enumerate(pattern) if source == "input"]

    def f(*xs: Value) -> Value:
        given_ = iter(xs)
        args = [
            next(given_) if source == "input" else shared[k] if source == "param" else fixed[k]
            for k, source in enumerate(pattern)
        ]
        # z: a per-example input always (an operation of parameters alone is
        # computed once, and broadcast)
        return scale * call(RULES[name], *args) + next(given_)

    batch = [[d[k] for d in draws] for k in inputs] + [[0.25 * i for i in range(len(draws))]]
    module = check_three_ways(f, batch)
    # an operation is inline or a Function with its rule's derivative, as documented
    inline = name in BUILTIN and name not in ("relu", "abs", "sigmoid")
    assert (f"{''.join(p.capitalize() for p in name.split('_'))}.apply(" in module.code) != inline


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(expressions(ops=OPS, min_inputs=2, max_inputs=4, max_steps=10), st.data())
def test_random_recordings_equal_the_engine_and_the_replay(expr: Any, data: Any) -> None:
    """Random graphs with reused nodes over every operation: the first input
    is per example, the others shared parameters."""
    params = [Value(x, label=f"p{k}") for k, x in enumerate(expr.point[1:], 1)]
    xs = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4))

    def f(x: Value) -> Value:
        return expr(x, *params)  # type: ignore[no-any-return]

    check_three_ways(f, [[expr.point[0], *xs]])


def test_array_arguments_and_input_gradients() -> None:
    w = [[Value(0.1 * (i + 2 * j) - 0.3, label=f"w.{i}.{j}") for j in range(3)] for i in range(2)]

    def f(x: list[list[Value]], t: Value) -> Value:
        total = t * 0.5
        for i in range(2):
            for j in range(3):
                total = total + (w[i][j] * x[i][j]).tanh()
        return total * total

    rng = random.Random(3)
    X = [[[rng.uniform(-1, 1) for _ in range(3)] for _ in range(2)] for _ in range(6)]
    T = [rng.uniform(-1, 1) for _ in range(6)]
    module = check_three_ways(f, [X, T])
    assert "x[:, 1, 2]" in module.code
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(T, dtype=torch.float64, requires_grad=True)
    module(x, t).mean().backward()
    replay = record(f, X[0], T[0]).run(X, T, reduce="mean", input_grads=True)
    assert replay.input_grads is not None
    assert all_close(x.grad.flatten().tolist(), replay.input_grads[0].flatten().tolist())
    assert all_close(t.grad.tolist(), replay.input_grads[1].tolist())


def test_an_output_the_same_for_every_example_is_repeated() -> None:
    w = Value(1.5, label="w")
    rec = record(lambda x: w * 2.0 + x * 0.0 - x * 0.0 + (w * w).exp() * 0.0 + w, 1.0)
    out = rec.to_torch()(torch.zeros(3, dtype=torch.float64))
    assert out.tolist() == pytest.approx(rec.value_and_grad([0.0, 0.0, 0.0])[0].tolist())
    only_params = record(lambda x: (w * 3.0).tanh(), 1.0, params=[w]).to_torch()
    values = only_params([1.0, 2.0])
    assert values.shape == (2,) and close(values[0].item(), math.tanh(4.5))
    values.sum().backward()
    assert close(only_params.w.grad.item(), 2 * 3.0 * (1 - math.tanh(4.5) ** 2))


# ------------------------------------------------------------ training
def test_twenty_steps_of_torch_sgd_land_where_fit_vectorized_lands() -> None:
    X, y = make_moons(40, noise=0.1, seed=1)
    net = MLP(2, [8, 8, 1], activation="relu", seed=3)
    hinge = LOSSES["hinge"]
    assert hinge.example is not None and hinge.target is not None
    example = hinge.example

    def example_loss(x: list[Value], t: Value) -> Value:
        return example(net(x)[0], t)

    targets = [hinge.target(label) for label in y]
    module = record(example_loss, X[0], targets[0], params=net.parameters()).to_torch()
    start = [p.data for p in net.parameters()]
    lr, l2 = 0.05, 1e-3
    fit(net, X, y, loss="hinge", optimizer=SGD(net.parameters(), lr=lr, momentum=0.9),
        epochs=20, l2=l2, progress=False, vectorized=True)  # fmt: skip
    Xt = torch.tensor(X, dtype=torch.float64)
    Tt = torch.tensor(targets, dtype=torch.float64)
    opt = torch.optim.SGD(module.parameters(), lr=lr, momentum=0.9)
    for _ in range(20):
        opt.zero_grad()
        loss = module(Xt, Tt).mean() + l2 * 0.5 * sum(p * p for p in module.parameters())
        loss.backward()
        opt.step()
    ours = [p.data for p in net.parameters()]
    theirs = [p.item() for p in module.parameters()]
    assert ours != start
    assert max(abs(a - b) for a, b in zip(ours, theirs)) < TOL
    # and back: the Values take the numbers trained in torch
    held = net.parameters()
    for p in held:
        p.data = 0.0
    module.update_values()
    assert net.parameters() == held and [p.data for p in held] == theirs


# ------------------------------------------------------------ readable code
def demo_module() -> tuple[TorchRecording, Any]:
    net = MLP(2, [3, 1], activation="tanh", seed=0)

    def loss(x: list[Value], t: Value) -> Value:
        return (net(x)[0] - t) ** 2

    rec = record(loss, [0.5, -0.5], 1.0, params=net.parameters())
    return rec.to_torch(), rec


def test_the_code_has_one_line_per_node_and_names_parameters_by_label() -> None:
    module, rec = demo_module()
    body = module.code.split("def forward(self, x, t):\n")[1].split("\n\n")[0].splitlines()
    assignments = [line for line in body if re.match(r"    t\d+ = ", line)]
    n_operations = rec.n_nodes - rec.ops["leaf"] - rec.ops["const"]
    assert len(assignments) == n_operations + 2  # and one line per input: x[:, 0], x[:, 1]
    assert body[-1].startswith("    return t")
    assert "    t0 = x[:, 0]  # x[0]" in body or "    t0 = x[:, 1]  # x[1]" in body
    assert re.search(r"t\d+ = self\.L1_n2_w1 \* t\d+  # L1\.n2$", module.code, re.M)
    assert re.search(r"t\d+ = torch\.tanh\(t\d+\)  # L1\.n2$", module.code, re.M)
    assert re.search(r"t\d+ ?\*\* ?2\.0", module.code)  # the constant, as a literal
    assert module.labels["L1_n2_w1"] == "L1.n2.w1"
    assert list(module.state_dict())[:3] == ["L1_n1_w1", "L1_n1_w2", "L1_n1_b"]
    assert [module.labels[n] for n, _ in module.named_parameters()] == [p.label for p in rec.params]
    assert module.parameter_of("L2.n1.b") is module.L2_n1_b
    assert all(p.dtype == torch.float64 for p in module.parameters())
    assert all(p.item() == v.data for p, v in zip(module.parameters(), rec.params))
    shown = repr(module)
    assert "def forward(self, x, t):" in shown and "the whole source is .code" in shown


def test_the_code_runs_on_its_own_and_shows_in_tracebacks() -> None:
    module, _ = demo_module()
    namespace: dict[str, Any] = {}
    exec(module.code, namespace)  # self-contained: imports what it uses
    x = torch.tensor([[0.1, 0.2], [0.3, -0.4]], dtype=torch.float64)
    t = torch.tensor([1.0, -1.0], dtype=torch.float64)
    assert namespace["forward"](module, x, t).tolist() == module(x, t).tolist()
    with pytest.raises(IndexError) as info:
        module._forward(module, x[:, :1], t)  # one column only, past the checks
    text = "".join(traceback.format_exception(info.value))
    assert "autograd_scalar export" in text and "x[:, 1]  # x[1]" in text


def test_the_module_pickles_and_copies() -> None:
    module, _ = demo_module()
    x = torch.tensor([[0.1, 0.2]], dtype=torch.float64)
    t = torch.tensor([1.0], dtype=torch.float64)
    for other in (pickle.loads(pickle.dumps(module)), copy.deepcopy(module)):
        assert other.code == module.code
        assert other(x, t).tolist() == module(x, t).tolist()


def test_float32_on_request() -> None:
    w = Value(0.1, label="w")
    module = record(lambda x: (w * x).exp(), 1.0).to_torch(dtype=torch.float32)
    assert module.w.dtype == torch.float32
    out = module([1.0, 2.0])
    assert out.dtype == torch.float32 and out[1].item() == pytest.approx(math.exp(0.2), rel=1e-6)


def test_the_smooth_functions_are_functions_of_m() -> None:
    assert set(SMOOTH) < {f.name for f in dataclasses.fields(Maths)}


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize("dtype", ["int32", "int64", "complex128", "bool"])
def test_a_dtype_that_is_not_floating_point_is_refused(dtype: str) -> None:
    rec = record(lambda x: x * 2.0, 1.0)
    with pytest.raises(InvalidInputError, match="floating-point torch.dtype"):
        rec.to_torch(dtype=getattr(torch, dtype))
    with pytest.raises(InvalidInputError, match="floating-point torch.dtype"):
        rec.to_torch(dtype="float64")


def test_wrong_batch_arguments_are_refused() -> None:
    module, _ = demo_module()
    with pytest.raises(InvalidInputError, match="expected 2 batch arguments"):
        module([[0.0, 1.0]])
    with pytest.raises(InvalidInputError, match=r"shape \(batch, 2\)"):
        module([[0.0, 1.0, 2.0]], [1.0])
    with pytest.raises(InvalidInputError, match="has 2 examples, the first had 1"):
        module([[0.0, 1.0]], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="array of numbers"):
        module([["a", "b"]], [1.0])


def test_an_operation_removed_from_the_table_is_named() -> None:
    op = define_op("gone_soon", lambda m, x: x * 3.0, lambda m, x, y, out: 3.0)
    rec = record(lambda x: op(x), 1.0)
    remove_op("gone_soon")
    with pytest.raises(InvalidInputError, match="'gone_soon'.*define it again"):
        rec.to_torch()


# ------------------------------------------------------------- two processes
def _exported_mlp(spec: dict[str, Any]) -> tuple[TorchRecording, list[float]]:
    net = MLP.from_weights(spec["weights"], spec["biases"], spec["acts"])

    def example_loss(x: list[Value], t: Value) -> Value:
        return (net(x)[0] - t) ** 2

    rec = record(example_loss, spec["X"][0], spec["y"][0], params=net.parameters())
    return rec.to_torch(), [p.data for p in net.parameters()]


def _build_export(spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    module, _ = _exported_mlp(spec)
    return module, lambda model, X, y: model(X, y).mean(), _parameters


def _parameters(module: Any) -> list[float]:
    return [p.item() for p in module.parameters()]


def test_the_export_trains_data_parallel_on_two_processes(tmp_path: Any) -> None:
    rng = random.Random(5)
    X = [[rng.uniform(-2, 2) for _ in range(2)] for _ in range(32)]
    y = [x[0] * 0.5 - x[1] ** 2 * 0.3 for x in X]
    net = MLP(2, [6, 1], activation="tanh", seed=2)
    spec = {
        "weights": [[[w.data for w in n.w] for n in layer.neurons] for layer in net.layers],
        "biases": [[n.b.data for n in layer.neurons] for layer in net.layers],
        "acts": [layer.activation for layer in net.layers],
        "X": X, "y": y, "lr": 0.05, "steps": 10,
    }  # fmt: skip
    parallel = train_on_two_processes(_build_export, spec, tmp_path, timeout=90)
    # one process, the whole batch: the mean of the two shards' means is the mean
    single, start_params = _exported_mlp(spec)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    opt = torch.optim.SGD(single.parameters(), lr=0.05, momentum=0.9)
    for _ in range(10):
        opt.zero_grad()
        single(Xt, yt).mean().backward()
        opt.step()
    assert parallel != start_params
    assert max(abs(a - p) for a, p in zip(parallel, _parameters(single))) < TOL


def test_labels_that_are_not_identifiers_or_taken_get_other_names() -> None:
    labels = ["code", "forward", "training", "1st", "a b", "w", "w", None, "class", "t0"]
    leaves = [Value(0.1 * k + 0.1, label=label) for k, label in enumerate(labels)]

    def f(x: Value) -> Value:
        total = x
        for leaf in leaves:
            total = total * leaf
        return total

    module = check_three_ways(f, [[0.5, -1.5]])
    names = [name for name, _ in module.named_parameters()]
    assert len(set(names)) == len(labels)
    assert all(name.isidentifier() for name in names)
    assert "code" not in names and "forward" not in names and "training" not in names
    assert [module.labels[n] for n in names] == [label or n for label, n in zip(labels, names)]
    assert module.code.startswith("# PyTorch code")
