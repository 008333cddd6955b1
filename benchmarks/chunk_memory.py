"""Peak memory of a replay of a million examples, in one shot or in chunks.

    /usr/bin/time -v python benchmarks/chunk_memory.py              # one shot
    /usr/bin/time -v python benchmarks/chunk_memory.py --chunk 100000

The demo network (``MLP(2, [16, 16, 1])``, ReLU, hinge loss) replayed with
``value_and_grad(X, Y, chunk=...)`` over ``--examples`` examples (default
1,000,000). Prints the seconds taken and the process's peak resident set
(``ru_maxrss``; ``/usr/bin/time -v`` reports the same as "Maximum resident
set size"), and a checksum of the gradients to compare the runs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from autograd_scalar.nn import MLP  # noqa: E402
from autograd_scalar.vectorize import record  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=None, help="examples per chunk")
    args = parser.parse_args()
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)

    def hinge(x: Any, y: Any) -> Any:
        return (1 - y * model(x)[0]).relu()

    rng = np.random.default_rng(0)
    X = rng.uniform(-2.0, 2.0, size=(args.examples, 2))
    Y = np.where(X[:, 0] * X[:, 1] > 0.0, 1.0, -1.0)
    rec = record(hinge, X[0].tolist(), float(Y[0]), params=model.parameters())
    rec.verify(X[:1000], Y[:1000])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    values, grads = rec.value_and_grad(X, Y, chunk=args.chunk, verify="never")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{args.examples:,} examples, chunk {args.chunk}: {seconds:.2f} s, peak RSS "
        f"{peak / 1024:.0f} MiB ({before / 1024:.0f} MiB before the replay); "
        f"mean loss {values.mean():.15g}, Σ|grad| {np.abs(grads).sum():.15g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
