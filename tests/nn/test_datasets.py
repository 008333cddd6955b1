"""Tests of autograd_scalar.datasets: shapes, geometry, determinism, splits."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_scalar.core.errors import DomainError, InvalidInputError, ShapeError
from autograd_scalar.nn.datasets import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

GENERATORS = [make_moons, make_circles, make_xor, make_spirals, make_blobs]


@pytest.mark.parametrize("make", GENERATORS)
@given(n=st.integers(2, 60), seed=st.integers(0, 10**6))
def test_shapes_determinism_and_balance(make, n: int, seed: int) -> None:
    X, y = make(n, seed=seed)
    assert len(X) == len(y) == n
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
    assert all(type(label) is int for label in y)
    assert make(n, seed=seed) == (X, y)
    if make is not make_xor:  # xor labels follow random points; the others split evenly
        counts = Counter(y).values()
        assert max(counts) - min(counts) <= 1


@pytest.mark.parametrize("make", GENERATORS)
def test_different_seeds_give_different_data(make) -> None:
    assert make(50, seed=1)[0] != make(50, seed=2)[0]


def test_moons_without_noise_lie_on_their_arcs() -> None:
    X, y = make_moons(50, noise=0.0, seed=3)
    for (x1, x2), label in zip(X, y):
        if label == 0:  # upper half of the unit circle
            assert math.hypot(x1, x2) == pytest.approx(1.0)
            assert x2 >= -1e-12
        else:  # lower half of the unit circle around (1, 0.5)
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0)
            assert x2 <= 0.5 + 1e-12


def test_moons_noise_has_the_requested_spread() -> None:
    clean, _ = make_moons(400, noise=0.0, seed=0)
    noisy, _ = make_moons(400, noise=0.2, seed=0)
    # same shuffling seed, so the points correspond; the offsets have std 0.2
    offsets = [a - b for p, q in zip(noisy, clean) for a, b in zip(p, q)]
    std = math.sqrt(sum(d * d for d in offsets) / len(offsets))
    assert std == pytest.approx(0.2, rel=0.1)


def test_circles_radii() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3)
    for p, label in zip(X, y):
        assert math.hypot(*p) == pytest.approx(1.0 if label == 0 else 0.3)


def test_xor_labels_follow_the_signs() -> None:
    X, y = make_xor(100, seed=5)
    assert y == [int((x1 > 0) != (x2 > 0)) for x1, x2 in X]
    assert all(-1.0 <= c <= 1.0 for p in X for c in p)


def test_spirals_and_blobs() -> None:
    X, y = make_spirals(90, classes=3, noise=0.0)
    assert set(y) == {0, 1, 2}
    assert all(math.hypot(*p) <= 1.0 + 1e-12 for p in X)
    X, y = make_blobs(300, centers=4, std=0.1, seed=2)
    for p, label in zip(X, y):
        angle = 2 * math.pi * label / 4
        centre = (3 * math.cos(angle), 3 * math.sin(angle))
        assert math.dist(p, centre) < 1.0  # 10 standard deviations


@given(st.integers(2, 50), st.floats(0.05, 0.95), st.integers(0, 1000))
def test_train_test_split_is_a_partition(n: int, fraction: float, seed: int) -> None:
    X = [[float(i), 0.0] for i in range(n)]
    y = list(range(n))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=fraction, seed=seed)
    assert sorted(y_train + y_test) == y
    assert [p[0] for p in X_train] == y_train  # pairs stay together
    assert [p[0] for p in X_test] == y_test
    assert 1 <= len(y_test) <= n - 1
    assert abs(len(y_test) - n * fraction) <= 1
    assert train_test_split(X, y, test_fraction=fraction, seed=seed)[3] == y_test


def test_bad_input() -> None:
    # the sizes and rates are checked by core.checks, as everywhere in the package
    with pytest.raises(DomainError, match="n must be at least 2, got 0"):
        make_moons(0)
    with pytest.raises(DomainError, match="at least 1"):
        make_xor(0)
    with pytest.raises(InvalidInputError, match="n must be an integer"):
        make_blobs(10.5)
    with pytest.raises(DomainError, match="noise must be a finite number ≥ 0"):
        make_moons(10, noise=-0.1)
    with pytest.raises(DomainError, match=r"factor must be in \(0, 1\)"):
        make_circles(10, factor=1.5)
    with pytest.raises(ShapeError, match="3 examples and 2 labels"):
        train_test_split([[0.0]] * 3, [0, 1])
    with pytest.raises(DomainError, match="at least 2 examples"):
        train_test_split([], [])
    with pytest.raises(DomainError, match="strictly between 0 and 1"):
        train_test_split([[0.0]] * 3, [0, 1, 0], test_fraction=1.0)
