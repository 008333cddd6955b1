"""Training loop: :func:`fit` with a progress bar, a history, and Ctrl-C.

>>> from autograd_scalar.datasets import make_xor
>>> from autograd_scalar.nn import MLP
>>> X, y = make_xor(40, seed=0)
>>> model = MLP(2, [8, 1], activation="tanh", seed=0)
>>> history = fit(model, X, y, loss="hinge", epochs=60, progress=False)
>>> history.epochs, history.interrupted
(60, False)
>>> history.loss[-1] < history.loss[0]
True
"""

from __future__ import annotations

import math
import numbers
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from ..core.errors import DomainError, InvalidInputError, ShapeError
from ..core.modes import no_grad
from ..core.value import Value
from .losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2_penalty,
    mse,
    multiclass_hinge,
)
from .optim import SGD, Optimizer

__all__ = ["LOSSES", "History", "Model", "ProgressBar", "accuracy", "fit", "predict"]

#: The loss names :func:`fit` understands.
LOSSES = ("hinge", "bce", "cross_entropy", "multiclass_hinge", "mse", "mse_half")
_BINARY = ("hinge", "bce")
_MULTICLASS = ("cross_entropy", "multiclass_hinge")


class Model(Protocol):
    """What :func:`fit` trains: called on one input, gives a list of outputs."""

    def __call__(self, x: Sequence[Any]) -> list[Value]: ...

    def parameters(self) -> list[Value]: ...


# ---------------------------------------------------------------- progress bar
class ProgressBar:
    """A dependency-free progress bar.

    On a terminal it redraws one line (at most ``1/min_interval`` times a
    second); elsewhere (a CI log, a file) it writes a full line at every 10%
    of progress, so a log gets about ten lines rather than thousands.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(4, stream=out, desc="demo", width=8)
    >>> for _ in range(4):
    ...     bar.update(loss=0.5)
    >>> bar.close()
    >>> out.getvalue().splitlines()[-1].split("]")[0]
    'demo 4/4 [########'
    """

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        desc: str = "",
        width: int = 24,
        min_interval: float = 0.1,
    ) -> None:
        self.total = max(int(total), 1)
        self.stream = stream if stream is not None else sys.stderr
        self.desc = desc
        self.width = width
        self.min_interval = min_interval
        isatty = getattr(self.stream, "isatty", None)
        self.interactive = bool(isatty and isatty())
        self.n = 0
        self.postfix: dict[str, object] = {}
        self._start = time.perf_counter()
        self._last_draw = -math.inf
        self._next_milestone = 1
        self._closed = False

    def update(self, n: int = 1, **postfix: object) -> None:
        """Advance by ``n`` and show ``postfix`` (e.g. ``loss=0.12``)."""
        self.n = min(self.n + n, self.total)
        self.postfix.update(postfix)
        now = time.perf_counter()
        if self.interactive:
            if now - self._last_draw >= self.min_interval or self.n == self.total:
                self._last_draw = now
                self.stream.write("\r" + self.line() + "\x1b[K")
                self.stream.flush()
        elif self.n * 10 >= self._next_milestone * self.total:
            while self.n * 10 >= self._next_milestone * self.total:
                self._next_milestone += 1
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        """The current state as one line of text."""
        filled = self.width * self.n // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self._start
        parts = [f"{self.desc} " if self.desc else ""]
        parts.append(f"{self.n}/{self.total} [{bar}] {100 * self.n // self.total:3d}%")
        for key, value in self.postfix.items():
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            parts.append(f" {key} {shown}")
        parts.append(f" {elapsed:.1f}s")
        return "".join(parts)

    def close(self) -> None:
        """Finish the line (on a terminal)."""
        if self._closed:
            return
        self._closed = True
        if self.interactive:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()


