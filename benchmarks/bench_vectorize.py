"""Record once, replay vectorised: micrograd's demo step four ways, in one process.

    python benchmarks/bench_vectorize.py            # the full comparison (about a minute)
    python benchmarks/bench_vectorize.py --quick    # fewer repeats, a smoke test
    python benchmarks/bench_vectorize.py --scaling --blas-threads 1   # the batch sizes only

The step: an MLP 2→16→16→1 (ReLU, micrograd's layout), SVM max-margin loss
averaged over 100 two-moons points + 1e-4·L2, backward, SGD with micrograd's
learning-rate schedule. Four implementations, all from the same weights
(``workloads.make_mlp``) on the same data (``workloads.two_moons``):

1. micrograd (one Python object per node),
2. autograd_scalar's scalar engine (the same graph),
3. autograd_scalar.vectorize: the per-example loss recorded once, replayed
   over the batch with NumPy (the L2 term and the update in NumPy); the
   training loop keeps the parameters in one array, in ``Recording.params``
   order, and passes it with ``params=`` (as the hand-written step keeps its
   weight arrays), instead of reading and writing the 337 Values' ``data``
   each step,
4. a hand-written NumPy forward/backward of the same network.

All four run 20 SGD steps; their losses must agree to 1e-12 (relative).
Then: time per step and ratios, the scaling with the batch size (100,
1,000, 10,000, 100,000 examples), the NumPy array operations of one step
(opcount.py), and the one-time cost of recording. ``--blas-threads N``
limits BLAS to N threads (threadpoolctl), as ``fit(vectorized=True)`` does
with 1. The
implementations take turns (A, B, C, D, A, ...); ratios are the medians of
each round's paired ratios, with min–max, and the CPU pressure is read
around each comparison (see stats.py). A timed run of the scalar engine is as
many steps as last about as long as micrograd's one step; the replay and NumPy
are timed over 20 steps each.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import workloads  # noqa: E402
from opcount import count_ops, counted  # noqa: E402
from stats import PressureLog, Spread, alternate, markdown_table, paired_ratios  # noqa: E402

from autograd_scalar.core.value import Value  # noqa: E402
from autograd_scalar.vectorize import Recording, record  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - reported in the output
    MicroValue = None

SIZES = [2, 16, 16, 1]
STEPS = 20
L2 = 1e-4


# ------------------------------------------------------------ engines
def scalar_training(value: Any, points: int) -> Callable[[int], float]:
    """micrograd's step for an engine's Value (workloads.training_step)."""
    xs, ys = workloads.two_moons(points)
    layers = workloads.make_mlp(value, SIZES)
    return lambda k: workloads.training_step(value, layers, xs, ys, k)


def replay_training(
    points: int, wrap: Callable[[Any], Any] = lambda a: a
) -> tuple[Callable[[int], float], Recording, float]:
    """The per-example SVM loss recorded once, replayed over the batch;
    ``wrap`` is applied to the arrays the step makes (to count operations)."""
    xs, ys = workloads.two_moons(points)
    layers = workloads.make_mlp(Value, SIZES)
    params = [p for layer in layers for neuron in layer for p in neuron]
    X = np.array(xs)
    Y = np.array(ys, dtype=float)

    def hinge(x: list[Value], y: Value) -> Value:
        return (1 + -y * workloads.mlp_forward(layers, x)).relu()

    start = time.perf_counter()
    rec = record(hinge, xs[0], ys[0], params=params)
    rec.verify(X, Y)  # what the first replay does: re-record two examples, compare
    rec.value_and_grad(X[:1], Y[:1])  # compiles the program
    recording_seconds = time.perf_counter() - start

    # The parameters live in one array, in ``rec.params`` order, passed with
    # ``params=``, as the hand-written step keeps its W and b arrays; the
    # Values' ``data`` is left alone (reading and writing 337 of them each
    # step would be a cost of this loop, not of the replay).
    w = wrap(np.fromiter((p.data for p in params), dtype=float, count=len(params)))

    def step(k: int) -> float:
        nonlocal w  # updated in place
        values, grads = map(wrap, rec.value_and_grad(X, Y, reduce="mean", params=w))
        # summed by NumPy, as the hand-written step does (a Python sum of
        # the values' list cost the replay 0.3 ms at 10,000 examples)
        data_loss = float(values.sum()) * (1.0 / len(values))
        total = data_loss + L2 * float(np.dot(w, w))
        w -= workloads.learning_rate(k) * (grads + 2 * L2 * w)
        return total

    return step, rec, recording_seconds


def replay_step(points: int) -> Callable[[int], float]:
    return replay_training(points)[0]


def numpy_training(points: int, wrap: Callable[[Any], Any] = lambda a: a) -> Callable[[int], float]:
    """The same network, forward and backward written by hand with NumPy."""
    xs, ys = workloads.two_moons(points)
    layers = workloads.make_mlp(float, SIZES)  # the same initial weights, as floats
    W = [wrap(np.array([neuron[:-1] for neuron in layer])) for layer in layers]
    b = [wrap(np.array([neuron[-1] for neuron in layer])) for layer in layers]
    X = wrap(np.array(xs))
    Y = wrap(np.array(ys, dtype=float))
    n = len(Y)

    def step(k: int) -> float:
        z1 = X @ W[0].T + b[0]
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ W[1].T + b[1]
        h2 = np.maximum(z2, 0.0)
        s = h2 @ W[2][0] + b[2][0]
        margin = 1.0 - Y * s
        reg = sum(float(np.sum(w * w)) + float(np.dot(c, c)) for w, c in zip(W, b))
        total = float(np.maximum(margin, 0.0).sum()) / n + L2 * reg
        gs = np.where(margin > 0.0, -Y / n, 0.0)
        gz2 = np.outer(gs, W[2][0]) * (z2 > 0.0)
        gz1 = (gz2 @ W[1]) * (z1 > 0.0)
        grads_w = [gz1.T @ X, gz2.T @ h1, (gs @ h2)[None, :]]
        grads_b = [gz1.sum(axis=0), gz2.sum(axis=0), np.array([gs.sum()])]
        lr = workloads.learning_rate(k)
        for i in range(3):
            W[i] -= lr * (grads_w[i] + 2 * L2 * W[i])
            b[i] -= lr * (grads_b[i] + 2 * L2 * b[i])
        return total

    return step


# ------------------------------------------------------------ measuring
def run_steps(
    step: Callable[[int], float], steps: int = STEPS, collect: bool = True
) -> tuple[list[float], list[float]]:
    """Losses and seconds of ``steps`` steps, each paying for collecting its
    garbage (as in benchmarks/run.py) unless ``collect`` is false."""
    losses, times = [], []
    for k in range(steps):
        gc.collect()
        start = time.perf_counter()
        losses.append(step(k))
        if collect:
            gc.collect()
        times.append(time.perf_counter() - start)
    return losses, times


def slow_step_seconds(step: Callable[[int], float], k: int, runs: int = 1) -> float:
    """Seconds per step of ``runs`` steps of a long-running training (a scalar
    engine), then collecting their garbage (as in benchmarks/run.py)."""
    gc.collect()
    start = time.perf_counter()
    for i in range(runs):
        step(k + i)
    gc.collect()
    return (time.perf_counter() - start) / runs


def fast_step_seconds(make: Callable[[], Callable[[int], float]]) -> float:
    """Seconds per step of a fresh 20-step run (the cheap steps are too short
    to time one by one)."""
    step = make()
    gc.collect()
    start = time.perf_counter()
    for k in range(STEPS):
        step(k)
    return (time.perf_counter() - start) / STEPS


def fresh_steps(make: Callable[[], Callable[[int], float]]) -> Callable[[], float]:
    """A timer: seconds per step of a fresh 20-step run of ``make()``."""
    return lambda: fast_step_seconds(make)


def take_turns(timers: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Seconds per step of each implementation, in turn, ``repeats`` rounds."""
    seconds: dict[str, list[float]] = {name: [] for name in timers}
    for _, name in alternate(list(timers), repeats):
        seconds[name].append(timers[name]())
    return seconds


