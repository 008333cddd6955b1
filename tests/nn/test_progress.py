"""fit()'s progress bar: tqdm's where installed, the plain one otherwise; the
engine never needs tqdm."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_scalar.nn import MLP
from autograd_scalar.nn.losses import mse
from autograd_scalar.nn.train import ProgressBar, fit, progress_bar

X4 = [[1.0, 1.0], [2.0, -0.5], [-1.0, -1.0], [-0.5, -2.0]]
Y4 = [1, 1, 0, 0]
ROOT = Path(__file__).resolve().parents[2]


def test_fit_draws_tqdms_bar() -> None:
    tqdm = pytest.importorskip("tqdm")
    out = io.StringIO()
    fit(MLP(2, [1], seed=0), X4, Y4, epochs=5, stream=out)
    text = out.getvalue()
    final = text.replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("training: 100%")
    assert "5/5" in final and "loss=" in final and "acc=" in final
    assert isinstance(progress_bar(3, io.StringIO()), tqdm.tqdm)


def test_without_tqdm_the_plain_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails as if not installed
    bar = progress_bar(3, io.StringIO())
    assert isinstance(bar, ProgressBar)


def test_progress_false_writes_nothing() -> None:
    out = io.StringIO()
    fit(MLP(2, [1], seed=0), X4, Y4, epochs=3, progress=False, stream=out)
    assert out.getvalue() == ""


@pytest.mark.parametrize("with_tqdm", [True, False])
def test_ctrl_c_closes_the_bar_then_says_so(
    with_tqdm: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if with_tqdm:
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    calls = 0

    def loss(outputs: list, labels: list) -> object:  # type: ignore[type-arg]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return mse([o[0] for o in outputs], labels)

    out = io.StringIO()
    history = fit(MLP(2, [1], seed=1), X4, Y4, loss=loss, epochs=10, stream=out)
    assert history.interrupted and history.epochs == 2
    text = out.getvalue()
    assert text.endswith("\ninterrupted: keeping the parameters learned so far\n")
    assert "2/10" in text


def test_the_engine_does_not_import_tqdm() -> None:
    code = (
        "import sys, autograd_scalar\n"
        "from autograd_scalar.nn import MLP\n"
        "from autograd_scalar.nn.train import fit\n"
        "fit(MLP(2, [1]), [[1.0, 0.0]], [1], epochs=1, progress=False)\n"
        "print('tqdm' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"