# ---------------------------------------------------------------------- history
@dataclass
class History:
    """What :func:`fit` records, one entry per completed epoch.

    Attributes:
        loss: the mean training loss of each epoch (regulariser included).
        accuracy: the training accuracy of each epoch, measured on the
            forward passes of that epoch (None when the loss is not a
            classification loss).
        lr: the learning rate used in each epoch's last step.
        epochs: how many epochs completed.
        interrupted: True when Ctrl-C stopped training early; the parameters
            keep what was learned until then.
        seconds: wall time of the training.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epochs: int = 0
    interrupted: bool = False
    seconds: float = 0.0


# ----------------------------------------------------------------- prediction
def predict(model: Model, X: Sequence[Sequence[Any]], *, threshold: float = 0.0) -> list[int]:
    """Class predictions: for a one-output model, 1 where the output exceeds
    ``threshold`` (0 for scores and logits, 0.5 for a sigmoid output), else
    0; for several outputs, the index of the largest."""
    out = []
    with no_grad():
        for x in X:
            scores = [v.data for v in model(x)]
            if len(scores) == 1:
                out.append(int(scores[0] > threshold))
            else:
                out.append(max(range(len(scores)), key=scores.__getitem__))
    return out


def accuracy(
    model: Model, X: Sequence[Sequence[Any]], y: Sequence[int], *, threshold: float = 0.0
) -> float:
    """The fraction of examples whose :func:`predict` class equals the label
    (a label -1 counts as class 0, as in :func:`~autograd_scalar.losses.hinge`)."""
    _check_data(X, y, "accuracy")
    predicted = predict(model, X, threshold=threshold)
    return sum(p == _class_of(t) for p, t in zip(predicted, y)) / len(y)


def _class_of(label: object) -> int:
    return 0 if label == -1 else label  # type: ignore[return-value]


# ------------------------------------------------------------------------ fit
LossFn = Callable[[list[list[Value]], Sequence[Any]], Value]


def _check_data(X: Sequence[Any], y: Sequence[Any], op: str) -> None:
    if len(X) == 0:
        raise ShapeError(op, 0, "expected a non-empty dataset, got 0 examples")
    if len(X) != len(y):
        raise ShapeError(
            op, (len(X), len(y)),
            f"expected as many labels as examples, got {len(X)} examples and {len(y)} labels",
        )  # fmt: skip


def _single_outputs(outputs: list[list[Value]], loss: str) -> list[Value]:
    for out in outputs:
        if len(out) != 1:
            raise ShapeError(
                "fit", len(out), f"loss {loss!r} expects a network with 1 output, got {len(out)}"
            )
    return [out[0] for out in outputs]


def _loss_value(kind: str | LossFn, outputs: list[list[Value]], labels: Sequence[Any]) -> Value:
    if callable(kind):
        return kind(outputs, labels)
    if kind == "hinge":
        return hinge(_single_outputs(outputs, kind), labels)
    if kind == "bce":
        return binary_cross_entropy_with_logits(_single_outputs(outputs, kind), labels)
    if kind == "cross_entropy":
        return cross_entropy(outputs, labels)
    if kind == "multiclass_hinge":
        return multiclass_hinge(outputs, labels)
    # mse: a number target for one output, or a list of targets per example
    flat_out: list[Value] = []
    flat_y: list[Any] = []
    for out, target in zip(outputs, labels):
        targets = list(target) if isinstance(target, Sequence) else [target]
        if len(targets) != len(out):
            raise ShapeError(
                "fit", len(out),
                f"loss {kind!r}: expected {len(targets)} network outputs per example "
                f"(the target's length), got {len(out)}",
            )  # fmt: skip
        flat_out.extend(out)
        flat_y.extend(targets)
    return mse(flat_out, flat_y, convention="half" if kind == "mse_half" else "mean")


def _correct(kind: str | LossFn, outputs: list[list[Value]], labels: Sequence[Any]) -> int | None:
    """How many examples the outputs classify right, or None if the loss has
    no notion of class."""
    if callable(kind):
        return None
    correct = 0
    for out, label in zip(outputs, labels):
        scores = [v.data for v in out]
        if kind in _BINARY:
            correct += int((scores[0] > 0.0) == (label == 1))
        elif kind in _MULTICLASS:
            correct += int(max(range(len(scores)), key=scores.__getitem__) == label)
        elif isinstance(label, Sequence):  # mse on one-hot targets
            if len(scores) < 2:
                return None
            target = list(label)
            best = max(range(len(scores)), key=scores.__getitem__)
            correct += int(best == max(range(len(target)), key=target.__getitem__))
        elif label in (0, 1) and len(scores) == 1:  # mse on a 0/1 target: threshold 0.5
            correct += int((scores[0] > 0.5) == (label == 1))
        else:
            return None
    return correct


def _check_real(x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InvalidInputError("fit", x, f"{name} must be a real number, got {x!r}")
    return float(x)


def _check_positive_int(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise DomainError("fit", n, f"{name} must be a positive int, got {n!r}")
    return n


class _Replayed:
    """fit's vectorised path: the loss of one example, recorded once and
    replayed over each batch (see :mod:`autograd_scalar.vectorize`).

    The per-example losses are written without a branch on the data (a
    replayed graph cannot branch), labels enter as numbers: the hinge's sign
    t = ±1, the cross-entropy's y ∈ {0, 1}, the regression target. Whether an
    example is classified right follows from its loss alone, so accuracy needs
    no second pass: hinge (margin 1) loss < 1 ⇔ t·s > 0; cross-entropy
    loss < ln 2 ⇔ the logit has the label's sign; squared error on a 0/1
    target < 1/4 ⇔ the output is on the label's side of 1/2.
    """

    def __init__(self, model: Model, kind: str | LossFn, X: Sequence[Any], y: Sequence[Any]):
        from .. import vectorize

        if callable(kind) or kind not in _REPLAYABLE:
            raise DomainError(
                "fit",
                kind,
                f"vectorized=True supports the losses {', '.join(_REPLAYABLE)}, got {kind!r}",
            )
        np = vectorize.numpy_module()
        self.kind = kind
        self.X = np.asarray(X, dtype=float)
        targets = [self._target(label) for label in y]
        self.y = np.asarray(targets, dtype=float)
        self.threshold = {"hinge": 1.0, "bce": math.log(2.0)}.get(kind)
        if kind in ("mse", "mse_half") and set(targets) <= {0.0, 1.0}:
            self.threshold = 0.25 if kind == "mse" else 0.125
        out = model(list(self.X[0]))
        if len(out) != 1:
            raise ShapeError(
                "fit", len(out), f"vectorized=True expects a network with 1 output, got {len(out)}"
            )

        def example_loss(x: list[Value], t: Value) -> Value:
            return _replayable_loss(kind, model(x)[0], t)

        self.recording = vectorize.record(
            example_loss, list(self.X[0]), float(self.y[0]), params=model.parameters()
        )

    def _target(self, label: object) -> float:
        if self.kind == "hinge":
            return 1.0 if _binary_number(label, self.kind) == 1.0 else -1.0
        if self.kind == "bce":
            value = _binary_number(label, self.kind)
            if value not in (0.0, 1.0):
                raise InvalidInputError(
                    "fit", label, f"loss 'bce' expects labels 0 or 1, got {label!r}"
                )
            return value
        return _check_real(label, "a regression target")

    def loss_and_grad(self, batch: list[int]) -> tuple[float, int | None]:
        """The batch's mean loss, its gradient added into the parameters'
        ``grad``, and how many examples are classified right (or None)."""
        replay = self.recording.run(self.X[batch], self.y[batch], reduce="mean")
        for p, g in zip(self.recording.params, replay.grads.tolist()):
            p.grad += g
        right = None if self.threshold is None else int((replay.values < self.threshold).sum())
        return float(replay.values.mean()), right


_REPLAYABLE = ("hinge", "bce", "mse", "mse_half")


def _binary_number(label: object, kind: str) -> float:
    if isinstance(label, bool) or label not in (0, 1, -1):
        raise InvalidInputError("fit", label, f"loss {kind!r} expects labels 0 or 1, got {label!r}")
    return float(label)


def _replayable_loss(kind: str, out: Value, t: Value) -> Value:
    """One example's loss, without a Python branch on its data."""
    if kind == "hinge":
        return (1.0 - out * t).relu()
    if kind == "bce":  # softplus(z) - z·y, softplus(z) = relu(z) + ln(1 + e^-|z|)
        return out.relu() + ((-abs(out)).exp() + 1.0).log() - out * t
    diff = out - t
    return diff * diff * (0.5 if kind == "mse_half" else 1.0)


