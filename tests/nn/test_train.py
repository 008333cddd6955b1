"""Tests of autograd_scalar.train: fit, history, Ctrl-C, progress bar."""

from __future__ import annotations

import gc
import io
import sys
import weakref

import pytest

from autograd_scalar.core.collector import HELD_THRESHOLD, is_collector_held
from autograd_scalar.core.errors import DomainError, InvalidInputError, ShapeError
from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP
from autograd_scalar.nn.datasets import make_blobs, make_xor
from autograd_scalar.nn.losses import mse
from autograd_scalar.nn.optim import SGD, Adam
from autograd_scalar.nn.train import History, ProgressBar, accuracy, fit, predict

# four points, linearly separable by x1 + x2 > 0
X4 = [[1.0, 1.0], [2.0, -0.5], [-1.0, -1.0], [-0.5, -2.0]]
Y4 = [1, 1, 0, 0]


def snapshot(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("loss", ["hinge", "bce"])
def test_fit_learns_a_separable_problem(loss: str) -> None:
    model = MLP(2, [1], seed=0)
    history = fit(model, X4, Y4, loss=loss, epochs=30, progress=False)
    assert history.epochs == len(history.loss) == len(history.accuracy) == 30
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] == 1.0
    assert accuracy(model, X4, Y4) == 1.0
    assert predict(model, X4) == Y4
    assert not history.interrupted


def test_fit_learns_xor_with_a_hidden_layer() -> None:
    X, y = make_xor(40, seed=1)
    model = MLP(2, [8, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=150, progress=False)  # fmt: skip
    assert accuracy(model, X, y) >= 0.9
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_fit_multiclass_with_cross_entropy_and_minibatches() -> None:
    X, y = make_blobs(30, centers=3, std=0.3, seed=0)
    model = MLP(2, [3], seed=0)
    history = fit(model, X, y, loss="cross_entropy", epochs=15, batch_size=8, progress=False)
    assert history.accuracy[-1] == 1.0
    assert accuracy(model, X, y) == 1.0


def test_fit_with_mse_on_sigmoid_outputs_and_one_hot_targets() -> None:
    model = MLP(2, [2], activation="sigmoid", seed=0)
    one_hot = [[0.0, 1.0] if t == 1 else [1.0, 0.0] for t in Y4]
    history = fit(model, X4, one_hot, loss="mse_half", epochs=200, progress=False,
                  optimizer=SGD(model.parameters(), lr=2.0))  # fmt: skip
    assert history.accuracy[-1] == 1.0
    model = MLP(2, [1], activation="sigmoid", seed=0)
    history = fit(model, X4, Y4, loss="mse", epochs=100, progress=False)
    assert history.accuracy[-1] == 1.0
    assert accuracy(model, X4, Y4, threshold=0.5) == 1.0


def test_custom_loss_function() -> None:
    model = MLP(1, [1], seed=0)
    X = [[0.0], [1.0], [2.0]]
    targets = [1.0, 3.0, 5.0]  # y = 2x + 1

    def loss(outputs: list[list[Value]], labels: list[float]) -> Value:
        return mse([o[0] for o in outputs], labels)

    history = fit(model, X, targets, loss=loss, epochs=200, l2=0.0, progress=False,
                  optimizer=SGD(model.parameters(), lr=0.1))  # fmt: skip
    assert history.accuracy == [None] * 200
    neuron = model.layers[0].neurons[0]
    assert neuron.w[0].data == pytest.approx(2.0, abs=1e-2)
    assert neuron.b.data == pytest.approx(1.0, abs=1e-2)


def test_steps_per_epoch_and_lr_schedule() -> None:
    model = MLP(2, [1], seed=0)
    steps = []

    class Counting(SGD):
        def step(self) -> None:
            steps.append(self.lr)
            super().step()

    history = fit(model, X4 * 3, Y4 * 3, optimizer=Counting(model.parameters(), lr=0.1),
                  epochs=4, batch_size=5, lr_schedule=lambda e: 0.1 / (e + 1),
                  progress=False)  # fmt: skip
    assert len(steps) == 4 * 3  # 12 examples in batches of 5: 3 steps per epoch
    assert history.lr == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])
    assert steps[3:6] == [0.05] * 3


