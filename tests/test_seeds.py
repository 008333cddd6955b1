"""The worked examples of the lecture notes on backpropagation (the project's seeds), reproduced.

* seed 002: the 2-2-2-2 sigmoid network with inputs (1, -1);
* seed 001: Goodfellow et al.'s algorithms 6.3 / 6.4 (layer-wise backward
  pass with an L2 regulariser), written with plain lists;
* seed 003: the closed-form gradients of a sigmoid layer under 1/(2m) MSE.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP, Layer
from autograd_scalar.nn.losses import l2_penalty, mse

# ------------------------------------------------------------------- seed 002
# The lecture's figure (Hung-yi Lee's example), weights[l][j][k] from input k to neuron j.
SEED_002_WEIGHTS = [
    [[1.0, -2.0], [-1.0, 1.0]],
    [[2.0, -1.0], [-2.0, -1.0]],
    [[3.0, -1.0], [-1.0, 4.0]],
]
SEED_002_BIASES = [[1.0, 0.0], [0.0, 0.0], [-2.0, 2.0]]


def seed_002_network() -> MLP:
    return MLP.from_weights(SEED_002_WEIGHTS, SEED_002_BIASES, "sigmoid")


def test_seed_002_activations_match_the_figure() -> None:
    """The figure's activations, checked by hand (σ(z) = 1/(1+e^-z)):

    layer 1: z = (1·1 + (-2)·(-1) + 1, (-1)·1 + 1·(-1) + 0) = (4, -2)
             a = (σ(4), σ(-2)) = (0.9820, 0.1192)            -> 0.98, 0.12
    layer 2: z = (2·0.9820 - 0.1192, -2·0.9820 - 0.1192) = (1.8448, -2.0832)
             a = (0.8635, 0.1107)                             -> 0.86, 0.11
    layer 3: z = (3·0.8635 - 0.1107 - 2, -0.8635 + 4·0.1107 + 2) = (0.4799, 1.5793)
             a = (0.6177, 0.8291)                             -> 0.62, 0.83

    The lead's note quotes the same numbers; the arithmetic above agrees.
    """
    trace = seed_002_network().trace([1.0, -1.0])
    figure = [(0.98, 0.12), (0.86, 0.11), (0.62, 0.83)]
    for (_, h), expected in zip(trace, figure):
        assert [round(a.data, 2) for a in h] == list(expected)
    assert [z.data for z in trace[0][0]] == [4.0, -2.0]


def test_seed_002_dz_dw_is_the_previous_activation() -> None:
    """∂z/∂w is the neuron's input: x for layer 1, the previous layer's
    activation a after that. The figure's two instances are
    ∂z₂⁽²⁾/∂w₂₂⁽²⁾ = a₂⁽¹⁾ = 0.12 and ∂z₂⁽³⁾/∂w₂₂⁽³⁾ = a₂⁽²⁾ = 0.11."""
    net = seed_002_network()
    trace = net.trace([1.0, -1.0])
    inputs = [[1.0, -1.0]] + [[a.data for a in h] for _, h in trace[:-1]]
    for layer, layer_input in zip(net.layers, inputs):
        for neuron in layer.neurons:
            net.zero_grad()
            z = neuron.preactivation(layer_input)
            z.backward()
            assert [w.grad for w in neuron.w] == layer_input
            assert neuron.b.grad == 1.0
    net.zero_grad()
    trace[1][0][1].backward()  # z₂⁽²⁾ inside the whole network's graph
    assert round(net.layers[1].neurons[1].w[1].grad, 2) == 0.12
    net.zero_grad()
    trace[2][0][1].backward()  # z₂⁽³⁾
    assert round(net.layers[2].neurons[1].w[1].grad, 2) == 0.11


def test_seed_002_sigmoid_derivative_is_a_times_one_minus_a() -> None:
    """The note's step 1: ∂a/∂z = σ(z)(1 - σ(z))."""
    for zv in (4.0, -2.0, 0.0):
        z = Value(zv)
        a = z.sigmoid()
        a.backward()
        assert z.grad == pytest.approx(a.data * (1.0 - a.data), rel=1e-12)


# ------------------------------------------------------------------- seed 001
def _f(name: str, z: float) -> float:
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return max(z, 0.0)
    return z


