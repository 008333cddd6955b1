"""One engine in its own process, timing workloads on request (used by run.py).

    python benchmarks/worker.py --engine tree --tree PATH [--heap-objects N]

It loads the engine, answers one JSON line describing it, then reads one JSON
request per line on stdin and answers each with one JSON line on stdout:

- ``{"op": "prepare", "workload": "chain", "size": 100000}`` -> ``{"nodes": ...}``
- ``{"op": "time", "gc": true, "inner": 1, "collect_each": false}`` ->
  ``{"seconds", "gc_seconds", "checks"}``: ``inner`` runs of the prepared workload
  back to back, ending with ``gc.collect()`` so the engine pays for freeing its
  graphs (after every run with ``collect_each``, so that each run pays what a
  single run would), in seconds per run; ``gc_seconds`` is the time spent in
  collections (measured with ``gc.callbacks``); ``checks`` has each run's result,
  in order; with ``"gc": false`` the automatic collector is off during the runs
  (the collections at the end still run).
- ``{"op": "peak"}`` -> ``{"peak": bytes}``: one untimed run under tracemalloc
  (``null`` where tracemalloc cannot see the engine's memory).

Errors answer ``{"error": "..."}``; the worker keeps going.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import traceback
import tracemalloc
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402


class CollectorClock:
    """Seconds spent inside the cyclic garbage collector, via ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> CollectorClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def time_once(
    prepared: engines.Prepared,
    collect_automatically: bool,
    inner: int = 1,
    collect_each: bool = False,
) -> dict[str, Any]:
    """``inner`` runs back to back, then ``gc.collect()`` (or one after each run
    with ``collect_each``); figures per run, and each run's result."""
    gc.collect()
    checks = []
    with CollectorClock() as clock:
        if not collect_automatically:
            gc.disable()  # gc.collect() still collects
        start = time.perf_counter()
        try:
            for _ in range(inner):
                checks.append(prepared.run())
                if collect_each:
                    gc.collect()
        finally:
            gc.enable()
        if not collect_each:
            gc.collect()
        seconds = time.perf_counter() - start
    return {"seconds": seconds / inner, "gc_seconds": clock.seconds / inner, "checks": checks}


def peak_once(prepared: engines.Prepared) -> dict[str, Any]:
    if not prepared.traced:
        return {"peak": None}
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        prepared.run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"peak": peak - base}


def serve(engine: engines.ValueEngine | engines.HipsEngine, requests: TextIO, out: TextIO) -> None:
    prepared: engines.Prepared | None = None
    for line in requests:
        request = json.loads(line)
        try:
            if request["op"] == "prepare":
                prepared = None
                gc.collect()
                prepared = engine.prepare(request["workload"], request["size"])
                answer: dict[str, Any] = {"nodes": prepared.nodes}
            elif prepared is None:
                answer = {"error": "nothing prepared"}
            elif request["op"] == "time":
                answer = time_once(
                    prepared,
                    request.get("gc", True),
                    request.get("inner", 1),
                    request.get("collect_each", False),
                )
            elif request["op"] == "peak":
                answer = peak_once(prepared)
            else:
                answer = {"error": f"unknown op {request['op']!r}"}
        except Exception as exc:  # reported to run.py, which notes it
            traceback.print_exc(file=sys.stderr)
            answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def hold_heap(objects: int) -> list[list[int]]:
    """``objects`` live container objects, as a process with big imports holds."""
    return [[i] for i in range(objects)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", required=True, choices=["tree", "micrograd", "torch", "hips"])
    parser.add_argument("--tree", type=Path, help="the autograd_scalar checkout (--engine tree)")
    parser.add_argument("--heap-objects", type=int, default=0)
    args = parser.parse_args()

    out = sys.stdout
    sys.stdout = sys.stderr  # the engines' own prints must not corrupt the answers
    try:
        engine = engines.load(args.engine, args.tree)
    except engines.EngineUnavailable as exc:
        out.write(json.dumps({"unavailable": str(exc)}) + "\n")
        return 0
    heap = hold_heap(args.heap_objects)
    gc.collect()
    out.write(json.dumps({**engine.describe(), "heap_objects": len(heap)}) + "\n")
    out.flush()
    serve(engine, sys.stdin, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