def test_l2_adds_lambda_theta_to_the_gradient() -> None:
    """With a zero-gradient loss only λΩ moves the weights: θ ← θ(1 - lr·λ)."""
    model = MLP(1, [1], seed=0)
    model.layers[0].neurons[0].w[0].data = 2.0

    def zero(outputs: list[list[Value]], labels: list[int]) -> Value:
        return outputs[0][0] * 0.0

    fit(model, [[1.0]], [0], loss=zero, l2=0.1, epochs=1, progress=False,
        optimizer=SGD(model.parameters(), lr=0.5))  # fmt: skip
    assert model.layers[0].neurons[0].w[0].data == pytest.approx(2.0 * (1 - 0.5 * 0.1))


# ----------------------------------------------------------------------- Ctrl-C
def test_ctrl_c_in_a_callback_keeps_what_was_learned() -> None:
    def stop_after_three(epoch: int, history: History) -> None:
        if epoch == 2:
            raise KeyboardInterrupt

    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X4, Y4, epochs=50, progress=False, callback=stop_after_three)
    assert history.interrupted
    assert history.epochs == 3
    assert len(history.loss) == 3
    reference = MLP(2, [4, 1], seed=0)
    fit(reference, X4, Y4, epochs=3, progress=False)
    assert snapshot(model) == snapshot(reference)  # exactly three epochs' worth


def test_ctrl_c_inside_the_loss_keeps_the_previous_steps() -> None:
    calls = 0

    def loss(outputs: list[list[Value]], labels: list[int]) -> Value:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise KeyboardInterrupt
        return mse([o[0] for o in outputs], labels)

    model = MLP(2, [1], seed=1)
    out = io.StringIO()
    history = fit(model, X4, Y4, loss=loss, epochs=10, stream=out)
    assert history.interrupted
    assert history.epochs == 4
    assert "interrupted" in out.getvalue()
    reference = MLP(2, [1], seed=1)
    fit(reference, X4, Y4, loss=lambda o, y: mse([v[0] for v in o], y), epochs=4, progress=False)
    assert snapshot(model) == snapshot(reference)


def test_ctrl_c_in_the_middle_of_a_step_is_undone() -> None:
    class HalfStep(SGD):
        calls = 0

        def step(self) -> None:
            HalfStep.calls += 1
            if HalfStep.calls == 3:  # update some parameters, then Ctrl-C
                for p in self.params[:2]:
                    p.data += 100.0
                raise KeyboardInterrupt
            super().step()

    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X4, Y4, optimizer=HalfStep(model.parameters(), lr=0.1), epochs=10,
                  progress=False)  # fmt: skip
    assert history.interrupted
    assert history.epochs == 2
    reference = MLP(2, [3, 1], seed=0)
    fit(reference, X4, Y4, optimizer=SGD(reference.parameters(), lr=0.1), epochs=2,
        progress=False)  # fmt: skip
    assert snapshot(model) == snapshot(reference)


# --------------------------------------------------------------------- bad input
def test_fit_rejects_bad_input_with_clear_errors() -> None:
    model = MLP(2, [1])
    # sizes, choices and lengths are checked by core.checks, as everywhere in the package
    with pytest.raises(ShapeError, match="at least one of the examples"):
        fit(model, [], [], progress=False)
    with pytest.raises(ShapeError, match="4 examples and 3 labels"):
        fit(model, X4, Y4[:3], progress=False)
    with pytest.raises(DomainError, match="epochs must be at least 1"):
        fit(model, X4, Y4, epochs=0, progress=False)
    with pytest.raises(DomainError, match="batch_size"):
        fit(model, X4, Y4, batch_size=0, progress=False)
    with pytest.raises(InvalidInputError, match="loss must be one of"):
        fit(model, X4, Y4, loss="l1", progress=False)
    with pytest.raises(DomainError, match="l2 must be"):
        fit(model, X4, Y4, l2=-1.0, progress=False)
    with pytest.raises(DomainError, match="learning rate"):
        fit(model, X4, Y4, lr_schedule=lambda e: 0.0, progress=False)
    with pytest.raises(ShapeError, match="expected an input of length 2, got 3"):
        fit(model, [[1.0, 2.0, 3.0]], [1], progress=False)
    with pytest.raises(ShapeError, match="expects a network with 1 output, got 2"):
        fit(MLP(2, [2]), X4, Y4, loss="hinge", progress=False)
    with pytest.raises(DomainError, match="class label 0 or 1, got 2"):
        fit(model, X4, [0, 1, 2, 1], loss="bce", progress=False)