def max_relative(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in zip(a, b))


# ------------------------------------------------------------ the steps of the run
def check_losses() -> bool:
    """All four implementations, 20 steps each: their losses must agree."""
    micro_losses, _ = run_steps(scalar_training(MicroValue, 100))
    ours_losses, _ = run_steps(scalar_training(Value, 100))
    replay_step, rec, _ = replay_training(100)
    replay_losses, _ = run_steps(replay_step)
    numpy_losses, _ = run_steps(numpy_training(100))
    print(f"recording: {rec}")
    print(f"losses, step 1 → {STEPS}: {micro_losses[0]:.12f} → {micro_losses[-1]:.12f}")
    agree = True
    for name, losses in [
        ("scalar engine", ours_losses),
        ("replay", replay_losses),
        ("hand-written NumPy", numpy_losses),
    ]:
        diff = max_relative(micro_losses, losses)
        agree &= diff <= 1e-12
        print(f"  max relative difference from micrograd, {name}: {diff:.1e}")
    print(f"  all {STEPS} losses agree to 1e-12: {agree}\n")
    return agree


def compare_implementations(repeats: int, pressure: PressureLog) -> dict[str, list[float]]:
    """Seconds per step of the four, taking turns; the table of paired ratios."""
    micro, ours = scalar_training(MicroValue, 100), scalar_training(Value, 100)
    # The scalar engine's timed run lasts about as long as micrograd's one step (as in
    # benchmarks/run.py), so that a machine whose speed changes by the second slows both alike.
    window = round(slow_step_seconds(micro, 0) / slow_step_seconds(ours, 0))
    rounds = iter(range(1_000_000))
    timers = {
        "micrograd": lambda: slow_step_seconds(micro, next(rounds) % 100),
        "autograd_scalar scalar engine": lambda: slow_step_seconds(
            ours, next(rounds) % 100, max(1, window)
        ),
        "autograd_scalar replay (vectorize)": fresh_steps(lambda: replay_training(100)[0]),
        "hand-written NumPy": fresh_steps(lambda: numpy_training(100)),
    }
    with pressure.window("four implementations, 100 examples"):
        seconds = take_turns(timers, repeats)
    rows = []
    for name, times in seconds.items():
        rows.append(
            [
                name,
                f"{1e3 * Spread.of(times).median:.3f}",
                paired_ratios(seconds["micrograd"], times).format(0 if "micro" in name else 1),
                paired_ratios(times, seconds["hand-written NumPy"]).format(1),
            ]
        )
    headers = ["implementation", "ms / step (median)", "micrograd ÷ this", "this ÷ hand NumPy"]
    print(markdown_table(headers, rows, "lrrr"))
    print("(ratios: medians of the rounds' paired ratios, min–max in brackets)\n")
    return seconds


