"""What the vectorize tests share: the scalar engine as the reference, and
micrograd-style MLPs of plain Values.

"Equal" is to 1e-12 relative, with an absolute floor of 1e-12 for results
near 0, and for a gradient summed over the batch relative to the sum of the
per-example magnitudes: the replay adds the chain rule's terms (and the
examples) in another order than the engine, which moves the last bits of a
result that cancels to almost nothing (seen: 5.383222370806e-08 against
5.383222370832e-08, from O(1) terms)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_scalar.core.value import Value
from autograd_scalar.vectorize import record

from .conftest import Library

TOL = 1e-12


def engine_per_example(
    f: Callable[..., Value],
    batch: Sequence[np.ndarray],
    params: Sequence[Value],
    reduce: str = "sum",
) -> tuple[list[float], list[float], list[float], list[list[float]]]:
    """Values, summed parameter gradients, their scale (Σ|per-example grad|),
    and per-example input gradients, from the scalar engine one example at
    a time: the ground truth."""
    n = len(batch[0])
    seed = 1.0 if reduce == "sum" else 1.0 / n
    values: list[float] = []
    total = [0.0] * len(params)
    scale = [0.0] * len(params)
    input_grads = []
    for i in range(n):
        inputs = [[Value(float(v)) for v in np.ravel(arr[i])] for arr in batch]
        args = [nested(ins, np.shape(arr[i])) for ins, arr in zip(inputs, batch)]
        for p in params:
            p.grad = 0.0
        out = f(*args)
        out.backward(seed)
        values.append(out.data)
        for k, p in enumerate(params):
            total[k] += p.grad
            scale[k] += abs(p.grad)
        input_grads.append([v.grad for ins in inputs for v in ins])
    return values, total, scale, input_grads


def nested(values: list[Value], shape: tuple[int, ...]) -> Any:
    """Values laid out in nested lists of the given shape (a Value for ())."""
    if not shape:
        return values[0]
    step = len(values) // shape[0]
    return [nested(values[k * step : (k + 1) * step], shape[1:]) for k in range(shape[0])]


def assert_matches_engine(
    f: Callable[..., Value],
    batch: Sequence[np.ndarray],
    params: Sequence[Value],
    reduce: str = "sum",
    xp: Library | None = None,
) -> None:
    """The replay on ``xp``'s arrays (NumPy's by default) against the engine;
    results must come back as ``xp``'s arrays."""
    rec = record(f, *(arr[0].tolist() for arr in batch), params=params)
    arrays = batch if xp is None else [xp.asarray(arr) for arr in batch]
    got = rec.run(*arrays, reduce=reduce, input_grads=True)  # type: ignore[arg-type]
    back = np.asarray if xp is None else xp.numpy
    values, grads, scale, input_grads = engine_per_example(f, batch, params, reduce)
    for a, b in zip(back(got.values).tolist(), values):
        assert math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), (a, b)
    for a, b, s in zip(back(got.grads).tolist(), grads, scale):
        assert abs(a - b) <= TOL * max(abs(b), s, 1.0), (a, b)
    assert got.input_grads is not None
    flat = np.concatenate([back(g).reshape(len(values), -1) for g in got.input_grads], axis=1)
    for row, expected in zip(flat.tolist(), input_grads):
        for a, b in zip(row, expected):
            assert math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), (a, b)


def make_mlp(rng: random.Random, sizes: list[int]) -> list[list[list[Value]]]:
    """Layers of neurons [w_1..w_n, b], plain Values (the nn module's contract)."""
    return [
        [[Value(rng.uniform(-1, 1)) for _ in range(nin + 1)] for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]


def mlp(
    layers: list[list[list[Value]]], x: list[Any], activation: str, swap: bool = False
) -> Value:
    """micrograd's MLP; ``swap`` writes the products x·w instead of w·x."""
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        out = []
        for neuron in layer:
            act = neuron[-1]
            for wi, xi in zip(neuron, x):
                act = act + (xi * wi if swap else wi * xi)
            out.append(act if last else getattr(act, activation)())
        x = out
    result: Value = x[0]
    return result


LOSSES: dict[str, Callable[[Value, Value], Value]] = {
    "hinge": lambda s, y: (1 + -y * s).relu(),
    "squared": lambda s, y: (s - y) ** 2,
    "logistic": lambda s, y: (1 + (-y * s).exp()).log(),
    "absolute": lambda s, y: abs(s - y),
}
