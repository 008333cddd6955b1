"""Workloads written once for any micrograd-shaped engine.

Each takes the engine's ``Value`` class and uses only what micrograd and
autograd_scalar share: ``Value(x)``, ``+``, ``*``, ``relu()``, ``backward()``,
``.data`` and ``.grad``. So both engines build the same graph, node for node.
PyTorch's 0-dim tensors fit the same shape; HIPS autograd, which
differentiates functions, reuses ``training_loss`` with its own ``relu``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any


def two_moons(n: int, seed: int = 1) -> tuple[list[list[float]], list[int]]:
    """n points of the two-moons set, labels ±1 (as micrograd's demo uses)."""
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[int] = []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2:
            xs.append([math.cos(t), math.sin(t)])
            ys.append(1)
        else:
            xs.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
            ys.append(-1)
    return xs, ys


def make_mlp(
    value: Callable[[float], Any], sizes: list[int], seed: int = 1
) -> list[list[list[Any]]]:
    """Layers of neurons, each neuron a list [w_1, ..., w_n, b] of parameters."""
    rng = random.Random(seed)
    return [
        [[value(rng.uniform(-1, 1)) for _ in range(nin)] + [value(0.0)] for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]


def relu_method(v: Any) -> Any:
    return v.relu()


def mlp_forward(
    layers: list[list[list[Any]]], x: list[Any], relu: Callable[[Any], Any] = relu_method
) -> Any:
    """micrograd's MLP: ReLU on every layer but the last, neuron = Σ w·x + b."""
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        out = []
        for neuron in layer:
            act = sum((wi * xi for wi, xi in zip(neuron, x)), neuron[-1])
            out.append(act if last else relu(act))
        x = out
    return x[0]


def zero_grads(params: list[Any]) -> None:
    for p in params:
        p.grad = 0.0


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # micrograd's demo schedule


def training_loss(
    value: Callable[[float], Any],
    layers: Any,
    xs: Any,
    ys: Any,
    relu: Callable[[Any], Any] = relu_method,
) -> Any:
    """micrograd's demo loss: SVM max-margin loss + 1e-4·L2 (the graph, not backward)."""
    params = [p for layer in layers for neuron in layer for p in neuron]
    inputs = [[value(v) for v in row] for row in xs]
    scores = [mlp_forward(layers, x, relu) for x in inputs]
    losses = [relu(1 + -yi * si) for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    return data_loss + reg_loss


def training_step(
    value: Callable[[float], Any],
    layers: Any,
    xs: Any,
    ys: Any,
    k: int,
    reset: Callable[[list[Any]], None] = zero_grads,
) -> float:
    """micrograd's demo step: SVM max-margin loss + 1e-4·L2, backward, SGD.

    ``reset`` clears the parameters' gradients (PyTorch wants ``None``)."""
    params = [p for layer in layers for neuron in layer for p in neuron]
    total = training_loss(value, layers, xs, ys)
    reset(params)
    total.backward()
    lr = learning_rate(k)
    for p in params:
        p.data -= lr * p.grad
    return float(total.data)


def chain(value: Callable[[float], Any], depth: int) -> tuple[Any, Any]:
    """y = x·w·w·…·w, ``depth`` multiplications deep; returns (x, y)."""
    x = value(1.0)
    w = value(1.0 + 1e-7)
    y = x
    for _ in range(depth):
        y = y * w
    return x, y


def sum_of_products(value: Callable[[float], Any], n: int) -> tuple[list[Any], Any]:
    """Σ aᵢ·bᵢ over n pairs; returns (a, total)."""
    rng = random.Random(2)
    a = [value(rng.uniform(-1, 1)) for _ in range(n)]
    b = [value(rng.uniform(-1, 1)) for _ in range(n)]
    return a, sum(ai * bi for ai, bi in zip(a, b))


def count_nodes(root: Any) -> int:
    """Nodes reachable from root (micrograd keeps parents in ``_prev``,
    autograd_scalar exposes ``parents``)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        parents = node.parents if hasattr(node, "parents") else node._prev
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)
