"""Small 2-D classification datasets in pure Python, deterministic by seed.

Each generator returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` float pairs,
``y`` a list of int class labels, shuffled (with the same seed), so that any
prefix holds every class.

>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> len(X), len(y), sorted(set(y))
(100, 100, [0, 1])
>>> make_moons(100, noise=0.1, seed=0) == (X, y)
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

from ..core.checks import non_negative, positive_int, real_number, same_length
from ..core.errors import DomainError

__all__ = [
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]

Dataset = tuple[list[list[float]], list[int]]
T = TypeVar("T")
L = TypeVar("L")


def _check_n(n: object, op: str, minimum: int = 1) -> int:
    return positive_int(n, op, "n", minimum)


def _real(x: object, name: str, op: str) -> float:
    return real_number(x, op, name)


def _check_nonneg(x: object, name: str, op: str) -> float:
    return non_negative(x, op, name)


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    rng.shuffle(points)
    if noise:
        X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for x1, x2, _ in points]
    else:
        X = [[x1, x2] for x1, x2, _ in points]
    return X, [label for _, _, label in points]


def _split_counts(n: int, k: int) -> list[int]:
    """n samples over k classes, as evenly as possible."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles: class 0 the upper arc of the unit
    circle, class 1 the lower arc shifted to (1, 0.5), plus Gaussian noise of
    standard deviation ``noise``."""
    _check_n(n, "make_moons", 2)
    noise = _check_nonneg(noise, "noise", "make_moons")
    rng = random.Random(seed)
    n0, n1 = _split_counts(n, 2)
    points = []
    for i in range(n0):
        t = math.pi * i / max(n0 - 1, 1)
        points.append((math.cos(t), math.sin(t), 0))
    for i in range(n1):
        t = math.pi * i / max(n1 - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(points, noise, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """Two concentric circles: class 0 of radius 1, class 1 of radius
    ``factor`` (between 0 and 1)."""
    _check_n(n, "make_circles", 2)
    noise = _check_nonneg(noise, "noise", "make_circles")
    if not 0.0 < _real(factor, "factor", "make_circles") < 1.0:
        raise DomainError("make_circles", factor, f"factor must be in (0, 1), got {factor!r}")
    rng = random.Random(seed)
    points = []
    for label, (count, radius) in enumerate(zip(_split_counts(n, 2), (1.0, float(factor)))):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _finish(points, noise, rng)


def make_xor(n: int = 100, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Points uniform in the square [-1, 1]²; the label is 1 where the two
    coordinates have different signs (the XOR of their signs)."""
    _check_n(n, "make_xor")
    noise = _check_nonneg(noise, "noise", "make_xor")
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        points.append((x1, x2, int((x1 > 0) != (x2 > 0))))
    return _finish(points, noise, rng)


def make_spirals(n: int = 100, classes: int = 2, noise: float = 0.1, seed: int = 0) -> Dataset:
    """``classes`` interleaved spiral arms from the origin, one per class
    (labels 0..classes-1), each making about one turn."""
    _check_n(n, "make_spirals", 1)
    classes = _check_n(classes, "make_spirals", 2)
    noise = _check_nonneg(noise, "noise", "make_spirals")
    rng = random.Random(seed)
    points = []
    for label, count in enumerate(_split_counts(n, classes)):
        for i in range(count):
            r = (i + 1) / count
            t = 2.0 * math.pi * (r + label / classes)
            points.append((r * math.cos(t), r * math.sin(t), label))
    return _finish(points, noise, rng)


def make_blobs(n: int = 100, centers: int = 3, std: float = 0.5, seed: int = 0) -> Dataset:
    """``centers`` Gaussian clusters of standard deviation ``std`` around
    centres spread evenly on a circle of radius 3 (labels 0..centers-1)."""
    _check_n(n, "make_blobs")
    centers = _check_n(centers, "make_blobs", 1)
    std = _check_nonneg(std, "std", "make_blobs")
    rng = random.Random(seed)
    points = []
    for label, count in enumerate(_split_counts(n, centers)):
        angle = 2.0 * math.pi * label / centers
        points.extend([(3.0 * math.cos(angle), 3.0 * math.sin(angle), label)] * count)
    return _finish(points, std, rng)


def train_test_split(
    X: Sequence[T], y: Sequence[L], test_fraction: float = 0.25, seed: int = 0
) -> tuple[list[T], list[T], list[L], list[L]]:
    """Shuffle (by ``seed``) and split into ``X_train, X_test, y_train,
    y_test``; the test part has ``round(len(X) · test_fraction)`` examples
    and both parts keep at least one.

    >>> X_train, X_test, y_train, y_test = train_test_split([[0], [1], [2], [3]], [0, 1, 0, 1])
    >>> len(X_train), len(X_test)
    (3, 1)
    """
    if len(X) < 2:
        raise DomainError(
            "train_test_split", len(X), f"expected at least 2 examples to split, got {len(X)}"
        )
    same_length(X, y, "train_test_split")
    fraction = _real(test_fraction, "test_fraction", "train_test_split")
    if not 0.0 < fraction < 1.0:
        raise DomainError(
            "train_test_split", test_fraction,
            f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}",
        )  # fmt: skip
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    n_test = min(max(round(len(X) * fraction), 1), len(X) - 1)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]
