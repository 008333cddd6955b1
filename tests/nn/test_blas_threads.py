"""fit(vectorized=True) replays with one BLAS thread, and puts the limit back.

The replay is stood in for by a small fake of the two names fit() uses
(``vectorize.numpy_module`` and ``vectorize.record``: a recording with ``run``
and ``params``), so these tests check fit's side of the contract whatever
state the replay itself is in.
"""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

import autograd_scalar
from autograd_scalar.core import Value
from autograd_scalar.nn import MLP
from autograd_scalar.nn.train import fit

np = pytest.importorskip("numpy")
threadpoolctl = pytest.importorskip("threadpoolctl")

X4 = [[1.0, 1.0], [2.0, -0.5], [-1.0, -1.0], [-0.5, -2.0]]
Y4 = [1, 1, 0, 0]


def blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


class FakeRecording:
    """Replays one example at a time on the scalar engine, noting BLAS's threads."""

    def __init__(self, f: Any, params: list[Value], seen: list[list[int]]) -> None:
        self.f, self.params, self.seen = f, params, seen

    def run(self, X: Any, Y: Any, reduce: str) -> Any:
        self.seen.append(blas_threads())
        values, grads = [], np.zeros(len(self.params))
        for x, t in zip(X, Y):
            for p in self.params:
                p.grad = 0.0
            out = self.f([Value(float(v)) for v in x], Value(float(t)))
            out.backward()
            values.append(out.data)
            grads += [p.grad for p in self.params]
        for p in self.params:
            p.grad = 0.0
        return SimpleNamespace(values=np.array(values), grads=grads / len(values))


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    calls: list[list[int]] = []
    fake = ModuleType("autograd_scalar.vectorize")
    fake.numpy_module = lambda: np  # type: ignore[attr-defined]
    fake.record = lambda f, x, y, params: FakeRecording(f, params, calls)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "autograd_scalar.vectorize", fake)
    monkeypatch.setattr(autograd_scalar, "vectorize", fake, raising=False)
    return calls


def test_the_replay_runs_on_one_blas_thread(seen: list[list[int]]) -> None:
    if not blas_threads():
        pytest.skip("NumPy's BLAS is not visible to threadpoolctl")
    before = blas_threads()
    fit(MLP(2, [3, 1], seed=0), X4, Y4, epochs=3, batch_size=2, progress=False, vectorized=True)
    assert len(seen) == 6  # 3 epochs of 2 batches
    assert all(threads == [1] * len(before) for threads in seen)
    assert blas_threads() == before  # and the limit is put back


def test_without_threadpoolctl_fit_still_replays(
    seen: list[list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    history = fit(MLP(2, [3, 1], seed=0), X4, Y4, epochs=2, progress=False, vectorized=True)
    assert history.epochs == 2 and len(seen) == 2
