"""Tests of autograd_scalar.optim: SGD (momentum, weight decay) and Adam."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_scalar.core.errors import DomainError, InvalidInputError, ShapeError
from autograd_scalar.core.value import Value
from autograd_scalar.nn.optim import SGD, Adam

real = st.floats(-10.0, 10.0, allow_nan=False)
rate = st.floats(1e-4, 1.0)


@given(st.lists(st.tuples(real, real), min_size=1, max_size=5), rate)
def test_plain_sgd_step_is_theta_minus_lr_grad(pairs: list[tuple[float, float]], lr: float) -> None:
    params = [Value(t) for t, _ in pairs]
    for p, (_, g) in zip(params, pairs):
        p.grad = g
    SGD(params, lr=lr).step()
    assert [p.data for p in params] == [t - lr * g for t, g in pairs]


@given(real, real, real, rate, st.floats(0.0, 0.99), st.floats(0.0, 0.1))
def test_sgd_momentum_and_weight_decay_over_two_steps(
    theta: float, g1: float, g2: float, lr: float, mu: float, wd: float
) -> None:
    p = Value(theta)
    opt = SGD([p], lr=lr, momentum=mu, weight_decay=wd)
    p.grad = g1
    opt.step()
    v1 = g1 + wd * theta
    theta1 = theta - lr * v1
    assert p.data == pytest.approx(theta1, rel=1e-12, abs=1e-12)
    p.grad = g2
    opt.step()
    v2 = mu * v1 + g2 + wd * theta1
    assert p.data == pytest.approx(theta1 - lr * v2, rel=1e-12, abs=1e-12)


def adam_reference(theta: float, grads: list[float], lr: float, b1: float, b2: float) -> float:
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + 1e-8)
    return theta


@given(real, st.lists(real, min_size=1, max_size=5), rate)
def test_adam_matches_the_papers_update(theta: float, grads: list[float], lr: float) -> None:
    p = Value(theta)
    opt = Adam([p], lr=lr, betas=(0.8, 0.99))
    for g in grads:
        p.grad = g
        opt.step()
    assert p.data == pytest.approx(adam_reference(theta, grads, lr, 0.8, 0.99), rel=1e-9, abs=1e-9)


@given(real, st.floats(0.01, 1e6), rate)
def test_adams_first_step_has_size_lr_whatever_the_gradient(
    theta: float, g: float, lr: float
) -> None:
    p = Value(theta)
    p.grad = g
    Adam([p], lr=lr).step()
    assert theta - p.data == pytest.approx(lr, rel=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.05, momentum=0.9),
        lambda ps: Adam(ps, lr=0.1),
    ],
)
def test_optimisers_minimise_a_quadratic(make) -> None:
    x, y = Value(3.0), Value(-2.0)
    opt = make([x, y])
    for _ in range(300):
        opt.zero_grad()
        ((x - 1.0) ** 2 + 2.0 * (y + 0.5) ** 2).backward()
        opt.step()
    assert x.data == pytest.approx(1.0, abs=1e-2)
    assert y.data == pytest.approx(-0.5, abs=1e-2)


def test_zero_grad() -> None:
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 5.0
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_gradients_from_create_graph_are_used_as_numbers() -> None:
    x = Value(2.0)
    (x * x).backward(create_graph=True)
    SGD([x], lr=0.5).step()
    assert x.data == 0.0


@pytest.mark.parametrize("lr", [0.0, -0.1, float("inf"), float("nan")])
def test_non_positive_learning_rate_is_rejected(lr: float) -> None:
    with pytest.raises(DomainError, match="learning rate lr must be a finite number > 0"):
        SGD([Value(1.0)], lr=lr)
    with pytest.raises(DomainError, match="learning rate"):
        Adam([Value(1.0)], lr=lr)


def test_other_bad_arguments() -> None:
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(DomainError, match="learning rate"):
        opt.lr = 0.0  # e.g. a schedule that decays to zero
    assert opt.lr == 0.1
    with pytest.raises(ShapeError, match="at least one parameter"):
        SGD([], lr=0.1)
    with pytest.raises(InvalidInputError, match="Value parameters"):
        SGD([1.0], lr=0.1)
    with pytest.raises(DomainError, match="momentum"):
        SGD([Value(1.0)], lr=0.1, momentum=-0.5)
    with pytest.raises(DomainError, match=r"betas must be in \[0, 1\)"):
        Adam([Value(1.0)], betas=(0.9, 1.0))
    with pytest.raises(InvalidInputError, match="real number"):
        SGD([Value(1.0)], lr="0.1")
