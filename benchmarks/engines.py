"""The engines a benchmark worker can load, each behind the same small interface.

An engine turns a workload name and size (see ``WORKLOADS``) into a
``Prepared`` workload: a ``run()`` that does the work once and returns a
number to check against the other engines, and the size of its graph.

- ``tree``: autograd_scalar from a checkout (this tree, or ``--against``),
  through the public ``from autograd_scalar import Value`` only (and
  ``hold_collector`` for ``training_held``, where the checkout has it);
- ``micrograd``: micrograd 0.1.0, with its recursion limit raised for deep graphs;
- ``torch``: PyTorch 0-dim float64 tensors (optional);
- ``hips``: HIPS ``autograd``, which differentiates functions (optional).

Each worker process loads one engine, so no engine's imports (PyTorch's
hundreds of thousands of objects) slow another engine's garbage collector.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import workloads

MLP_SIZES = [2, 16, 16, 1]
WORKLOADS = ("training", "training_held", "chain", "sum_products")


@dataclass
class Prepared:
    """A workload ready to run: ``run()`` once per timed repeat."""

    run: Callable[[], float]
    nodes: int | None  # None where the engine's graph cannot be walked
    traced: bool  # whether tracemalloc sees the engine's memory


class EngineUnavailable(Exception):
    """The engine is not installed (the benchmark skips it with a note)."""


# ------------------------------------------------------------ Value-shaped engines
class ValueEngine:
    """An engine with a micrograd-shaped ``Value``: the workloads run as written."""

    kind = "value"
    workloads: tuple[str, ...] = WORKLOADS
    traced = True

    def __init__(
        self,
        value: Callable[[float], Any],
        version: str,
        file: str,
        hold: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.value = value
        self.version = version
        self.file = file
        # training_held: each step inside the collector holding that the engine's
        # own training loop uses (autograd_scalar.hold_collector, as fit does);
        # an engine without one (micrograd) runs the plain step, its default gc.
        self.hold = hold

    def describe(self) -> dict[str, Any]:
        return {"version": self.version, "file": self.file, "workloads": list(self.workloads)}

    def reset(self, params: list[Any]) -> None:
        workloads.zero_grads(params)

    def prepare(self, workload: str, size: int) -> Prepared:
        if workload not in self.workloads:
            raise ValueError(f"{self.kind} does not run {workload!r}")
        run, nodes = getattr(self, f"_{workload}")(size)
        return Prepared(run, nodes, self.traced)

    def _training(self, points: int) -> tuple[Callable[[], float], int | None]:
        xs, ys = workloads.two_moons(points)
        layers = workloads.make_mlp(self.value, MLP_SIZES)
        steps = iter(range(1_000_000))

        def run() -> float:
            return workloads.training_step(self.value, layers, xs, ys, next(steps), self.reset)

        return run, self._count(workloads.training_loss(self.value, layers, xs, ys))

    def _training_held(self, points: int) -> tuple[Callable[[], float], int | None]:
        step, nodes = self._training(points)
        hold = self.hold
        if hold is None:
            return step, nodes

        def run() -> float:
            with hold():
                return step()

        return run, nodes

    def _chain(self, depth: int) -> tuple[Callable[[], float], int | None]:
        def run() -> float:
            x, y = workloads.chain(self.value, depth)
            y.backward()
            return float(x.grad)

        return run, depth + 2

    def _sum_products(self, n: int) -> tuple[Callable[[], float], int | None]:
        def run() -> float:
            a, total = workloads.sum_of_products(self.value, n)
            total.backward()
            return float(total.data) + float(a[0].grad)

        # 2n leaves, n products, n additions, plus the 0 that sum() starts from
        return run, 4 * n + 1

    def _count(self, root: Any) -> int | None:
        return workloads.count_nodes(root)


def load_tree(path: Path) -> ValueEngine:
    """autograd_scalar from the checkout at ``path``, ahead of any installed copy."""
    sys.path.insert(0, str(path))
    import autograd_scalar

    if not Path(autograd_scalar.__file__).resolve().is_relative_to(path.resolve()):
        raise EngineUnavailable(f"imported {autograd_scalar.__file__}, not the tree at {path}")
    hold = getattr(autograd_scalar, "hold_collector", None)
    engine = ValueEngine(
        autograd_scalar.Value, autograd_scalar.__version__, autograd_scalar.__file__, hold
    )
    engine.kind = "tree"
    if hold is None:  # an older checkout: fit held no collector then
        engine.workloads = tuple(w for w in WORKLOADS if w != "training_held")
    return engine


class MicrogradEngine(ValueEngine):
    """micrograd sorts recursively: deep graphs need the recursion limit raised."""

    kind = "micrograd"

    def prepare(self, workload: str, size: int) -> Prepared:
        if workload != "training":
            sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * size + 1000))
        return super().prepare(workload, size)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "at_default_recursion_limit": self._default_limit()}

    def _default_limit(self) -> str:
        """What a 1,000-deep chain does at Python's default recursion limit."""
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(1000)
        try:
            _, y = workloads.chain(self.value, 1000)
            y.backward()
        except RecursionError:
            return "RecursionError on a 1,000-deep chain"
        finally:
            sys.setrecursionlimit(old)
        return "a 1,000-deep chain works"