# ----------------------------------------------------------------- progress bar
class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_in_a_log_writes_about_ten_lines() -> None:
    out = io.StringIO()
    bar = ProgressBar(1000, stream=out, desc="t")
    for _ in range(1000):
        bar.update(loss=0.25)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    assert "\r" not in out.getvalue()
    assert lines[0].startswith("t 100/1000 [")
    assert lines[-1].startswith("t 1000/1000 [########################] 100% loss 0.25")


def test_progress_bar_on_a_terminal_redraws_one_line() -> None:
    out = FakeTerminal()
    bar = ProgressBar(3, stream=out, min_interval=0.0)
    for _ in range(3):
        bar.update(acc="50.0%")
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 4  # three updates and the closing redraw
    assert text.endswith("\n")
    assert text.count("\n") == 1
    assert "3/3" in text
    assert "acc 50.0%" in text


def test_fit_progress_shows_loss_and_accuracy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # without tqdm: the plain bar
    out = io.StringIO()
    fit(MLP(2, [1], seed=0), X4, Y4, epochs=5, stream=out)
    last = out.getvalue().splitlines()[-1]
    assert last.startswith("training 5/5")
    assert " loss " in last
    assert " acc " in last


# ----------------------------------------------------------- vectorized=True
@pytest.mark.parametrize("loss", ["hinge", "bce", "mse", "mse_half"])
def test_vectorized_fit_follows_the_scalar_fit(loss: str) -> None:
    """Replaying the recorded per-example loss gives the same training run."""
    pytest.importorskip("numpy")
    from autograd_scalar.nn import MLP
    from autograd_scalar.nn.datasets import make_moons

    X, y = make_moons(40, noise=0.1, seed=3)
    runs = []
    for vectorized in (False, True):
        model = MLP(2, [6, 1], activation="tanh", seed=5)
        history = fit(
            model, X, y, loss=loss, epochs=8, batch_size=16, progress=False, vectorized=vectorized
        )
        runs.append(([p.data for p in model.parameters()], history))
    (scalar_params, scalar), (replay_params, replayed) = runs
    assert replay_params == pytest.approx(scalar_params, rel=1e-9, abs=1e-12)
    assert replayed.loss == pytest.approx(scalar.loss, rel=1e-9)
    assert replayed.accuracy == scalar.accuracy


def test_vectorized_fit_refuses_a_loss_it_cannot_replay() -> None:
    pytest.importorskip("numpy")
    from autograd_scalar.nn import MLP

    with pytest.raises(DomainError, match="vectorized=True supports"):
        fit(
            MLP(2, [3], seed=0),
            [[0.0, 1.0]],
            [1],
            loss="cross_entropy",
            vectorized=True,
            progress=False,
        )


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _cycle_with_finalizer(finalized: list[str], name: str) -> None:
    weakref.finalize(_Cycle(), finalized.append, name)


def test_fit_holds_the_collector_and_leaves_it_as_it_was() -> None:
    """Thresholds and enabled state restored exactly; the user's cycles made
    before, during (a callback) and after fit are all collected afterwards."""
    saved = gc.get_threshold()
    gc.set_threshold(600, 9, 8)
    finalized: list[str] = []
    thresholds_inside: list[tuple[int, int, int]] = []

    def callback(epoch: int, history: History) -> None:
        thresholds_inside.append(gc.get_threshold())
        _cycle_with_finalizer(finalized, f"during {epoch}")

    try:
        _cycle_with_finalizer(finalized, "before")
        X, y = make_xor(20, seed=0)
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False, callback=callback)
        assert gc.get_threshold() == (600, 9, 8)
        assert gc.isenabled()
        assert not is_collector_held()
        assert thresholds_inside == [(HELD_THRESHOLD, 9, 8)] * 3
        _cycle_with_finalizer(finalized, "after")
        gc.collect()
        assert sorted(finalized) == ["after", "before", "during 0", "during 1", "during 2"]
    finally:
        gc.set_threshold(*saved)


def test_fit_restores_the_collector_after_ctrl_c() -> None:
    def interrupt(epoch: int, history: History) -> None:
        raise KeyboardInterrupt

    before = gc.get_threshold()
    history = fit(MLP(2, [1], seed=0), X4, Y4, epochs=5, progress=False, callback=interrupt)
    assert history.interrupted
    assert gc.get_threshold() == before and not is_collector_held()


def test_a_failing_fit_restores_the_collector() -> None:
    def fail(epoch: int, history: History) -> None:
        raise RuntimeError("boom")

    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        fit(MLP(2, [1], seed=0), X4, Y4, epochs=5, progress=False, callback=fail)
    assert gc.get_threshold() == before and not is_collector_held()
