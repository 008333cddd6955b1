"""Loss functions and the L2 regulariser, built from :class:`Value` operations.

Each loss averages over the examples it is given, so its size does not grow
with the batch. Predictions may be :class:`Value` nodes or plain numbers.

>>> from autograd_scalar.engine import Value
>>> z = [Value(2.0), Value(-1.0)]
>>> loss = binary_cross_entropy_with_logits(z, [1, 0])
>>> round(loss.data, 4)
0.2201
>>> loss.backward()
>>> round(z[0].grad, 4)  # (σ(2) - 1) / 2
-0.0596

Softmax and log-softmax subtract the largest logit before exponentiating, so
huge logits do not overflow:

>>> [round(p.data, 3) for p in softmax([Value(1000.0), Value(999.0)])]
[0.731, 0.269]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

from ..core.errors import DomainError, InvalidInputError, ShapeError
from ..core.value import Value, _const

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "l2_penalty",
    "log_softmax",
    "logsumexp",
    "mse",
    "multiclass_hinge",
    "softmax",
]

Scalar = Value | float | int


def _value(x: object, op: str) -> Value:
    if type(x) is Value:
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InvalidInputError(op, x, f"expected a Value or a real number, got {x!r}")
    return _const(x, op)


def _check_batch(predictions: Sequence[object], labels: Sequence[object], op: str) -> None:
    if isinstance(predictions, (str, bytes)) or isinstance(labels, (str, bytes)):
        raise InvalidInputError(op, predictions, "expected sequences, got a string")
    if len(predictions) == 0:
        raise ShapeError(op, 0, "expected at least one prediction, got an empty sequence")
    if len(predictions) != len(labels):
        raise ShapeError(
            op,
            (len(predictions), len(labels)),
            f"expected as many labels as predictions, got {len(predictions)} predictions "
            f"and {len(labels)} labels",
        )


def _number(y: object, op: str, what: str) -> float:
    if isinstance(y, bool) or not isinstance(y, numbers.Real):
        raise InvalidInputError(op, y, f"expected {what}, got {y!r} ({type(y).__name__})")
    value = float(y)
    if not math.isfinite(value):
        raise DomainError(op, value, f"expected {what}, got {value!r}")
    return value


def _binary_label(y: object, op: str, allowed: tuple[float, ...]) -> float:
    shown = " or ".join(str(int(a)) for a in allowed)
    value = _number(y, op, f"a class label {shown}")
    if value not in allowed:
        raise DomainError(op, y, f"expected a class label {shown}, got {y!r}")
    return value


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _mean(terms: list[Value]) -> Value:
    return _sum(terms) / len(terms) if len(terms) > 1 else terms[0]


# ------------------------------------------------------------------ regression
def mse(
    predictions: Sequence[Scalar], targets: Sequence[float], *, convention: str = "mean"
) -> Value:
    """Mean squared error between two equally long sequences.

    ``convention="mean"`` gives ``1/m · Σ (aᵢ - yᵢ)²``; ``convention="half"``
    gives ``1/(2m) · Σ (aᵢ - yᵢ)²`` (the textbook form, whose gradient is
    ``(aⱼ - yⱼ)/m`` without a factor 2).

    >>> round(mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data, 6)
    2.5
    >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0], convention="half").data
    1.25
    """
    if convention not in ("mean", "half"):
        raise DomainError(
            "mse", convention, f"convention must be 'mean' or 'half', got {convention!r}"
        )
    _check_batch(predictions, targets, "mse")
    terms = []
    for a, y in zip(predictions, targets):
        diff = _value(a, "mse") - _number(y, "mse", "a real-number target")
        terms.append(diff * diff)
    return _sum(terms) / ((2 if convention == "half" else 1) * len(terms))


# -------------------------------------------------------------- binary labels
def _softplus(z: Value) -> Value:
    """log(1 + eᶻ) without overflow: for z ≥ 0 it is z + log(1 + e⁻ᶻ). Each
    branch is an exact formula, so its derivative is exact too (σ(z))."""
    if z.data >= 0.0:
        return z + ((-z).exp() + 1.0).log()
    return (z.exp() + 1.0).log()


def binary_cross_entropy_with_logits(logits: Sequence[Scalar], labels: Sequence[int]) -> Value:
    """Mean of ``-y log σ(z) - (1 - y) log(1 - σ(z))`` over examples, computed
    from the logits ``z`` as ``softplus(z) - y z``, which never overflows.
    Labels are 0 or 1. Its gradient with respect to ``zᵢ`` is ``(σ(zᵢ) - yᵢ)/m``.

    >>> binary_cross_entropy_with_logits([Value(-1000.0)], [0]).data
    0.0
    """
    _check_batch(logits, labels, "binary_cross_entropy")
    terms = []
    for z, y in zip(logits, labels):
        zv = _value(z, "binary_cross_entropy")
        label = _binary_label(y, "binary_cross_entropy", (0.0, 1.0))
        terms.append(_softplus(zv) - zv * label if label else _softplus(zv))
    return _mean(terms)


def hinge(scores: Sequence[Scalar], labels: Sequence[int], *, margin: float = 1.0) -> Value:
    """Mean of ``max(0, margin - t·s)`` over examples (the SVM loss), where the
    target sign ``t`` is +1 for label 1 and -1 for label 0 or -1.

    >>> hinge([Value(2.0), Value(0.5)], [1, 0]).data  # 0 and 1.5, averaged
    0.75
    """
    _check_batch(scores, labels, "hinge")
    terms = []
    for s, y in zip(scores, labels):
        sign = 1.0 if _binary_label(y, "hinge", (0.0, 1.0, -1.0)) == 1.0 else -1.0
        terms.append((margin - _value(s, "hinge") * sign).relu())
    return _mean(terms)


# --------------------------------------------------------------- many classes
def _logit_values(logits: Sequence[Scalar], op: str) -> list[Value]:
    if isinstance(logits, (str, bytes)) or not isinstance(logits, Sequence) or not logits:
        raise ShapeError(op, logits, f"expected a non-empty list of logits, got {logits!r}")
    return [_value(z, op) for z in logits]


def logsumexp(logits: Sequence[Scalar]) -> Value:
    """``log Σ exp(zᵢ)``, computed as ``m + log Σ exp(zᵢ - m)`` with ``m`` the
    largest logit (a constant: the result does not depend on it, so neither
    does the gradient), so no exponential overflows.

    >>> round(logsumexp([Value(1000.0), Value(1000.0)]).data - 1000.0, 6)
    0.693147
    """
    zs = _logit_values(logits, "logsumexp")
    m = max(z.data for z in zs)
    total = (zs[0] - m).exp()
    for z in zs[1:]:
        total = total + (z - m).exp()
    return total.log() + m


def log_softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``zᵢ - logsumexp(z)`` for each logit: the log-probabilities."""
    zs = _logit_values(logits, "log_softmax")
    lse = logsumexp(zs)
    return [z - lse for z in zs]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``exp(zᵢ - m) / Σⱼ exp(zⱼ - m)`` with ``m`` the largest logit: the
    probabilities, summing to 1, without overflow."""
    zs = _logit_values(logits, "softmax")
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


def _class_label(y: object, n_classes: int, op: str) -> int:
    what = f"an int class label in 0..{n_classes - 1}"
    if isinstance(y, bool) or not isinstance(y, numbers.Integral):
        raise InvalidInputError(op, y, f"expected {what}, got {y!r} ({type(y).__name__})")
    if not 0 <= int(y) < n_classes:
        raise DomainError(op, y, f"expected {what}, got {y!r}")
    return int(y)


def cross_entropy(logits: Sequence[Sequence[Scalar]], labels: Sequence[int]) -> Value:
    """Softmax cross-entropy, averaged over examples: ``logits[i]`` is the
    list of class scores of example ``i`` and ``labels[i]`` its class index.
    Per example it is ``logsumexp(z) - z[label]``, which never overflows.

    >>> round(cross_entropy([[Value(0.0), Value(0.0)]], [1]).data, 6)  # log 2
    0.693147
    """
    _check_batch(logits, labels, "cross_entropy")
    terms = []
    for z, y in zip(logits, labels):
        zs = _logit_values(z, "cross_entropy")
        terms.append(logsumexp(zs) - zs[_class_label(y, len(zs), "cross_entropy")])
    return _mean(terms)


def multiclass_hinge(
    scores: Sequence[Sequence[Scalar]], labels: Sequence[int], *, margin: float = 1.0
) -> Value:
    """The multi-class max-margin (Weston-Watkins SVM) loss, averaged over
    examples: ``Σ_{j≠y} max(0, sⱼ - s_y + margin)``.

    >>> multiclass_hinge([[Value(3.0), Value(1.0), Value(2.5)]], [0]).data  # 0 + 0.5
    0.5
    """
    _check_batch(scores, labels, "multiclass_hinge")
    terms = []
    for s, y in zip(scores, labels):
        ss = _logit_values(s, "multiclass_hinge")
        label = _class_label(y, len(ss), "multiclass_hinge")
        parts = [(sj - ss[label] + margin).relu() for j, sj in enumerate(ss) if j != label]
        terms.append(_sum(parts) if parts else ss[label] * 0.0)
    return _mean(terms)


# ------------------------------------------------------------- regularisation
def l2_penalty(params: Iterable[Value]) -> Value:
    """``Ω(θ) = ½ Σ θᵢ²``, whose gradient is ``θ`` itself. The cost of
    Goodfellow et al.'s algorithm 6.3 is ``J = L(ŷ, y) + λ Ω(θ)``, so
    ``loss + lam * l2_penalty(params)`` adds ``λθ`` to every gradient
    (the ``λ∇Ω`` term of algorithm 6.4).

    >>> l2_penalty([Value(3.0), Value(4.0)]).data
    12.5
    """
    params = list(params)
    if not params:
        raise ShapeError("l2_penalty", 0, "expected at least one parameter, got none")
    total = params[0] * params[0]
    for p in params[1:]:
        total = total + p * p
    return total * 0.5