def load_micrograd() -> MicrogradEngine:
    try:
        import micrograd
        from micrograd.engine import Value
    except ImportError as exc:
        raise EngineUnavailable("micrograd is not installed: pip install -e '.[bench]'") from exc
    from importlib.metadata import version

    return MicrogradEngine(Value, version("micrograd"), micrograd.__file__ or "")


class TorchEngine(ValueEngine):
    """PyTorch 0-dim float64 tensors; its allocator is invisible to tracemalloc."""

    kind = "torch"
    workloads = ("training", "chain")
    traced = False

    def reset(self, params: list[Any]) -> None:
        for p in params:
            p.grad = None

    def _count(self, root: Any) -> int | None:
        return None


def load_torch() -> TorchEngine:
    try:
        import torch
    except ImportError as exc:
        raise EngineUnavailable("PyTorch is not installed: pip install torch==2.13.0") from exc
    torch.set_num_threads(1)  # scalars: threads only add overhead

    def value(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    return TorchEngine(value, torch.__version__, torch.__file__ or "")


# ------------------------------------------------------------ HIPS autograd
class HipsEngine:
    """HIPS autograd differentiates a function of the parameters: the same
    arithmetic as the Value workloads, but the inputs are constants, not nodes."""

    kind = "hips"
    workloads = ("training", "chain")

    def __init__(self, autograd: Any, anp: Any, version: str) -> None:
        self.autograd = autograd
        self.anp = anp
        self.version = version

    def describe(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "file": self.autograd.__file__,
            "workloads": list(self.workloads),
        }

    def prepare(self, workload: str, size: int) -> Prepared:
        if workload == "training":
            return Prepared(self._training(size), None, True)
        if workload == "chain":
            return Prepared(self._chain(size), size + 2, True)
        raise ValueError(f"hips does not run {workload!r}")

    def _relu(self, v: Any) -> Any:
        return self.anp.maximum(v, 0.0)

    def _training(self, points: int) -> Callable[[], float]:
        xs, ys = workloads.two_moons(points)
        shape = workloads.make_mlp(float, MLP_SIZES)
        params = [p for layer in shape for neuron in layer for p in neuron]

        def layers_of(flat: list[Any]) -> list[list[list[Any]]]:
            it = iter(flat)
            return [[[next(it) for _ in neuron] for neuron in layer] for layer in shape]

        def loss(flat: list[Any]) -> Any:
            return workloads.training_loss(float, layers_of(flat), xs, ys, self._relu)

        value_and_grad = self.autograd.value_and_grad(loss)
        steps = iter(range(1_000_000))

        def run() -> float:
            total, grads = value_and_grad(params)
            lr = workloads.learning_rate(next(steps))
            for i, g in enumerate(grads):
                params[i] -= lr * g
            return float(total)

        return run

    def _chain(self, depth: int) -> Callable[[], float]:
        def f(xw: tuple[Any, Any]) -> Any:
            y, w = xw
            for _ in range(depth):
                y = y * w
            return y

        gradient = self.autograd.grad(f)

        def run() -> float:
            gx, _ = gradient((1.0, 1.0 + 1e-7))
            return float(gx)

        return run


def load_hips() -> HipsEngine:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError as exc:
        raise EngineUnavailable("HIPS autograd is not installed: pip install autograd") from exc
    from importlib.metadata import version

    return HipsEngine(autograd, anp, version("autograd"))


def load(kind: str, tree: Path | None) -> ValueEngine | HipsEngine:
    """The engine of that kind (``tree`` needs the checkout's path)."""
    if kind == "tree":
        if tree is None:
            raise ValueError("the tree engine needs --tree PATH")
        return load_tree(tree)
    loaders: dict[str, Callable[[], ValueEngine | HipsEngine]] = {
        "micrograd": load_micrograd,
        "torch": load_torch,
        "hips": load_hips,
    }
    return loaders[kind]()
