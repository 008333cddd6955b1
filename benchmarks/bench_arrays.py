"""The replay on NumPy, PyTorch (CPU) and array-api-strict, side by side.

    python benchmarks/bench_arrays.py                 # 1k, 10k, 100k examples
    python benchmarks/bench_arrays.py --quick         # fewer repeats, a smoke test
    python benchmarks/bench_arrays.py --xp numpy --xp torch --torch-threads 2

The workload: the demo network, ``MLP(2, [16, 16, 1])`` with ReLU and the
per-example hinge loss, recorded once and replayed with
``value_and_grad(X, Y, reduce="mean")`` on float64 arrays of each library.
The libraries take turns (A, B, C, A, ...); per batch size the table gives
the median seconds per replay and the median paired ratio to NumPy, with
min–max (see stats.py), beside the CPU pressure over the same runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from stats import PressureLog, Spread, alternate, markdown_table, paired_ratios  # noqa: E402

from autograd_scalar.nn import MLP  # noqa: E402
from autograd_scalar.vectorize import record  # noqa: E402

SIZES = (1_000, 10_000, 100_000)


def converter(name: str, threads: int) -> Callable[[np.ndarray], Any]:
    """NumPy arrays as the library's float64 arrays."""
    if name == "numpy":
        return lambda a: a
    if name == "torch":
        import torch

        if threads:
            torch.set_num_threads(threads)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
        return lambda a: torch.asarray(a, dtype=torch.float64)
    if name == "array_api_strict":
        import array_api_strict as xp

        return lambda a: xp.asarray(a, dtype=xp.float64)
    raise SystemExit(f"unknown library {name!r}: numpy, torch or array_api_strict")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smoke test")
    parser.add_argument(
        "--xp",
        action="append",
        choices=["numpy", "torch", "array_api_strict"],
        help="a library to time (repeatable; default: all three)",
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="PyTorch's intra-op threads (default 1, as NumPy's elementwise calls; 0: "
        "PyTorch's default, which on a small shared machine mostly waits for the others)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="NumPy's BLAS threads, for its matrix products (default 1, like PyTorch's; 0: "
        "the BLAS default); needs threadpoolctl",
    )
    args = parser.parse_args()
    if args.blas_threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            print("threadpoolctl is not installed: BLAS keeps its threads", file=sys.stderr)
        else:
            threadpool_limits(args.blas_threads)
    names = args.xp or ["numpy", "torch", "array_api_strict"]
    if "numpy" not in names:
        names.insert(0, "numpy")  # the reference of the ratios
    convert = {name: converter(name, args.torch_threads) for name in names}

    model = MLP(2, [16, 16, 1], activation="relu", seed=0)

    def hinge(x: Any, y: Any) -> Any:
        return (1 - y * model(x)[0]).relu()

    rng = np.random.default_rng(0)
    X = rng.uniform(-2.0, 2.0, size=(max(SIZES), 2))
    Y = np.where(X[:, 0] * X[:, 1] > 0.0, 1.0, -1.0)
    rec = record(hinge, X[0].tolist(), float(Y[0]), params=model.parameters())
    rec.verify(X[:1000], Y[:1000])
    print(f"{rec}\nlibraries: {', '.join(names)}; BLAS threads: {args.blas_threads or 'default'}\n")

    pressure = PressureLog()
    rows = []
    for n in SIZES:
        batches = {name: (convert[name](X[:n]), convert[name](Y[:n])) for name in names}
        reference = rec.value_and_grad(*batches["numpy"], reduce="mean", verify="never")[1]
        for name in names:  # each compiles its program, and must agree
            grads = rec.value_and_grad(*batches[name], reduce="mean", verify="never")[1]
            difference = np.max(np.abs(np.asarray(grads) - reference))
            assert difference <= 1e-12 * max(1.0, float(np.max(np.abs(reference)))), name

        def timer(name: str, batches: dict[str, Any] = batches) -> Callable[[], float]:
            def once() -> float:
                start = time.perf_counter()
                rec.value_and_grad(*batches[name], reduce="mean", verify="never")
                return time.perf_counter() - start

            return once

        repeats = {1_000: 60, 10_000: 20, 100_000: 5}[n] // (3 if args.quick else 1)
        seconds: dict[str, list[float]] = {name: [] for name in names}
        with pressure.window(f"{n:,} examples"):
            for _, name in alternate(names, max(repeats, 2)):
                seconds[name].append(timer(name)())
        for name in names:
            median = Spread.of(seconds[name]).median
            rows.append(
                [
                    f"{n:,}",
                    name,
                    f"{1e3 * median:.2f}",
                    f"{1e6 * median / n:.2f}",
                    paired_ratios(seconds[name], seconds["numpy"]).format(2),
                ]
            )
    headers = ["examples", "library", "ms / replay", "µs / example", "÷ NumPy"]
    print(markdown_table(headers, rows, "rlrrr"))
    print()
    print(
        markdown_table(
            ["measured", "CPU pressure, some avg10 before → after"],
            [[n, w.format()] for n, w in pressure.windows.items()],
            "ll",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