def _df(name: str, z: float, h: float) -> float:
    if name == "sigmoid":
        return h * (1.0 - h)
    if name == "tanh":
        return 1.0 - h * h
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    return 1.0


def goodfellow_gradients(
    weights: list[list[list[float]]],
    biases: list[list[float]],
    activations: list[str],
    x: list[float],
    y: list[float],
    lam: float,
    *,
    transpose: bool = True,
) -> tuple[list[list[list[float]]], list[list[float]]]:
    """Algorithms 6.3 and 6.4 with plain lists, for L = 1/(2m)·Σ(ŷ - y)² and
    Ω(θ) = ½Σθ² over all weights and biases (so ∇Ω = θ).

    ``transpose=False`` is a deliberately wrong variant, propagating with W
    instead of Wᵀ, to show the comparison catches a wrong backward pass."""
    # algorithm 6.3: forward
    hs = [x]
    zs = []
    for W, b, f in zip(weights, biases, activations):
        h = hs[-1]
        z = [bj + sum(wjk * hk for wjk, hk in zip(row, h)) for row, bj in zip(W, b)]
        zs.append(z)
        hs.append([_f(f, zj) for zj in z])
    m = len(y)
    # algorithm 6.4: backward
    g = [(yh - yi) / m for yh, yi in zip(hs[-1], y)]  # gh = ∇ŷ L
    grad_W: list[list[list[float]]] = [[] for _ in weights]
    grad_b: list[list[float]] = [[] for _ in weights]
    for k in reversed(range(len(weights))):
        W, f = weights[k], activations[k]
        gz = [gj * _df(f, zj, hj) for gj, zj, hj in zip(g, zs[k], hs[k + 1])]  # gh ⊙ f'(z)
        grad_b[k] = [gzj + lam * bj for gzj, bj in zip(gz, biases[k])]  # gz + λ∇Ω
        grad_W[k] = [
            [gzj * hk + lam * wjk for hk, wjk in zip(hs[k], row)]  # gz·hᵀ + λ∇Ω
            for gzj, row in zip(gz, W)
        ]
        if transpose:  # g ← Wᵀ gz
            g = [sum(W[j][i] * gz[j] for j in range(len(W))) for i in range(len(hs[k]))]
        else:  # wrong on purpose
            g = [sum(W[i % len(W)][j % len(W[0])] * gz[j] for j in range(len(gz)))
                 for i in range(len(hs[k]))]  # fmt: skip
    return grad_W, grad_b


