"""Training loop: :func:`fit` with a progress bar, a history, and Ctrl-C.

The progress bar is tqdm's (``tqdm.auto``: a widget in Jupyter where
``ipywidgets`` is installed, a text bar elsewhere) when ``tqdm`` is installed
(the ``progress`` extra), else the plain :class:`ProgressBar` of this module.

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

import contextlib
import math
import random
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TextIO

from ..core import Value, no_grad
from ..core.checks import non_negative, positive_int, real_number, same_length
from ..core.collector import hold_collector
from ..core.errors import DomainError, ShapeError
from .losses import LOSSES, Loss, l2_penalty, loss_named
from .optim import SGD, Optimizer

__all__ = [
    "LOSSES",
    "History",
    "Model",
    "Progress",
    "ProgressBar",
    "accuracy",
    "fit",
    "predict",
    "progress_bar",
]


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

    def set_postfix(self, values: dict[str, object]) -> None:
        """Show ``values`` from the next update on (tqdm's method of that name)."""
        self.postfix.update(values)

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


class Progress(Protocol):
    """What :func:`fit` needs of a progress bar: tqdm's and :class:`ProgressBar` have it."""

    def set_postfix(self, values: dict[str, object]) -> Any: ...

    def update(self, n: int = 1) -> Any: ...

    def close(self) -> Any: ...


def progress_bar(total: int, stream: TextIO | None = None, desc: str = "training") -> Progress:
    """A bar of ``total`` steps on ``stream`` (default stderr): tqdm's
    (``tqdm.auto``) when tqdm is installed, else a :class:`ProgressBar`."""
    try:
        with warnings.catch_warnings():
            # In Jupyter without ipywidgets, tqdm.auto warns and draws text: that is fine here.
            warnings.filterwarnings("ignore", message="IProgress not found")
            from tqdm.auto import tqdm
    except ImportError:
        return ProgressBar(total, stream=stream, desc=desc)
    bar: Progress = tqdm(total=total, desc=desc, unit="epoch", file=stream, dynamic_ncols=True)
    return bar


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
def predict(
    model: Model,
    X: Sequence[Sequence[Any]],
    *,
    threshold: float | None = None,
    loss: str | Loss | None = None,
) -> list[int]:
    """Class predictions by the decision rule of ``loss`` (a name from
    :data:`LOSSES`; by default that of scores and logits): for a one-output
    model, 1 where the output exceeds the threshold (0 for scores and logits,
    0.5 for ``"mse"`` on 0/1 targets; ``threshold`` overrides it), else 0; for
    several outputs, the index of the largest."""
    rule = _decision(loss, threshold, "predict")
    with no_grad():
        return [rule.predict([v.data for v in model(x)]) for x in X]


def accuracy(
    model: Model,
    X: Sequence[Sequence[Any]],
    y: Sequence[Any],
    *,
    threshold: float | None = None,
    loss: str | Loss | None = None,
) -> float:
    """The fraction of examples whose :func:`predict` class is the class of
    their label, both by the decision rule of ``loss`` (by default: labels
    are class indices, -1 counting as class 0 as in
    :func:`~autograd_scalar.nn.losses.hinge`)."""
    same_length(X, y, "accuracy")
    rule = _decision(loss, threshold, "accuracy")
    with no_grad():
        outputs = [model(x) for x in X]
    right = rule.correct(outputs, y)
    if right is None:
        raise DomainError(
            "accuracy", rule.name, f"loss {rule.name!r}: a label has no class, so no accuracy"
        )
    return right / len(y)


# The decision rule of scores and logits, for predict/accuracy without a loss.
_SCORES = Loss("scores", LOSSES["hinge"].batch)


def _decision(loss: str | Loss | None, threshold: float | None, op: str) -> Loss:
    rule = _SCORES if loss is None else loss_named(loss, op)
    if threshold is not None:
        rule = replace(rule, threshold=real_number(threshold, op, "threshold"))
    return rule


# ------------------------------------------------------------------------ fit
LossFn = Callable[[Sequence[Sequence[Value]], Sequence[Any]], Value]


class _Replayed:
    """fit's vectorised path: the loss of one example, recorded once and
    replayed over each batch (see :mod:`autograd_scalar.vectorize`).

    The loss record's per-example form is written without a branch on the data
    (a replayed graph cannot branch); labels enter as the numbers its
    ``target`` gives (the binary losses' sign t = ±1, the regression target).
    Whether an example is classified right follows from its loss alone
    (``right_below``), so accuracy needs no second pass.
    """

    def __init__(self, model: Model, loss: Loss, X: Sequence[Any], y: Sequence[Any]):
        from .. import vectorize

        example = loss.example
        if example is None or loss.target is None:
            replayable = ", ".join(name for name, r in LOSSES.items() if r.example is not None)
            raise DomainError(
                "fit",
                loss.name,
                f"vectorized=True supports the losses {replayable}, got {loss.name!r}",
            )
        np = vectorize.numpy_module()
        self.X = np.asarray(X, dtype=float)
        targets = [loss.target(label) for label in y]
        self.y = np.asarray(targets, dtype=float)
        has_classes = loss.right_below is not None and all(
            loss.label_class(label) is not None for label in y
        )
        self.threshold = loss.right_below if has_classes else None
        out = model(list(self.X[0]))
        if len(out) != 1:
            raise ShapeError(
                "fit", len(out), f"vectorized=True expects a network with 1 output, got {len(out)}"
            )

        def example_loss(x: list[Value], t: Value) -> Value:
            return example(model(x)[0], t)

        self.recording = vectorize.record(
            example_loss, list(self.X[0]), float(self.y[0]), params=model.parameters()
        )
        self.one_blas_thread = _one_blas_thread()

    def loss_and_grad(self, batch: list[int]) -> tuple[float, int | None]:
        """The batch's mean loss, its gradient added into the parameters'
        ``grad``, and how many examples are classified right (or None)."""
        with self.one_blas_thread():
            replay = self.recording.run(self.X[batch], self.y[batch], reduce="mean")
        for p, g in zip(self.recording.params, replay.grads.tolist()):
            p.grad += g
        right = None if self.threshold is None else int((replay.values < self.threshold).sum())
        return float(replay.values.mean()), right


def _one_blas_thread() -> Callable[[], contextlib.AbstractContextManager[Any]]:
    """A context that keeps BLAS (NumPy's OpenBLAS, MKL...) to one thread.

    The replay's matrix products are small (a layer's weights times a batch):
    more BLAS threads buy nothing, and on a busy machine they fight over the
    cores (5,000 moons, 300 epochs, on a loaded 2-core machine: 29 s with
    OpenBLAS's default threads, 3 s with one). threadpoolctl (the
    ``vectorize`` extra) sets the limit and puts it back; without it, no limit.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return contextlib.nullcontext
    controller = ThreadpoolController()  # once: it looks the libraries up (ms); limit() is µs
    return lambda: controller.limit(limits=1, user_api="blas")


def fit(
    model: Model,
    X: Sequence[Sequence[Any]],
    y: Sequence[Any],
    *,
    loss: str | Loss | LossFn = "hinge",
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
        loss: a name from :data:`LOSSES` (``"hinge"`` and ``"bce"`` take labels
            0/1 and a one-output network, ``"cross_entropy"`` and
            ``"multiclass_hinge"`` class indices, ``"mse"`` /
            ``"mse_half"`` numbers or lists of numbers), a
            :class:`~autograd_scalar.nn.losses.Loss` record, or a function
            ``(outputs, labels) -> Value`` over a batch.
        optimizer: defaults to ``SGD(model.parameters(), lr=0.1, momentum=0.9)``.
        epochs: passes over the data.
        batch_size: examples per step; None means the whole dataset.
        l2: λ of the regulariser ``λ·½Σθ²`` added to the loss (0 for none).
        lr_schedule: ``epoch -> learning rate``, set before each epoch.
        progress: show a progress bar (on ``stream``, default stderr): tqdm's
            where tqdm is installed, else a :class:`ProgressBar`
            (:func:`progress_bar`).
        seed: shuffles the minibatches.
        callback: called as ``callback(epoch, history)`` after each epoch.
        vectorized: record the per-example loss once and replay it over each
            batch with NumPy (:mod:`autograd_scalar.vectorize`, the
            ``vectorize`` extra) instead of building a scalar graph per
            example: the same gradients, hundreds of times faster. For the
            losses ``"hinge"``, ``"bce"``, ``"mse"`` and ``"mse_half"`` on a
            one-output network. The replay runs with one BLAS thread
            (threadpoolctl, where installed): its matrix products are small.

    While it trains, the cyclic garbage collector is held
    (:func:`~autograd_scalar.core.collector.hold_collector`): it starts no
    collection in the middle of a step; the thresholds are restored on return.

    Ctrl-C (KeyboardInterrupt) stops training: the parameters keep what was
    learned up to the last completed step (a step cut short is undone),
    ``history.interrupted`` is True, and the history is returned rather than
    the exception raised.
    """
    n = same_length(X, y, "fit")
    record = loss_named(loss, "fit")
    epochs = positive_int(epochs, "fit", "epochs")
    size = n if batch_size is None else min(positive_int(batch_size, "fit", "batch_size"), n)
    l2 = non_negative(l2, "fit", "l2")
    params = model.parameters()
    opt = optimizer if optimizer is not None else SGD(params, lr=0.1, momentum=0.9)
    replay = _Replayed(model, record, X, y) if vectorized else None

    history = History()
    rng = random.Random(seed)
    stepping = False
    before: list[float] = []
    order = list(range(n))
    bar = progress_bar(epochs, stream) if progress else None
    start = time.perf_counter()
    with hold_collector():  # our graphs make no cycles: see core.collector
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
                        value = record.batch(outputs, labels)
                        if l2:
                            value = value + l2 * l2_penalty(params)
                        value.backward()
                        right = record.correct(outputs, labels)
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
                    bar.set_postfix(shown)
                    bar.update()
                if callback is not None:
                    callback(epoch, history)
        except KeyboardInterrupt:
            history.interrupted = True
            if stepping:  # back to the parameters of the last whole step
                for p, data in zip(opt.params, before):
                    p.data = data
        finally:
            history.seconds = time.perf_counter() - start
            if bar is not None:
                bar.close()  # first, so that the message below starts a line of its own
                if history.interrupted:
                    out = stream if stream is not None else sys.stderr
                    out.write("interrupted: keeping the parameters learned so far\n")
                    out.flush()
    return history
