"""The export to PyTorch: the same numbers forward and backward, the same
training under torch.optim.SGD, the same parameters data-parallel on two
processes, and the way back."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from autograd_scalar.core.errors import DomainError, InvalidInputError, ShapeError  # noqa: E402
from autograd_scalar.export.torch import load_torch, mlp_from_torch, mlp_to_torch  # noqa: E402
from autograd_scalar.nn import MLP  # noqa: E402
from autograd_scalar.nn.optim import SGD  # noqa: E402
from autograd_scalar.nn.train import fit  # noqa: E402

from ..export.data_parallel import train_on_two_processes  # noqa: E402

TOL = 1e-12
ACTS = ["relu", "tanh", "sigmoid", "linear"]


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def random_mlp(rng: random.Random) -> MLP:
    nin = rng.randint(1, 4)
    sizes = [rng.randint(1, 5) for _ in range(rng.randint(1, 3))]
    activations = [rng.choice(ACTS) for _ in sizes]
    net = MLP(nin, sizes, activations, seed=rng.randint(0, 10**6))
    for p in net.parameters():  # biases start at 0: make them matter
        p.data += rng.uniform(-0.5, 0.5)
    return net


def torch_grads(module: Any) -> list[float]:
    """The gradients in our parameter order: per layer, per neuron, w1.. then b."""
    out: list[float] = []
    for linear in (m for m in module if isinstance(m, torch.nn.Linear)):
        for row, b in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            out.extend([*row, b])
    return out


def torch_params(module: Any) -> list[float]:
    out: list[float] = []
    for linear in (m for m in module if isinstance(m, torch.nn.Linear)):
        for row, b in zip(linear.weight.tolist(), linear.bias.tolist()):
            out.extend([*row, b])
    return out


# ------------------------------------------------------------ structure
def test_the_demo_mlp_exports_as_linear_and_relu() -> None:
    module = mlp_to_torch(MLP(2, [16, 16, 1]))
    kinds = [type(m).__name__ for m in module]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert all(p.dtype == torch.float64 for p in module.parameters())
    assert [tuple(m.weight.shape) for m in module[::2]] == [(16, 2), (16, 16), (1, 16)]


def test_weights_are_copied_exactly() -> None:
    net = MLP(3, [4, 2], activation="tanh", seed=7)
    module = mlp_to_torch(net)
    assert torch_params(module) == [p.data for p in net.parameters()]  # float64: no rounding
    assert module[0].weight[2, 1].item() == net.layers[0].neurons[2].w[1].data


def test_float32_on_request() -> None:
    module = mlp_to_torch(MLP(2, [3, 1]), dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in module.parameters())


# ------------------------------------------------- values and gradients
@pytest.mark.parametrize("seed", range(12))
def test_values_and_gradients_equal_the_scalar_engine(seed: int) -> None:
    rng = random.Random(seed)
    net = random_mlp(rng)
    module = mlp_to_torch(net)
    X = [[rng.uniform(-2, 2) for _ in range(net.nin)] for _ in range(5)]
    targets = [[rng.uniform(-1, 1) for _ in range(net.layers[-1].nout)] for _ in X]
    # ours: loss = Σ over examples and outputs of (out - t)², by the scalar engine
    loss = sum(((o - t) ** 2 for x, ts in zip(X, targets) for o, t in zip(net(x), ts)), start=0.0)
    loss.backward()
    # theirs
    out = module(torch.tensor(X, dtype=torch.float64))
    loss_t = ((out - torch.tensor(targets, dtype=torch.float64)) ** 2).sum()
    loss_t.backward()
    ours_out = [[v.data for v in net(x)] for x in X]
    assert all(map(close, sum(ours_out, []), out.flatten().tolist()))
    assert close(loss.data, loss_t.item())
    assert all(map(close, [p.grad for p in net.parameters()], torch_grads(module)))


# ------------------------------------------------------- 20 steps of SGD
def data(n: int, nin: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    y = [sum(x) * 0.5 - x[0] ** 2 * 0.3 for x in X]
    return X, y


def train_torch(module: Any, X: Any, y: Any, steps: int, lr: float, l2: float) -> None:
    """Full-batch mse plus λ·½Σθ², torch.optim.SGD with momentum: fit's loss and step."""
    opt = torch.optim.SGD(module.parameters(), lr=lr, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((module(X)[:, 0] - y) ** 2).mean()
        loss = loss + l2 * 0.5 * sum((p * p).sum() for p in module.parameters())
        loss.backward()
        opt.step()


def test_twenty_steps_of_torch_sgd_land_where_fit_lands() -> None:
    X, y = data(24, 3, seed=1)
    net = MLP(3, [6, 5, 1], activation="tanh", seed=4)
    module = mlp_to_torch(net)
    fit(net, X, y, loss="mse", optimizer=SGD(net.parameters(), lr=0.05, momentum=0.9),
        epochs=20, l2=1e-3, progress=False)  # fmt: skip
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    train_torch(module, Xt, yt, steps=20, lr=0.05, l2=1e-3)
    ours, theirs = [p.data for p in net.parameters()], torch_params(module)
    assert max(abs(a - b) for a, b in zip(ours, theirs)) < TOL
    assert ours != [p.data for p in MLP(3, [6, 5, 1], activation="tanh", seed=4).parameters()]


# ------------------------------------------------------------- two processes
def _build_mlp(spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    module = mlp_to_torch(MLP.from_weights(spec["weights"], spec["biases"], spec["acts"]))
    return module, lambda model, X, y: ((model(X)[:, 0] - y) ** 2).mean(), torch_params


def test_data_parallel_on_two_processes_gives_the_single_process_parameters(tmp_path: Path) -> None:
    X, y = data(32, 2, seed=5)  # 16 examples per rank: the mean of means is the mean
    net = MLP(2, [8, 8, 1], activation="tanh", seed=2)
    spec = {
        "weights": [[[w.data for w in n.w] for n in layer.neurons] for layer in net.layers],
        "biases": [[n.b.data for n in layer.neurons] for layer in net.layers],
        "acts": [layer.activation for layer in net.layers],
        "X": X, "y": y, "lr": 0.05, "steps": 20,
    }  # fmt: skip
    parallel = train_on_two_processes(_build_mlp, spec, tmp_path, timeout=60)
    single = mlp_to_torch(net)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    train_torch(single, Xt, yt, steps=20, lr=0.05, l2=0.0)
    assert max(abs(a - b) for a, b in zip(parallel, torch_params(single))) < TOL
    # and back in the scalar engine: fit from the same start lands there too
    fit(net, X, y, loss="mse", optimizer=SGD(net.parameters(), lr=0.05, momentum=0.9),
        epochs=20, l2=0.0, progress=False)  # fmt: skip
    assert max(abs(a - p.data) for a, p in zip(parallel, net.parameters())) < TOL


# ---------------------------------------------------------------- the way back
def test_round_trip_keeps_every_weight_and_activation() -> None:
    net = MLP(3, [4, 3, 2], ["relu", "sigmoid", "linear"], seed=9)
    back = mlp_from_torch(mlp_to_torch(net))
    assert [p.data for p in back.parameters()] == [p.data for p in net.parameters()]
    assert back.architecture() == net.architecture()


def test_weights_trained_in_torch_come_back_in_place() -> None:
    net = MLP(2, [3, 1], seed=0)
    held = net.parameters()  # an optimiser or a diagram holding the Values
    module = mlp_to_torch(net)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.25)
    load_torch(net, module)
    assert net.parameters() == held  # the same Value objects...
    assert [p.data for p in held] == torch_params(module)  # ...with the new numbers
    x = [0.3, -0.7]
    assert close(net(x)[0].data, module(torch.tensor([x], dtype=torch.float64)).item())


def test_a_float32_module_comes_back_as_floats() -> None:
    module = mlp_to_torch(MLP(2, [2, 1], seed=1), dtype=torch.float32)
    back = mlp_from_torch(module)
    assert [p.data for p in back.parameters()] == torch_params(module)


def test_load_torch_refuses_another_architecture_and_changes_nothing() -> None:
    net = MLP(2, [3, 1], seed=0)
    before = [p.data for p in net.parameters()]
    with pytest.raises(ShapeError, match="layers"):
        load_torch(net, mlp_to_torch(MLP(2, [4, 1], seed=0)))
    with pytest.raises(ShapeError, match="layers"):
        load_torch(net, mlp_to_torch(MLP(2, [3, 1], activation="tanh", seed=0)))
    assert [p.data for p in net.parameters()] == before


def test_what_has_no_mlp_equivalent_is_refused() -> None:
    nn = torch.nn
    with pytest.raises(InvalidInputError, match="Sequential"):
        mlp_from_torch(nn.Linear(2, 1))
    with pytest.raises(InvalidInputError, match="module 1 .Dropout."):
        mlp_from_torch(nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1), nn.Linear(2, 1)))
    with pytest.raises(InvalidInputError, match="module 0"):
        mlp_from_torch(nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    with pytest.raises(InvalidInputError, match="module 2"):
        mlp_from_torch(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh()))
    with pytest.raises(ShapeError, match="without a bias"):
        mlp_from_torch(nn.Sequential(nn.Linear(2, 1, bias=False)))
    with pytest.raises(ShapeError, match="feeds"):
        mlp_from_torch(nn.Sequential(nn.Linear(2, 3), nn.Linear(2, 1)))
    with pytest.raises(ShapeError, match="no Linear"):
        mlp_from_torch(nn.Sequential())
    with pytest.raises(InvalidInputError, match="MLP"):
        mlp_to_torch(torch.nn.Linear(2, 1))  # type: ignore[arg-type]


def test_a_layer_of_mixed_activations_cannot_be_exported() -> None:
    net = MLP(2, [2, 1], seed=0)
    net.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(DomainError, match="layer 1 mixes"):
        mlp_to_torch(net)
