"""The losses to full precision at extreme logits, values and gradients,
against 50-digit references computed with mpmath from the definitions."""

from __future__ import annotations

import math

import pytest

from autograd_scalar.core.value import Value
from autograd_scalar.nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    logsumexp,
    softmax,
)

mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp
mp.dps = 50

# A float64 result correctly rounded is within 2**-53 ≈ 1.1e-16 of the truth; the
# stable forms chain a handful of roundings, so allow a few ulps. The naive forms
# are off by 2.9e-7 (z = 20), 1.3 % (z = 30), 100 % (z ≥ 37), far outside this.
REL = 8e-16

LOGITS = [-700.0, -100.0, -40.0, -37.0, -30.0, -20.0, -1.0, -1e-8, 0.0, 1e-8,
          0.5, 1.0, 20.0, 30.0, 37.0, 40.0, 100.0, 700.0]  # fmt: skip


def close(got: float, want: object) -> bool:
    want_f = float(want)  # the reference rounded to a float
    return abs(got - want_f) <= REL * abs(want_f) or got == want_f


def ref_bce(z: float, y: int) -> tuple[object, object]:
    """Loss −y log σ(z) − (1 − y) log(1 − σ(z)) and its derivative σ(z) − y."""
    zm = mpmath.mpf(z)  # 1 − σ(z) = σ(−z) and −log σ(z) = log(1 + e⁻ᶻ): no cancellation
    if y == 1:
        return mpmath.log1p(mpmath.exp(-zm)), -1 / (1 + mpmath.exp(zm))
    return mpmath.log1p(mpmath.exp(zm)), 1 / (1 + mpmath.exp(-zm))


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("z", LOGITS)
def test_binary_cross_entropy_from_logits_value_and_gradient(z: float, y: int) -> None:
    want_loss, want_grad = ref_bce(z, y)
    logit = Value(z)
    loss = binary_cross_entropy_with_logits([logit], [y])
    loss.backward()
    assert close(loss.data, want_loss), (loss.data, mpmath.nstr(want_loss, 17))
    assert close(logit.grad, want_grad), (logit.grad, mpmath.nstr(want_grad, 17))


def test_the_cases_of_the_issue() -> None:
    """y = 1: z = 20 was off by 2.9e-7, z = 30 by 1.3 %, z ≥ 37 gave 0.0."""
    for z in (20.0, 30.0, 37.0):
        got = binary_cross_entropy_with_logits([Value(z)], [1]).data
        assert close(got, mpmath.log1p(mpmath.exp(-mpmath.mpf(z))))
    assert binary_cross_entropy_with_logits([Value(37.0)], [1]).data == pytest.approx(
        8.533047625744066e-17, rel=1e-15
    )


def test_the_gradient_at_zero_is_one_half() -> None:
    """relu and |·| take the derivative 0 at 0: a softplus written
    relu(z) + log(1 + e^−|z|) would give 0 there, not σ(0) = ½."""
    z = Value(0.0)
    binary_cross_entropy_with_logits([z], [0]).backward()
    assert z.grad == 0.5


@pytest.mark.parametrize("z", LOGITS)
@pytest.mark.parametrize("y", [0, 1])
def test_the_replayed_per_example_form_is_as_precise(z: float, y: int) -> None:
    """fit(vectorized=True) records the record's branch-free form and replays
    it with NumPy: same values and gradients as the references."""
    pytest.importorskip("numpy")
    from autograd_scalar.nn.losses import LOSSES
    from autograd_scalar.vectorize import record

    bce = LOSSES["bce"]
    assert bce.example is not None and bce.target is not None
    t = bce.target(y)
    rec = record(bce.example, 0.3, t)
    replay = rec.run([z, z], [t, t], input_grads=True)
    want_loss, want_grad = ref_bce(z, y)
    assert replay.input_grads is not None
    for value, grad in zip(replay.values.tolist(), replay.input_grads[0].tolist()):
        assert close(value, want_loss), (value, mpmath.nstr(want_loss, 17))
        assert close(grad, want_grad), (grad, mpmath.nstr(want_grad, 17))


# ------------------------------------------------------------------ many classes
LOGIT_LISTS = [
    [0.0, -30.0],
    [50.0, 0.0, -10.0],
    [10.0, -25.0, -30.0, -32.0],
    [-1000.0, -1030.0],
    [1000.0, 999.0],
    [1e-3, 0.0, -1e-3],
    [0.0, 0.0],
    [3.0],
    [-700.0, 700.0, 0.0],
]