finite = st.floats(-2.0, 2.0, allow_nan=False)


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[list[list[float]]], list[list[float]], list[str]]:
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    weights = [
        [[draw(finite) for _ in range(sizes[i])] for _ in range(sizes[i + 1])]
        for i in range(len(sizes) - 1)
    ]
    biases = [[draw(finite) for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    acts = [draw(st.sampled_from(["sigmoid", "tanh", "relu", "linear"])) for _ in weights]
    return weights, biases, acts


def engine_gradients(
    weights: list[list[list[float]]],
    biases: list[list[float]],
    activations: list[str],
    x: list[float],
    y: list[float],
    lam: float,
) -> tuple[list[list[list[float]]], list[list[float]]]:
    net = MLP.from_weights(weights, biases, activations)
    J = mse(net(x), y, convention="half") + lam * l2_penalty(net.parameters())
    J.backward()
    grad_W = [[[w.grad for w in n.w] for n in layer.neurons] for layer in net.layers]
    grad_b = [[n.b.grad for n in layer.neurons] for layer in net.layers]
    return grad_W, grad_b


def _flat(gw: list[list[list[float]]], gb: list[list[float]]) -> list[float]:
    return [g for layer in gw for row in layer for g in row] + [g for layer in gb for g in layer]


@settings(max_examples=60)
@given(networks(), st.data(), st.floats(0.0, 1.0))
def test_seed_001_goodfellow_layerwise_gradients_equal_the_engines(
    net: tuple[list[list[list[float]]], list[list[float]], list[str]],
    data: st.DataObject,
    lam: float,
) -> None:
    weights, biases, acts = net
    x = [data.draw(finite) for _ in weights[0][0]]
    y = [data.draw(finite) for _ in weights[-1]]
    # ReLU has no derivative at 0; rounding decides the side there, so stay clear of it
    h = x
    for W, b, f in zip(weights, biases, acts):
        z = [bj + sum(w * hk for w, hk in zip(row, h)) for row, bj in zip(W, b)]
        assume(f != "relu" or all(abs(zj) > 1e-9 for zj in z))
        h = [_f(f, zj) for zj in z]
    expected = _flat(*goodfellow_gradients(weights, biases, acts, x, y, lam))
    got = _flat(*engine_gradients(weights, biases, acts, x, y, lam))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_seed_001_a_wrong_backward_pass_is_caught() -> None:
    """Propagating with a wrong matrix instead of Wᵀ gives different numbers:
    the comparison above would fail for it."""
    weights = [[[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], [[1.0, -2.0]]]
    biases = [[0.1, -0.2], [0.3]]
    acts = ["tanh", "linear"]
    x, y = [1.0, 2.0, -1.0], [0.5]
    good = _flat(*goodfellow_gradients(weights, biases, acts, x, y, 0.1))
    bad = _flat(*goodfellow_gradients(weights, biases, acts, x, y, 0.1, transpose=False))
    got = _flat(*engine_gradients(weights, biases, acts, x, y, 0.1))
    assert got == pytest.approx(good, rel=1e-12)
    assert got != pytest.approx(bad, rel=1e-3)


# ------------------------------------------------------------------- seed 003
@settings(max_examples=60)
@given(st.integers(1, 3), st.integers(1, 4), st.data())
def test_seed_003_closed_forms_for_a_sigmoid_layer_under_half_mse(
    n: int, m: int, data: st.DataObject
) -> None:
    """Seed 003, output layer of m sigmoid neurons on an input a⁽ˡ⁻¹⁾ of size
    n, J = 1/(2m) Σᵢ (yᵢ - aᵢ)²:

    1. ∂J/∂aⱼ = (aⱼ - yⱼ)/m
    2. ∂J/∂zⱼ = (aⱼ - yⱼ)/m · aⱼ(1 - aⱼ)
    3. ∂J/∂wⱼₖ = ∂J/∂zⱼ · aₖ⁽ˡ⁻¹⁾
    4. ∂J/∂bⱼ = ∂J/∂zⱼ

    Discrepancy in the seed: its step 1 writes ∂J/∂aⱼ = 1/m Σᵢ (aᵢ - yᵢ), a
    sum over all outputs, which is wrong (∂(aᵢ - yᵢ)²/∂aⱼ = 0 for i ≠ j).
    Its vector form ∂J/∂a = (a - y)/m is right, and is what is tested here;
    the next test shows the seed's step-1 formula disagrees with the engine.
    """
    layer = Layer(n, m, "sigmoid", seed=data.draw(st.integers(0, 100)))
    for p in layer.parameters():
        p.data = data.draw(finite)
    prev = [data.draw(finite) for _ in range(n)]
    y = [data.draw(st.floats(0.0, 1.0)) for _ in range(m)]
    a = layer(prev)
    J = mse(a, y, convention="half")
    J.backward()
    for j, neuron in enumerate(layer.neurons):
        aj = a[j].data
        assert a[j].grad == pytest.approx((aj - y[j]) / m, rel=1e-12, abs=1e-15)  # step 1
        dz = (aj - y[j]) / m * aj * (1.0 - aj)  # step 2
        for k in range(n):
            assert neuron.w[k].grad == pytest.approx(dz * prev[k], rel=1e-9, abs=1e-15)  # step 3
        assert neuron.b.grad == pytest.approx(dz, rel=1e-9, abs=1e-15)  # step 4


def test_seed_003_step_1_as_printed_disagrees_with_the_engine() -> None:
    layer = Layer(1, 2, "sigmoid", seed=0)
    a = layer([1.0])
    y = [0.0, 1.0]
    mse(a, y, convention="half").backward()
    m = len(y)
    as_printed = sum(ai.data - yi for ai, yi in zip(a, y)) / m  # 1/m Σᵢ (aᵢ - yᵢ)
    correct = [(aj.data - yj) / m for aj, yj in zip(a, y)]
    assert [aj.grad for aj in a] == pytest.approx(correct, rel=1e-12)
    assert a[0].grad != pytest.approx(as_printed, rel=1e-3)