def count_step_ops() -> tuple[int, int]:
    """Array operations of one SGD step (100 examples; the count does not
    depend on the batch size): the replay's, the hand-written NumPy's."""
    step, rec, _ = replay_training(100, counted)
    step(0)  # the work arrays of this batch size are made, and kept
    program = rec._program(False)
    assert program._workspace is not None
    program._workspace = tuple(counted(a) for a in program._workspace)  # type: ignore[assignment]
    step(1)  # the steps are bound to the counted work arrays (once per batch size)
    replay = count_ops(lambda: step(2))
    hand = numpy_training(100, counted)
    return replay, count_ops(lambda: hand(0))


def compare_batch_sizes(repeats: int, pressure: PressureLog, sizes: list[int]) -> None:
    """The replay against hand-written NumPy at each batch size."""
    print("Scaling with the batch size (ms per SGD step):\n")
    rows = []
    for points in sizes:
        reps = max(3, repeats // (points // 100) if points > 100 else repeats)
        timers = {
            "replay": fresh_steps(partial(replay_step, points)),
            "numpy": fresh_steps(partial(numpy_training, points)),
        }
        with pressure.window(f"replay and NumPy, {points:,} examples"):
            seconds = take_turns(timers, reps)
        replay = Spread.of(seconds["replay"]).median
        rows.append(
            [
                f"{points:,}",
                f"{1e3 * replay:.3f}",
                f"{1e3 * Spread.of(seconds['numpy']).median:.3f}",
                paired_ratios(seconds["replay"], seconds["numpy"]).format(1),
                f"{1e6 * replay / points:.2f}",
            ]
        )
    headers = ["examples", "replay", "hand-written NumPy", "ratio", "replay µs / example"]
    print(markdown_table(headers, rows, "rrrrr"))
    replay_ops, hand_ops = count_step_ops()
    print(f"\nArray operations per SGD step: replay {replay_ops}, hand-written NumPy {hand_ops}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke test")
    parser.add_argument(
        "--scaling", action="store_true", help="only the replay against NumPy per batch size"
    )
    parser.add_argument(
        "--batches",
        default="100,1000,10000,100000",
        help="batch sizes of the scaling table, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="limit BLAS to this many threads"
    )
    args = parser.parse_args()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            return run(args)
    return run(args)


def run(args: argparse.Namespace) -> int:
    sizes = [int(b) for b in args.batches.split(",")]
    repeats = 3 if args.quick else 15
    pressure = PressureLog()
    from threadpoolctl import threadpool_info

    threads = [f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info()]
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, BLAS threads: {threads}")
    if args.scaling:
        compare_batch_sizes(repeats, pressure, sizes)
        print_pressure(pressure)
        return 0
    if MicroValue is None:
        print("micrograd is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    print(f"MLP {'-'.join(map(str, SIZES))} ReLU, SVM loss + {L2}·L2, {STEPS} SGD steps\n")
    agree = check_losses()
    seconds = compare_implementations(repeats, pressure)
    replay = Spread.of(seconds["autograd_scalar replay (vectorize)"]).median

    # micrograd's closures make reference cycles: most of its time above is
    # the collection of its graph. Without forcing it, for the record:
    _, lazy = run_steps(scalar_training(MicroValue, 100), steps=5, collect=False)
    print(
        f"micrograd without forcing gc.collect() after each step: "
        f"{1e3 * statistics.median(lazy):.1f} ms / step, "
        f"{statistics.median(lazy) / replay:.0f}x the replay\n"
    )
    compare_batch_sizes(repeats, pressure, sizes)

    _, _, recording_seconds = replay_training(100)
    print(
        f"\nOne-time cost of recording (trace one example, re-record two to check the "
        f"structure, compile): {1e3 * recording_seconds:.1f} ms "
        f"= {recording_seconds / replay:.1f} replayed steps\n"
    )
    print_pressure(pressure)
    return 0 if agree else 1


def print_pressure(pressure: PressureLog) -> None:
    print(
        markdown_table(
            ["measured", "CPU pressure, some avg10 before → after"],
            [[n, w.format()] for n, w in pressure.windows.items()],
            "ll",
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