def ref_log_softmax(zs: list[float]) -> list[object]:
    # e^-1400 next to 1 needs some 610 digits before the 17 that are compared
    with mpmath.workdps(700):
        ms = [mpmath.mpf(z) for z in zs]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(m) for m in ms))
        return [m - lse for m in ms]


@pytest.mark.parametrize("zs", LOGIT_LISTS)
def test_log_softmax_and_softmax_values(zs: list[float]) -> None:
    want = ref_log_softmax(zs)
    got = [v.data for v in log_softmax([Value(z) for z in zs])]
    assert all(close(g, w) for g, w in zip(got, want)), (got, [mpmath.nstr(w, 17) for w in want])
    probs = [p.data for p in softmax([Value(z) for z in zs])]
    assert all(close(p, mpmath.exp(w)) for p, w in zip(probs, want))
    lse = logsumexp([Value(z) for z in zs]).data
    assert close(lse, mpmath.mpf(zs[0]) - want[0])


def test_the_dominant_logit_of_the_issue() -> None:
    """One dominant logit: −9.237e-14 before, the true value is −9.358e-14."""
    got = log_softmax([Value(0.0), Value(-30.0)])[0].data
    assert close(got, -mpmath.log1p(mpmath.exp(-30)))
    assert got == pytest.approx(-9.3576229688397368e-14, rel=1e-15)


@pytest.mark.parametrize("zs", LOGIT_LISTS)
def test_cross_entropy_gradients_for_every_label(zs: list[float]) -> None:
    """∂/∂zⱼ of −log softmax(z)[y] is softmax(z)ⱼ − [j = y]: for the dominant
    label a tiny difference from 1 that the naive form loses entirely."""
    with mpmath.workdps(700):
        probs = [mpmath.exp(w) for w in ref_log_softmax(zs)]
        wants = [
            [p - (1 if j == label else 0) for j, p in enumerate(probs)] for label in range(len(zs))
        ]
    for label in range(len(zs)):
        logits = [Value(z) for z in zs]
        loss = cross_entropy([logits], [label])
        loss.backward()
        assert close(loss.data, -ref_log_softmax(zs)[label])
        for j, v in enumerate(logits):
            want = wants[label][j]
            assert close(v.grad, want), (zs, label, j, v.grad, mpmath.nstr(want, 17))


# ------------------------------------------------------------- infinite logits
INF = math.inf


@pytest.mark.parametrize(
    ("zs", "value", "grads"),
    [
        ([-INF, -INF], -INF, [0.5, 0.5]),  # equal logits share the softmax
        ([INF, 0.0], INF, [1.0, 0.0]),
        ([0.0, INF, INF], INF, [0.0, 0.5, 0.5]),
        ([-INF, 0.0], 0.0, [0.0, 1.0]),
        ([-INF, 2.0, -INF], 2.0, [0.0, 1.0, 0.0]),
    ],
)
def test_logsumexp_at_infinite_logits_gives_the_limits(
    zs: list[float], value: float, grads: list[float]
) -> None:
    logits = [Value(z) for z in zs]
    out = logsumexp(logits)
    assert out.data == value
    out.backward()
    assert [v.grad for v in logits] == grads


def test_log_softmax_and_softmax_at_infinite_logits() -> None:
    assert [v.data for v in softmax([Value(INF), Value(0.0)])] == [1.0, 0.0]
    assert [v.data for v in log_softmax([Value(INF), Value(0.0)])] == [0.0, -INF]
    assert [v.data for v in log_softmax([Value(-INF), Value(-INF)])] == [-math.log(2)] * 2
    assert [v.data for v in softmax([Value(-INF), Value(-INF), Value(5.0)])] == [0.0, 0.0, 1.0]
    assert cross_entropy([[Value(-INF), Value(0.0)]], [0]).data == INF


def test_a_nan_logit_gives_nan_everywhere() -> None:
    for zs in ([math.nan, 0.0], [0.0, math.nan], [INF, math.nan]):
        assert math.isnan(logsumexp([Value(z) for z in zs]).data)
        assert all(math.isnan(v.data) for v in log_softmax([Value(z) for z in zs]))