def fit(
    model: Model,
    X: Sequence[Sequence[Any]],
    y: Sequence[Any],
    *,
    loss: str | LossFn = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 1e-4,
    lr_schedule: Callable[[int], float] | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
    seed: int = 0,
    callback: Callable[[int, History], None] | None = None,
    vectorized: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` and return the :class:`History`.

    Args:
        model: e.g. an :class:`~autograd_scalar.nn.MLP`.
        X, y: the inputs and their labels (targets for ``mse``).
        loss: one of :data:`LOSSES` (``"hinge"`` and ``"bce"`` take labels 0/1
            and a one-output network, ``"cross_entropy"`` and
            ``"multiclass_hinge"`` class indices, ``"mse"`` /
            ``"mse_half"`` numbers or lists of numbers), or a function
            ``(outputs, labels) -> Value`` over a batch.
        optimizer: defaults to ``SGD(model.parameters(), lr=0.1, momentum=0.9)``.
        epochs: passes over the data.
        batch_size: examples per step; None means the whole dataset.
        l2: λ of the regulariser ``λ·½Σθ²`` added to the loss (0 for none).
        lr_schedule: ``epoch -> learning rate``, set before each epoch.
        progress: show a :class:`ProgressBar` (on ``stream``, default stderr).
        seed: shuffles the minibatches.
        callback: called as ``callback(epoch, history)`` after each epoch.
        vectorized: record the per-example loss once and replay it over each
            batch with NumPy (:mod:`autograd_scalar.vectorize`, the
            ``vectorize`` extra) instead of building a scalar graph per
            example: the same gradients, hundreds of times faster. For the
            losses ``"hinge"``, ``"bce"``, ``"mse"`` and ``"mse_half"`` on a
            one-output network.

    Ctrl-C (KeyboardInterrupt) stops training: the parameters keep what was
    learned up to the last completed step (a step cut short is undone),
    ``history.interrupted`` is True, and the history is returned rather than
    the exception raised.
    """
    _check_data(X, y, "fit")
    if not (callable(loss) or loss in LOSSES):
        raise DomainError("fit", loss, f"loss must be one of {', '.join(LOSSES)} or a function")
    epochs = _check_positive_int(epochs, "epochs")
    n = len(X)
    size = n if batch_size is None else min(_check_positive_int(batch_size, "batch_size"), n)
    l2 = _check_real(l2, "l2")
    if not (math.isfinite(l2) and l2 >= 0.0):
        raise DomainError("fit", l2, f"l2 must be a finite number ≥ 0, got {l2!r}")
    params = model.parameters()
    opt = optimizer if optimizer is not None else SGD(params, lr=0.1, momentum=0.9)
    replay = _Replayed(model, loss, X, y) if vectorized else None

    history = History()
    rng = random.Random(seed)
    stepping = False
    before: list[float] = []
    order = list(range(n))
    bar = ProgressBar(epochs, stream=stream, desc="training") if progress else None
    start = time.perf_counter()
    try:
        for epoch in range(epochs):
            if lr_schedule is not None:
                opt.lr = lr_schedule(epoch)
            if size < n:
                rng.shuffle(order)
            total_loss = 0.0
            correct: int | None = 0
            for first in range(0, n, size):
                batch = order[first : first + size]
                opt.zero_grad()
                if replay is not None:
                    data_loss, right = replay.loss_and_grad(batch)
                    value = Value(data_loss)
                    if l2:
                        penalty = l2 * l2_penalty(params)
                        penalty.backward()
                        value = value + penalty.data
                else:
                    outputs = [model(X[i]) for i in batch]
                    labels = [y[i] for i in batch]
                    value = _loss_value(loss, outputs, labels)
                    if l2:
                        value = value + l2 * l2_penalty(params)
                    value.backward()
                    right = _correct(loss, outputs, labels)
                # A Ctrl-C in the middle of step() would leave some parameters
                # updated and others not: keep the values to undo it.
                before = [p.data for p in opt.params]
                stepping = True
                opt.step()
                stepping = False
                total_loss += value.data * len(batch)
                correct = None if right is None or correct is None else correct + right
            history.loss.append(total_loss / n)
            history.accuracy.append(None if correct is None else correct / n)
            history.lr.append(opt.lr)
            history.epochs = epoch + 1
            if bar is not None:
                shown: dict[str, object] = {"loss": history.loss[-1]}
                if correct is not None:
                    shown["acc"] = f"{100 * correct / n:.1f}%"
                bar.postfix.update(shown)
                bar.update()
            if callback is not None:
                callback(epoch, history)
    except KeyboardInterrupt:
        history.interrupted = True
        if stepping:  # back to the parameters of the last whole step
            for p, data in zip(opt.params, before):
                p.data = data
        if bar is not None:
            bar.stream.write("\ninterrupted: keeping the parameters learned so far\n")
    finally:
        history.seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
    return history
