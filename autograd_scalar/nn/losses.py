"""Loss functions, the L2 regulariser, and one record per loss for training.

Each loss averages over the examples it is given, so its size does not grow
with the batch. Predictions may be :class:`Value` nodes or plain numbers.

>>> from autograd_scalar.core import Value
>>> z = [Value(2.0), Value(-1.0)]
>>> loss = binary_cross_entropy_with_logits(z, [1, 0])
>>> round(loss.data, 4)
0.2201
>>> loss.backward()
>>> round(z[0].grad, 4)  # (σ(2) - 1) / 2
-0.0596

**Full precision at the edges.** The losses are built from the engine's
operations in forms that keep every digit where a naive formula loses them:
``log(1 + u)`` for small ``u`` is computed as ``log(w) − ((w − 1) − u)/w`` with
``w = 1 + u`` (the rounding of ``w`` corrected; a ``log1p`` rule in the core
would do it in one node), softplus as ``max(z, 0) + log(1 + e^−|z|)``, and
log-sum-exp as ``zₖ + log(1 + Σ_{j≠k} exp(zⱼ − zₖ))`` around the largest
logit ``zₖ``. So the cross-entropy of a logit of 40 with label 1 is
``4.25e-18``, not 0, and a dominant logit's log-probability keeps its digits:

>>> binary_cross_entropy_with_logits([Value(40.0)], [1]).data
4.248354255291589e-18
>>> log_softmax([Value(0.0), Value(-30.0)])[0].data  # −log(1 + e⁻³⁰)
-9.357622968839737e-14
>>> logsumexp([Value(float("-inf")), Value(float("-inf"))]).data
-inf

**Records.** :data:`LOSSES` holds one :class:`Loss` per name :func:`~autograd_scalar.nn.train.fit`
understands: the batch form, the branch-free per-example form that the
vectorised replay records, and the decision rule behind accuracy.

>>> LOSSES["hinge"].predict([0.3]), LOSSES["hinge"].label_class(-1)
(1, 0)
>>> LOSSES["mse"].predict([0.3])  # a 0/1 target: the threshold is 1/2
0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..core import Value, constant
from ..core.checks import choice, real_number, same_length, sequence
from ..core.errors import DomainError, InvalidInputError, ShapeError

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "l2_penalty",
    "log_softmax",
    "logsumexp",
    "loss_named",
    "mse",
    "multiclass_hinge",
    "softmax",
]

Scalar = Value | float | int


def _value(x: object, op: str) -> Value:
    if type(x) is Value:
        return x
    return constant(real_number(x, op), op)


def _check_batch(predictions: object, labels: object, op: str) -> None:
    sequence(predictions, op, "the predictions", min_length=0)
    sequence(labels, op, "the labels", min_length=0)
    same_length(predictions, labels, op, "predictions", "labels")  # type: ignore[arg-type]


def _binary_label(y: object, op: str, allowed: tuple[float, ...]) -> float:
    shown = " or ".join(str(int(a)) for a in allowed)
    value = real_number(y, op, f"a class label {shown}")
    if value not in allowed:
        raise DomainError(op, y, f"expected a class label {shown}, got {y!r}")
    return value


def _class_label(y: object, n_classes: int, op: str) -> int:
    what = f"an int class label in 0..{n_classes - 1}"
    if isinstance(y, bool) or not isinstance(y, numbers.Integral):
        raise InvalidInputError(op, y, f"expected {what}, got {y!r} ({type(y).__name__})")
    if not 0 <= int(y) < n_classes:
        raise DomainError(op, y, f"expected {what}, got {y!r}")
    return int(y)


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _mean(terms: list[Value]) -> Value:
    return _sum(terms) / len(terms) if len(terms) > 1 else terms[0]


# ------------------------------------------------- stable forms, branch-free
def _log1p(u: Value) -> Value:
    """``log(1 + u)`` to full precision for u ≥ 0, from ``log`` alone.

    ``w = 1 + u`` rounds away the digits of a small ``u``; ``(w − 1) − u`` is
    exactly that rounding error, and subtracting it over ``w`` restores them
    (the error left is of the order of the rounding squared). The derivative
    recorded, ``1/w + ((w − 1) − u)/w²``, is ``1/(1 + u)`` to the same order.
    No branch on the data, so the vectorised replay records it as it is.
    """
    w = u + 1.0
    return w.log() - ((w - 1.0) - u) / w


def _softplus(z: Value) -> Value:
    """``log(1 + eᶻ) = max(z, 0) + log(1 + e^−|z|)``, never overflowing.

    ``|z|`` is written ``2·relu(z) − z`` (exact in floating point). The reason
    is the kink: relu and abs both take the derivative 0 at 0, which would
    make softplus′(0) zero instead of σ(0) = ½; this |z| has derivative −1
    there, giving ½. Away from 0 each gradient term is exact or tiny, so no
    ½ − ½ cancellation costs the small gradients (σ(z) for z ≪ 0) digits."""
    r = z.relu()
    return r + _log1p((-(2.0 * r - z)).exp())


def _bce_term(z: Value, t: Value | float) -> Value:
    """One example's binary cross-entropy from its logit, with the target as a
    sign t = 2y − 1 = ±1: ``softplus(z) − yz = softplus(−tz)``. Never
    ``softplus(z) − z``: that subtracts two numbers near z and loses the result."""
    return _softplus(z * -t)


def _hinge_term(s: Value, t: Value | float, margin: float) -> Value:
    return (margin - s * t).relu()


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
    choice(convention, ("mean", "half"), "mse", "convention")
    _check_batch(predictions, targets, "mse")
    terms = []
    for a, y in zip(predictions, targets):
        diff = _value(a, "mse") - real_number(y, "mse", "a real-number target")
        terms.append(diff * diff)
    return _sum(terms) / ((2 if convention == "half" else 1) * len(terms))


# -------------------------------------------------------------- binary labels
def binary_cross_entropy_with_logits(logits: Sequence[Scalar], labels: Sequence[int]) -> Value:
    """Mean of ``-y log σ(z) - (1 - y) log(1 - σ(z))`` over examples, computed
    from the logits ``z`` as ``softplus(z)`` for y = 0 and ``softplus(−z)``
    for y = 1, which never overflows and keeps full precision at any logit.
    Labels are 0 or 1. Its gradient with respect to ``zᵢ`` is ``(σ(zᵢ) - yᵢ)/m``.

    >>> binary_cross_entropy_with_logits([Value(-1000.0)], [0]).data
    0.0
    >>> binary_cross_entropy_with_logits([Value(0.0)], [1]).data == math.log(2)
    True
    """
    _check_batch(logits, labels, "binary_cross_entropy")
    terms = []
    for z, y in zip(logits, labels):
        label = _binary_label(y, "binary_cross_entropy", (0.0, 1.0))
        terms.append(_bce_term(_value(z, "binary_cross_entropy"), 2.0 * label - 1.0))
    return _mean(terms)


def hinge(scores: Sequence[Scalar], labels: Sequence[int], *, margin: float = 1.0) -> Value:
    """Mean of ``max(0, margin - t·s)`` over examples (the SVM loss), where the
    target sign ``t`` is +1 for label 1 and -1 for label 0 or -1.

    >>> hinge([Value(2.0), Value(0.5)], [1, 0]).data  # 0 and 1.5, averaged
    0.75
    """
    _check_batch(scores, labels, "hinge")
    margin = real_number(margin, "hinge", "margin")
    terms = []
    for s, y in zip(scores, labels):
        sign = 1.0 if _binary_label(y, "hinge", (0.0, 1.0, -1.0)) == 1.0 else -1.0
        terms.append(_hinge_term(_value(s, "hinge"), sign, margin))
    return _mean(terms)


# --------------------------------------------------------------- many classes
def _logit_values(logits: Sequence[Scalar], op: str) -> list[Value]:
    return [_value(z, op) for z in sequence(logits, op, "the logits")]


@dataclass(frozen=True)
class _Shifted:
    """log-sum-exp around the largest logit ``z[top]``: ``exps[j] = exp(zⱼ − z_top)``
    for the others (``None`` in the top's place), ``total`` their sum and
    ``rest = log(1 + total)``; or, where a logit is infinite, only the limits:
    ``tied`` the logits equal to the top one (+inf, or all -inf)."""

    top: int
    exps: list[Value | None]
    total: Value | None
    rest: Value | None
    tied: list[int] | None


def _shift(zs: list[Value]) -> _Shifted:
    data = [z.data for z in zs]
    if any(math.isnan(d) for d in data):  # NaN propagates through the ordinary form
        top = 0
    else:
        top = max(range(len(data)), key=data.__getitem__)
        if math.isinf(data[top]):  # +inf somewhere, or every logit -inf
            tied = [i for i, d in enumerate(data) if d == data[top]]
            return _Shifted(top, [], None, None, tied)
    zk = zs[top]
    exps: list[Value | None] = [None if i == top else (z - zk).exp() for i, z in enumerate(zs)]
    others = [e for e in exps if e is not None]
    total = _sum(others) if others else None
    return _Shifted(top, exps, total, None if total is None else _log1p(total), None)


def logsumexp(logits: Sequence[Scalar]) -> Value:
    """``log Σ exp(zᵢ)``, computed as ``zₖ + log(1 + Σ_{j≠k} exp(zⱼ − zₖ))``
    around the largest logit ``zₖ``: no exponential overflows and a small sum
    keeps its digits. With infinite logits it gives the limits: +inf if one is
    +inf, -inf if all are -inf (the gradient then shares 1 among the tied
    logits, as the softmax does); a NaN gives NaN.

    >>> round(logsumexp([Value(1000.0), Value(1000.0)]).data - 1000.0, 6)
    0.693147
    >>> logsumexp([Value(float("inf")), Value(0.0)]).data
    inf
    """
    zs = _logit_values(logits, "logsumexp")
    shifted = _shift(zs)
    if shifted.tied is not None:
        return _mean([zs[i] for i in shifted.tied])
    top = zs[shifted.top]
    return top if shifted.rest is None else top + shifted.rest


def _log_softmax(zs: list[Value], op: str) -> Callable[[int], Value]:
    shifted = _shift(zs)
    if shifted.tied is not None:  # the limits, as constants: no gradient at infinity
        share = -math.log(len(shifted.tied))
        tied = set(shifted.tied)
        return lambda i: constant(share if i in tied else -math.inf, op)
    k, top, rest = shifted.top, zs[shifted.top], shifted.rest
    if rest is None:
        return lambda i: zs[i] - top
    # zₖ − zₖ is left out for the top logit: its ±1 gradient terms would cancel
    # against the tiny ones of rest in the sum and lose them.
    return lambda i: -rest if i == k else (zs[i] - top) - rest


def log_softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``zᵢ - logsumexp(z)`` for each logit: the log-probabilities, computed as
    ``(zᵢ − zₖ) − log(1 + Σ_{j≠k} exp(zⱼ − zₖ))`` so that the dominant logit's
    tiny log-probability keeps its digits. Where a logit is +inf (or all are
    -inf) the result is the limit, ``−log(number tied)`` for the tied logits
    and -inf for the others, as constants.

    >>> [round(v.data, 6) for v in log_softmax([Value(0.0), Value(0.0)])]
    [-0.693147, -0.693147]
    """
    zs = _logit_values(logits, "log_softmax")
    at = _log_softmax(zs, "log_softmax")
    return [at(i) for i in range(len(zs))]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``exp(zᵢ − zₖ) / (1 + Σ_{j≠k} exp(zⱼ − zₖ))`` with ``zₖ`` the largest
    logit: the probabilities, summing to 1, without overflow, each to a few
    ulps (``exp(log_softmax)`` would not be: exp turns the absolute error of a
    large log-probability into a relative one). Where a logit is +inf (or all
    are -inf), the limits, as constants.

    >>> [round(p.data, 3) for p in softmax([Value(1000.0), Value(999.0)])]
    [0.731, 0.269]
    """
    zs = _logit_values(logits, "softmax")
    shifted = _shift(zs)
    if shifted.tied is not None:
        share = 1.0 / len(shifted.tied)
        return [constant(share if i in shifted.tied else 0.0, "softmax") for i in range(len(zs))]
    if shifted.total is None:  # one logit: probability 1, gradient 0
        return [(zs[0] - zs[0]).exp()]
    denominator = shifted.total + 1.0
    return [1.0 / denominator if e is None else e / denominator for e in shifted.exps]


def cross_entropy(logits: Sequence[Sequence[Scalar]], labels: Sequence[int]) -> Value:
    """Softmax cross-entropy, averaged over examples: ``logits[i]`` is the
    list of class scores of example ``i`` and ``labels[i]`` its class index.
    Per example it is ``−log_softmax(z)[label]``, which never overflows and
    keeps its digits when the label's logit dominates.

    >>> round(cross_entropy([[Value(0.0), Value(0.0)]], [1]).data, 6)  # log 2
    0.693147
    """
    _check_batch(logits, labels, "cross_entropy")
    terms = []
    for z, y in zip(logits, labels):
        zs = _logit_values(z, "cross_entropy")
        terms.append(-_log_softmax(zs, "cross_entropy")(_class_label(y, len(zs), "cross_entropy")))
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
    margin = real_number(margin, "multiclass_hinge", "margin")
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


# ------------------------------------------------------------------ records
Outputs = Sequence[Sequence[Value]]


def _class_index(label: object) -> int | None:
    """The class a label stands for when no loss says otherwise: an integer
    class index, -1 counting as class 0 (the hinge's negative class)."""
    value = real_number(label, "accuracy", "a class label")
    if not value.is_integer() or value < -1:
        raise DomainError("accuracy", label, f"expected an int class label, got {label!r}")
    return 0 if value == -1 else int(value)


def _no_class(label: object) -> int | None:
    return None


@dataclass(frozen=True)
class Loss:
    """One loss, everything training needs to know about it.

    Attributes:
        name: how :func:`~autograd_scalar.nn.train.fit` asks for it.
        batch: ``(outputs, labels) -> Value``, the mean loss of a batch, where
            ``outputs[i]`` is the network's list of outputs for example ``i``.
        example: the loss of one example as ``(output, target) -> Value`` for a
            one-output network, written without a Python branch on the data so
            that the vectorised replay can record it (``None``: not replayable).
        target: ``label -> float``, the number ``example`` takes as its target
            (checking the label).
        threshold: the decision rule for one output: class 1 where the output
            exceeds it (0 for scores and logits, ½ for a squared error on 0/1
            targets); several outputs mean the class of the largest.
        label_class: ``label -> int | None``, the class a label stands for
            (``None``: a target with no class, such as 0.3 for a regression).
        right_below: with ``example``, the per-example loss below which the
            example is classified right (hinge: t·s > 0 ⇔ loss < 1), so the
            replay counts accuracy from the losses alone.
    """

    name: str
    batch: Callable[[Outputs, Sequence[Any]], Value]
    example: Callable[[Value, Value], Value] | None = None
    target: Callable[[object], float] | None = None
    threshold: float = 0.0
    label_class: Callable[[object], int | None] = _class_index
    right_below: float | None = None

    def predict(self, scores: Sequence[float]) -> int:
        """The class the outputs ``scores`` of one example predict."""
        if len(scores) == 1:
            return int(scores[0] > self.threshold)
        return max(range(len(scores)), key=scores.__getitem__)

    def correct(self, outputs: Outputs, labels: Sequence[Any]) -> int | None:
        """How many examples ``outputs`` classify right, or ``None`` where a
        label has no class."""
        classes = [self.label_class(label) for label in labels]
        if any(c is None for c in classes):
            return None
        return sum(self.predict([v.data for v in out]) == c for out, c in zip(outputs, classes))


def _single_outputs(outputs: Outputs, name: str) -> list[Value]:
    for out in outputs:
        if len(out) != 1:
            raise ShapeError(
                name, len(out), f"loss {name!r} expects a network with 1 output, got {len(out)}"
            )
    return [out[0] for out in outputs]


def _sign_of(name: str, allowed: tuple[float, ...]) -> Callable[[object], float]:
    """label -> the target sign t = ±1 of the binary losses' per-example forms."""
    return lambda label: 1.0 if _binary_label(label, name, allowed) == 1.0 else -1.0


def _binary_class(name: str, allowed: tuple[float, ...]) -> Callable[[object], int | None]:
    return lambda label: int(_binary_label(label, name, allowed) == 1.0)


def _regression_class(target: object) -> int | None:
    """A 0/1 target is a class, and so is a one-hot list (the index of its 1)."""
    if isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        values = [real_number(t, "accuracy", "a target") for t in target]
        return max(range(len(values)), key=values.__getitem__) if len(values) > 1 else None
    value = real_number(target, "accuracy", "a target")
    return int(value) if value in (0.0, 1.0) else None


def _mse_batch(name: str, convention: str) -> Callable[[Outputs, Sequence[Any]], Value]:
    def batch(outputs: Outputs, labels: Sequence[Any]) -> Value:
        # a number target for one output, or a list of targets per example
        flat_out: list[Value] = []
        flat_y: list[Any] = []
        for out, target in zip(outputs, labels):
            targets = list(target) if isinstance(target, Sequence) else [target]
            if len(targets) != len(out):
                raise ShapeError(
                    name, len(out),
                    f"loss {name!r}: expected {len(targets)} network outputs per example "
                    f"(the target's length), got {len(out)}",
                )  # fmt: skip
            flat_out.extend(out)
            flat_y.extend(targets)
        return mse(flat_out, flat_y, convention=convention)

    return batch


def _squared(scale: float) -> Callable[[Value, Value], Value]:
    def example(out: Value, t: Value) -> Value:
        diff = out - t
        return diff * diff * scale if scale != 1.0 else diff * diff

    return example


_BINARY = (0.0, 1.0)
_SIGNED = (0.0, 1.0, -1.0)

_TABLE = (
    Loss(
        "hinge",
        lambda outputs, labels: hinge(_single_outputs(outputs, "hinge"), labels),
        example=lambda s, t: _hinge_term(s, t, 1.0),
        target=_sign_of("hinge", _SIGNED),
        label_class=_binary_class("hinge", _SIGNED),
        right_below=1.0,  # max(0, 1 − t·s) < 1 ⇔ t·s > 0
    ),
    Loss(
        "bce",
        lambda outputs, labels: binary_cross_entropy_with_logits(
            _single_outputs(outputs, "bce"), labels
        ),
        example=_bce_term,
        target=_sign_of("bce", _BINARY),
        label_class=_binary_class("bce", _BINARY),
        right_below=math.log(2.0),  # softplus(−t·z) < ln 2 ⇔ t·z > 0
    ),
    Loss("cross_entropy", lambda outputs, labels: cross_entropy(outputs, labels)),
    Loss("multiclass_hinge", lambda outputs, labels: multiclass_hinge(outputs, labels)),
    Loss(
        "mse",
        _mse_batch("mse", "mean"),
        example=_squared(1.0),
        target=lambda y: real_number(y, "mse", "a regression target"),
        threshold=0.5,
        label_class=_regression_class,
        right_below=0.25,  # (a − y)² < ¼ ⇔ a on the label's side of ½, for y ∈ {0, 1}
    ),
    Loss(
        "mse_half",
        _mse_batch("mse_half", "half"),
        example=_squared(0.5),
        target=lambda y: real_number(y, "mse_half", "a regression target"),
        threshold=0.5,
        label_class=_regression_class,
        right_below=0.125,
    ),
)

#: Every loss :func:`~autograd_scalar.nn.train.fit` knows, by name (read-only).
LOSSES: Mapping[str, Loss] = MappingProxyType({loss.name: loss for loss in _TABLE})


def loss_named(
    loss: str | Loss | Callable[[Outputs, Sequence[Any]], Value], op: str = "fit"
) -> Loss:
    """The record for ``loss``: a name from :data:`LOSSES`, a :class:`Loss`, or
    a function ``(outputs, labels) -> Value`` over a batch (a record with no
    per-example form and no notion of class).

    >>> loss_named("bce").right_below == math.log(2)
    True
    >>> print(loss_named(lambda outputs, labels: outputs[0][0]).correct([[Value(1.0)]], [1]))
    None
    """
    if isinstance(loss, Loss):
        return loss
    if callable(loss):
        return Loss(getattr(loss, "__name__", "custom"), loss, label_class=_no_class)
    return LOSSES[choice(loss, LOSSES, op, "loss")]
