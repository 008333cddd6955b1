"""Tests of autograd_scalar.losses: values, gradients, stability, bad labels."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.core.errors import (
    DomainError,
    InvalidInputError,
    OverflowError_,
    ShapeError,
)
from autograd_scalar.core.value import Value
from autograd_scalar.nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2_penalty,
    log_softmax,
    logsumexp,
    mse,
    multiclass_hinge,
    softmax,
)

real = st.floats(-20.0, 20.0, allow_nan=False)
logit_lists = st.lists(real, min_size=1, max_size=6)


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# ------------------------------------------------------------------------ mse
@given(st.lists(st.tuples(real, real), min_size=1, max_size=6))
def test_mse_conventions_and_gradients(pairs: list[tuple[float, float]]) -> None:
    m = len(pairs)
    a = [Value(p) for p, _ in pairs]
    y = [t for _, t in pairs]
    plain = mse(a, y)
    half = mse(a, y, convention="half")
    expected = sum((p - t) ** 2 for p, t in pairs) / m
    assert plain.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert half.data == pytest.approx(expected / 2, rel=1e-12, abs=1e-12)
    half.backward()  # 1/(2m) Σ (a - y)²  ->  (aⱼ - yⱼ)/m
    assert [v.grad for v in a] == pytest.approx(
        [(p - t) / m for p, t in pairs], rel=1e-12, abs=1e-12
    )
    for v in a:
        v.grad = 0.0
    plain.backward()  # 1/m Σ (a - y)²  ->  2(aⱼ - yⱼ)/m
    assert [v.grad for v in a] == pytest.approx(
        [2 * (p - t) / m for p, t in pairs], rel=1e-12, abs=1e-12
    )


# ------------------------------------------------------------------------ bce
@given(st.lists(st.tuples(real, st.sampled_from([0, 1])), min_size=1, max_size=6))
def test_bce_value_and_gradient(pairs: list[tuple[float, int]]) -> None:
    m = len(pairs)
    z = [Value(v) for v, _ in pairs]
    labels = [t for _, t in pairs]
    loss = binary_cross_entropy_with_logits(z, labels)
    if all(abs(v) <= 8.0 for v, _ in pairs):  # where the textbook formula is accurate
        naive = -sum(t * math.log(sigma(v)) + (1 - t) * math.log(1 - sigma(v)) for v, t in pairs)
        assert loss.data == pytest.approx(naive / m, rel=1e-9, abs=1e-12)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx(
        [(sigma(v) - t) / m for v, t in pairs], rel=1e-9, abs=1e-15
    )


def test_bce_is_stable_for_huge_logits_where_the_naive_formula_fails() -> None:
    z = Value(-1000.0)
    loss = binary_cross_entropy_with_logits([z], [1])
    assert loss.data == 1000.0  # -log σ(-1000) = 1000 + log(1 + e⁻¹⁰⁰⁰)
    loss.backward()
    assert z.grad == -1.0
    assert binary_cross_entropy_with_logits([Value(1000.0)], [1]).data == 0.0
    # the textbook formula through exp overflows on the same input
    naive_z = Value(-1000.0)
    with pytest.raises((OverflowError_, DomainError, ZeroDivisionError)):
        (-(1 / (1 + (-naive_z).exp())).log()).backward()


def test_bce_gradient_is_right_at_zero() -> None:
    """At z = 0 the gradient must be σ(0) - y = 0.5 - y. A softplus written
    with relu(z) and |z| gets 0 - y there (both kinks count 0)."""
    for label in (0, 1):
        z = Value(0.0)
        binary_cross_entropy_with_logits([z], [label]).backward()
        assert z.grad == 0.5 - label
        # the kinked formulation, same values, wrong gradient at 0: the check above catches it
        w = Value(0.0)
        (w.relu() - w * label + ((-abs(w)).exp() + 1.0).log()).backward()
        assert w.grad == -label != 0.5 - label


# ------------------------------------------------------------- softmax family
@given(logit_lists, real)
def test_softmax_sums_to_one_and_ignores_shifts(zs: list[float], c: float) -> None:
    p = [v.data for v in softmax([Value(z) for z in zs])]
    assert sum(p) == pytest.approx(1.0, rel=1e-12)
    assert all(0.0 <= pi <= 1.0 for pi in p)
    shifted = [v.data for v in softmax([Value(z + c) for z in zs])]
    assert shifted == pytest.approx(p, rel=1e-9, abs=1e-15)


@given(logit_lists)
def test_log_softmax_is_log_of_softmax(zs: list[float]) -> None:
    values = [Value(z) for z in zs]
    logp = [v.data for v in log_softmax(values)]
    p = [v.data for v in softmax(values)]
    assert [math.exp(lp) for lp in logp] == pytest.approx(p, rel=1e-9, abs=1e-300)


@given(logit_lists)
def test_logsumexp_bounds_and_gradient_is_softmax(zs: list[float]) -> None:
    values = [Value(z) for z in zs]
    lse = logsumexp(values)
    assert max(zs) <= lse.data + 1e-12
    assert lse.data <= max(zs) + math.log(len(zs)) + 1e-12
    lse.backward()
    assert [v.grad for v in values] == pytest.approx(
        [p.data for p in softmax(zs)], rel=1e-9, abs=1e-15
    )


@settings(max_examples=50)
@given(st.lists(real, min_size=2, max_size=5), st.data())
def test_softmax_jacobian(zs: list[float], data: st.DataObject) -> None:
    """∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ - pⱼ)."""
    i = data.draw(st.integers(0, len(zs) - 1))
    values = [Value(z) for z in zs]
    p = softmax(values)
    p[i].backward()
    pd = [v.data for v in p]
    expected = [pd[i] * ((1.0 if j == i else 0.0) - pd[j]) for j in range(len(zs))]
    assert [v.grad for v in values] == pytest.approx(expected, rel=1e-7, abs=1e-12)


def test_softmax_of_huge_logits_does_not_overflow() -> None:
    p = softmax([Value(1000.0), Value(1000.0), Value(-1000.0)])
    assert [v.data for v in p] == pytest.approx([0.5, 0.5, 0.0])
    assert logsumexp([1000.0, 1000.0]).data == pytest.approx(1000.0 + math.log(2))


@settings(max_examples=60)
@given(st.lists(st.lists(real, min_size=3, max_size=3), min_size=1, max_size=4), st.data())
def test_cross_entropy_value_and_gradient(batch: list[list[float]], data: st.DataObject) -> None:
    labels = [data.draw(st.integers(0, 2)) for _ in batch]
    m = len(batch)
    logits = [[Value(z) for z in row] for row in batch]
    loss = cross_entropy(logits, labels)
    expected = -sum(log_softmax(row)[y].data for row, y in zip(batch, labels)) / m
    assert loss.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    loss.backward()
    for row, y in zip(logits, labels):
        p = [v.data for v in softmax([v.data for v in row])]
        grad = [(pj - (1.0 if j == y else 0.0)) / m for j, pj in enumerate(p)]
        assert [v.grad for v in row] == pytest.approx(grad, rel=1e-7, abs=1e-12)


# ----------------------------------------------------------------------- hinge
@given(st.lists(st.tuples(real, st.sampled_from([0, 1])), min_size=1, max_size=6))
def test_hinge_value_and_gradient(pairs: list[tuple[float, int]]) -> None:
    m = len(pairs)
    s = [Value(v) for v, _ in pairs]
    loss = hinge(s, [t for _, t in pairs])
    signs = [1.0 if t == 1 else -1.0 for _, t in pairs]
    assert loss.data == pytest.approx(
        sum(max(0.0, 1.0 - sg * v) for (v, _), sg in zip(pairs, signs)) / m, rel=1e-12
    )
    loss.backward()
    expected = [(-sg / m if 1.0 - sg * v > 0 else 0.0) for (v, _), sg in zip(pairs, signs)]
    assert [v.grad for v in s] == pytest.approx(expected, rel=1e-12)


def test_hinge_accepts_minus_one_for_the_negative_class() -> None:
    scores = [Value(0.3), Value(-2.0)]
    assert hinge(scores, [0, 1]).data == hinge(scores, [-1, 1]).data == (1.3 + 3.0) / 2


@settings(max_examples=60)
@given(st.lists(st.lists(real, min_size=3, max_size=3), min_size=1, max_size=4), st.data())
def test_multiclass_hinge_matches_its_definition(
    batch: list[list[float]], data: st.DataObject
) -> None:
    labels = [data.draw(st.integers(0, 2)) for _ in batch]
    expected = sum(
        sum(max(0.0, s[j] - s[y] + 1.0) for j in range(3) if j != y) for s, y in zip(batch, labels)
    ) / len(batch)
    got = multiclass_hinge([[Value(v) for v in s] for s in batch], labels).data
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(st.lists(real, min_size=1, max_size=6))
def test_l2_penalty_gradient_is_theta(thetas: list[float]) -> None:
    params = [Value(t) for t in thetas]
    omega = l2_penalty(params)
    assert omega.data == pytest.approx(0.5 * sum(t * t for t in thetas), rel=1e-12)
    omega.backward()
    assert [p.grad for p in params] == pytest.approx(thetas, rel=1e-12)


# -------------------------------------------------------------------- bad input
def test_labels_of_the_wrong_kind_are_named() -> None:
    z = [Value(0.0), Value(1.0)]
    with pytest.raises(DomainError, match="expected a class label 0 or 1, got 2"):
        binary_cross_entropy_with_logits(z, [0, 2])
    with pytest.raises(DomainError, match="got 0.5"):
        binary_cross_entropy_with_logits(z, [0.5, 1])
    with pytest.raises(InvalidInputError, match="'yes'"):
        hinge(z, ["yes", 1])
    with pytest.raises(DomainError, match="0 or 1 or -1, got 3"):
        hinge(z, [3, 1])
    with pytest.raises(DomainError, match=r"int class label in 0\.\.1, got 2"):
        cross_entropy([z], [2])
    with pytest.raises(InvalidInputError, match="int class label"):
        cross_entropy([z], [1.0])
    with pytest.raises(InvalidInputError, match="real-number target"):
        mse(z, ["a", 1.0])


def test_lengths_and_emptiness() -> None:
    with pytest.raises(ShapeError, match="2 predictions and 1 labels"):
        mse([Value(0.0), Value(1.0)], [1.0])
    with pytest.raises(ShapeError, match="at least one of the predictions"):
        hinge([], [])
    with pytest.raises(ShapeError, match="the logits must have at least 1"):
        softmax([])
    with pytest.raises(ShapeError, match="at least one parameter"):
        l2_penalty([])
    with pytest.raises(InvalidInputError, match="convention must be one of"):  # core.checks.choice
        mse([Value(0.0)], [0.0], convention="sum")
