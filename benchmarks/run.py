"""Benchmark autograd_scalar against micrograd, side by side in one process.

    python benchmarks/run.py            # full sizes (a few minutes)
    python benchmarks/run.py --quick    # small sizes, a smoke test

Each engine pays for freeing its own graph inside its own timing: every timed
run ends with ``gc.collect()``, with Python's default garbage collector on.
Peak memory is measured in a separate, untimed run under ``tracemalloc``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workloads  # noqa: E402

from autograd_scalar import Value as OurValue  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - reported in the output
    MicroValue = None


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``run()`` (including collecting its garbage)."""
    times = []
    result = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = run()
        gc.collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_bytes(run: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def training(value: Any, repeats: int, points: int) -> dict[str, Any]:
    xs, ys = workloads.two_moons(points)
    layers = workloads.make_mlp(value, [2, 16, 16, 1])
    state = {"k": 0}

    def step() -> float:
        state["k"] += 1
        return workloads.training_step(value, layers, xs, ys, state["k"])

    # Count the graph once: the same build, kept alive.
    inputs = [[value(v) for v in row] for row in xs]
    scores = [workloads.mlp_forward(layers, x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    params = [p for layer in layers for neuron in layer for p in neuron]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
    nodes = workloads.count_nodes(total)
    del inputs, scores, losses, total
    seconds, _ = timed(step, repeats)
    peak = peak_bytes(step)
    return {"seconds": seconds, "nodes": nodes, "peak": peak}


def chain(value: Any, depth: int, repeats: int) -> dict[str, Any]:
    def run() -> float:
        x, y = workloads.chain(value, depth)
        y.backward()
        return float(x.grad)

    seconds, grad = timed(run, repeats)
    expected = (1.0 + 1e-7) ** depth
    if abs(grad - expected) > 1e-9 * expected:
        raise AssertionError(f"chain gradient {grad} != {expected}")
    return {"seconds": seconds, "nodes": depth + 2, "peak": peak_bytes(run)}


def sum_products(value: Any, n: int, repeats: int) -> dict[str, Any]:
    def run() -> Any:
        a, total = workloads.sum_of_products(value, n)
        total.backward()
        return a

    seconds, _ = timed(run, repeats)
    # 2n leaves, n products, n additions, plus the 0 that sum() starts from
    return {"seconds": seconds, "nodes": 4 * n + 1, "peak": peak_bytes(run)}


def micrograd_guarded(fn: Callable[[], dict[str, Any]], depth: int) -> dict[str, Any]:
    """micrograd's topological sort is recursive: raise the limit for it."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 2 * depth + 1000))
    try:
        return fn()
    except RecursionError as exc:  # pragma: no cover - reported
        return {"error": f"RecursionError: {exc}"}
    finally:
        sys.setrecursionlimit(old)


def micrograd_default_limit(depth: int) -> str:
    """What micrograd does on a chain at Python's default recursion limit."""
    assert MicroValue is not None
    try:
        _, y = workloads.chain(MicroValue, depth)
        y.backward()
    except RecursionError:
        return "RecursionError"
    return "ok"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    if MicroValue is None:
        print("micrograd is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    repeats = 3 if args.quick else 5
    deep = 10_000 if args.quick else 100_000
    huge = 100_000 if args.quick else 1_000_000
    small_sum = 2_000 if args.quick else 10_000

    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    rows.append(
        (
            "training step (MLP 2-16-16-1, 100 moons)",
            training(OurValue, repeats, 100),
            training(MicroValue, repeats, 100),
        )
    )
    rows.append(
        (
            f"chain, {deep:,} deep",
            chain(OurValue, deep, repeats),
            micrograd_guarded(lambda: chain(MicroValue, deep, repeats), deep),
        )
    )
    rows.append((f"chain, {huge:,} deep", chain(OurValue, huge, 1), None))
    rows.append(
        (
            f"sum of {huge:,} products",
            sum_products(OurValue, huge, 1),
            # micrograd's recursive sort makes a long sum() very slow (at 100,000 products it
            # took 483 s here), so it runs a smaller sum and per-node figures are compared.
            micrograd_guarded(lambda: sum_products(MicroValue, small_sum, 1), small_sum),
        )
    )

    print(f"Python {sys.version.split()[0]}, gc enabled: {gc.isenabled()}")
    at_default = micrograd_default_limit(1000)
    print(f"micrograd on a 1,000-deep chain at the default recursion limit: {at_default}")
    print()
    header = (
        "| workload | nodes | autograd_scalar s | ns/node | bytes/node "
        "| micrograd nodes | s | ns/node | bytes/node | speed-up | memory ratio |"
    )
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    report = []
    for name, ours, theirs in rows:
        n = ours["nodes"]
        cells = [
            name,
            f"{n:,}",
            f"{ours['seconds']:.4f}",
            f"{1e9 * ours['seconds'] / n:.0f}",
            f"{ours['peak'] / n:.0f}",
        ]
        entry = {"workload": name, "autograd_scalar": ours, "micrograd": theirs}
        if theirs is None:
            cells += ["not run", "", "", "", "", ""]
        elif "error" in theirs:
            cells += [theirs["error"][:40], "", "", "", "", ""]
        else:
            m = theirs["nodes"]
            speed = (theirs["seconds"] / m) / (ours["seconds"] / n)
            memory = (theirs["peak"] / m) / (ours["peak"] / n)
            cells += [
                f"{m:,}",
                f"{theirs['seconds']:.4f}",
                f"{1e9 * theirs['seconds'] / m:.0f}",
                f"{theirs['peak'] / m:.0f}",
                f"{speed:.1f}x",
                f"{memory:.1f}x",
            ]
            entry["speedup"] = speed
            entry["memory_ratio"] = memory
        report.append(entry)
        print("| " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
