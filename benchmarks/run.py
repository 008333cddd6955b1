"""Benchmark autograd_scalar against micrograd (and PyTorch, HIPS autograd, an older tree).

    python benchmarks/run.py                          # full sizes (a few minutes)
    python benchmarks/run.py --quick                  # small sizes, a smoke test (CI)
    python benchmarks/run.py --against ../old-tree    # also that checkout, new ÷ old
    python benchmarks/run.py --json out.json          # also write every figure
    python benchmarks/run.py --workloads training,chain   # only those rows

How it measures. Each engine runs in its own worker process (benchmarks/worker.py),
so that no engine's imports slow another's garbage collector, and two checkouts
of autograd_scalar can be compared. Workers stay up for the whole run; for each
workload every engine runs it once untimed, then the engines take turns, one
timed run each per round (A, B, C, A, B, C, ...). Ratios are taken between the
runs of the same round and reported as their median with min–max. A timed run
of a fast engine repeats its workload until it lasts about as long as the
slowest engine's one run (by the warm-up runs; ``runs_per_timed_run``), and
figures are per run: on a machine whose speed changes from one second to the
next, a single 50 ms run would land in one phase while micrograd's 1.5 s run
spans several, and the ratios would scatter by the machine's factor. (The
scaling table's small graphs are likewise built many times per timed run.)
Each timed run ends with ``gc.collect()``, with the collector on, so an engine
pays for freeing its own graphs, as the collector would collect them in a long
training loop; the time spent in collections is measured with ``gc.callbacks``.
``--collect-each-run`` collects after every run instead, as if each were timed
alone: that charges an engine with no garbage one traversal of the whole heap
per run, which no training loop does. Peak memory comes from one more, untimed run
under ``tracemalloc``. The CPU pressure (``some avg10`` of /proc/pressure/cpu,
and the share of the wall time in which some task waited for a CPU) is read
before and after each workload, and a speed probe (a fixed loop of a few
milliseconds) is timed before each timed run: a virtual machine whose host is
busy slows down without any pressure to read.

Workloads: the training step (micrograd's demo: an MLP 2-16-16-1 on 100 moons,
SVM loss, backward, SGD), twice: as plain code at Python's default collector
thresholds, and as ``fit`` runs it, each step inside
``autograd_scalar.hold_collector()`` (``training_held``; micrograd has no such
loop and runs the plain step there, with its default collector, as its users
do; a checkout without ``hold_collector`` skips that row); a chain
``y = x·w·…·w``; a sum of products.

Engines: ``autograd_scalar`` (this checkout), ``micrograd``, and when installed
``torch`` (0-dim float64 tensors) and ``hips`` (HIPS autograd), which run the
training step and the chain only; ``--against PATH`` adds the checkout at PATH as
``autograd_scalar@NAME`` (NAME: the folder's name).

JSON (``--json PATH``, schema 3)::

    {"schema": 3, "python": "3.11.7", "cpus": 2, "quick": false, "repeats": 5,
     "heap_objects": 0,
     "engines": {NAME: {"kind", "version", "file", "workloads", ...}},
     "skipped": {NAME: "why"},
     "rows": [{"table": "main" | "scaling" | "against", "workload": "training" |
               "training_held" | "chain" | "sum_products", "size": int, "label": str, "nodes": int,
               "collect_each": bool,
               "pressure": {"some_avg10_before", "some_avg10_after", "stalled_share"},
               "speed_probe": {"seconds": [before each timed run], "slowdown": float,
                               "slow_share": float},
               "engines": {NAME: {"seconds": [per run, by round], "gc_seconds": [...],
                                  "runs_per_timed_run": int,
                                  "seconds_gc_off": [...] (scaling rows),
                                  "peak_bytes": int | null, "error": str (if any)}},
               "speedup_vs_micrograd": {NAME: SPREAD}}],
     "against": {"new": NAME, "old": NAME,
                 "rows": [{"label", "time_ratio_new_over_old": SPREAD,
                           "bytes_per_node": {NAME: float | null}}]} | null,
     "notes": [str]}

    SPREAD = {"median", "min", "max", "values"}; seconds are per run, not per node.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engines import WORKLOADS  # noqa: E402
from stats import (  # noqa: E402
    PressureLog,
    PressureWindow,
    SpeedLog,
    Spread,
    markdown_table,
    paired_ratios,
    speed_probe,
)

THIS_TREE = HERE.parent
OURS = "autograd_scalar"
MICROGRAD = "micrograd"
OPTIONAL = ("torch", "hips")  # slow to import and to run: only the step and the chain
# small graphs of the scaling table are built this many nodes' worth per timed run, so that
# one final collection (whose cost is the heap's size, not the graph's) does not dominate
SCALING_NODES_PER_RUN = 100_000
CHECK_TOLERANCE = 1e-9  # relative: every engine computes the same arithmetic
BUSY = 0.10  # a workload during which some task waited for a CPU this share of the time
UNSTEADY = 1.5  # a workload during which the speed probe's slowest ÷ fastest exceeded this
# A timed run of a fast engine repeats its workload until it lasts about as long as one
# run of the slowest engine (at most this many times): see measure().
MAX_RUNS_PER_WINDOW = 64
LABELS = {
    "training": "training step (MLP 2-16-16-1, 100 moons)",
    "training_held": "training step, fit's loop: collector held (micrograd: default gc)",
    "chain": "chain, {size:,} deep",
    "sum_products": "sum of {size:,} products",
}


def label_of(table: str, workload: str, size: int) -> str:
    label = LABELS[workload].format(size=size)
    if table == "scaling":
        label += f" ({4 * size + 1:,} nodes)"
    return label


# ------------------------------------------------------------ workers
class Worker:
    """One engine in its own process, answering JSON requests (see worker.py)."""

    def __init__(self, name: str, kind: str, tree: Path | None, heap_objects: int) -> None:
        command = [sys.executable, str(HERE / "worker.py"), "--engine", kind]
        command += ["--heap-objects", str(heap_objects)]
        if tree is not None:
            command += ["--tree", str(tree)]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.name = name
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.info: dict[str, Any] = {"kind": kind, **self._read()}

    def ask(self, op: str, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def runs(self, workload: str) -> bool:
        return workload in self.info.get("workloads", ())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            return {"error": f"worker exited with code {self.process.wait()}"}
        answer: dict[str, Any] = json.loads(line)
        return answer


def start_workers(args: argparse.Namespace) -> tuple[list[Worker], dict[str, str]]:
    """The engines to compare, in the order they take turns; and those skipped."""
    wanted: list[tuple[str, str, Path | None]] = [(OURS, "tree", THIS_TREE)]
    if args.against is not None:
        wanted.append((f"{OURS}@{args.against.resolve().name}", "tree", args.against))
    wanted += [(MICROGRAD, "micrograd", None), ("torch", "torch", None), ("hips", "hips", None)]
    workers, skipped = [], {}
    for name, kind, tree in wanted:
        if args.engines and name not in args.engines and kind not in args.engines:
            continue
        if kind in OPTIONAL and args.quick and not args.engines:
            skipped[name] = "not run with --quick unless named with --engines"
            continue
        worker = Worker(name, kind, tree, args.heap_objects)
        reason = worker.info.get("unavailable") or worker.info.get("error")
        if reason:
            skipped[name] = reason
            worker.close()
        else:
            workers.append(worker)
    return workers, skipped


# ------------------------------------------------------------ measuring
@dataclass
class EngineRuns:
    seconds: list[float] = field(default_factory=list)
    gc_seconds: list[float] = field(default_factory=list)
    seconds_gc_off: list[float] = field(default_factory=list)
    checks: list[float] = field(default_factory=list)
    peak: int | None = None
    nodes: int | None = None
    error: str | None = None
    warmup: float | None = None  # seconds of the untimed first run
    inner: int = 1  # runs per timed run

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seconds": self.seconds,
            "gc_seconds": self.gc_seconds,
            "peak_bytes": self.peak,
            "runs_per_timed_run": self.inner,
        }
        if self.seconds_gc_off:
            out["seconds_gc_off"] = self.seconds_gc_off
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class Row:
    table: str
    workload: str
    size: int
    runs: dict[str, EngineRuns]
    pressure: PressureWindow
    speed: SpeedLog = SpeedLog(())
    collect_each: bool = False  # a collection after every run of a timed run

    @property
    def label(self) -> str:
        return label_of(self.table, self.workload, self.size)

    @property
    def nodes(self) -> int | None:
        counts = [r.nodes for r in self.runs.values() if r.nodes is not None]
        return counts[0] if counts else None

    def ok(self, name: str) -> bool:
        runs = self.runs.get(name)
        return runs is not None and runs.error is None and bool(runs.seconds)

    def ratio(self, slow: str, fast: str, gc_off: bool = False) -> Spread | None:
        """Paired ``time(slow) / time(fast)``: how many times faster ``fast`` is."""
        if not (self.ok(slow) and self.ok(fast)):
            return None
        if gc_off:
            return paired_ratios(self.runs[slow].seconds_gc_off, self.runs[fast].seconds_gc_off)
        return paired_ratios(self.runs[slow].seconds, self.runs[fast].seconds)

    def bytes_per_node(self, name: str) -> float | None:
        runs = self.runs.get(name)
        if runs is None or runs.peak is None or not self.nodes:
            return None
        return runs.peak / self.nodes


def prepare(workers: list[Worker], workload: str, size: int) -> dict[str, EngineRuns]:
    """Build each engine's workload and run it once, untimed (warm-up and check)."""
    runs: dict[str, EngineRuns] = {}
    for worker in workers:
        answer = worker.ask("prepare", workload=workload, size=size)
        if "error" not in answer:
            answer = {**worker.ask("time", gc=True), "nodes": answer["nodes"]}
        runs[worker.name] = EngineRuns(
            nodes=answer.get("nodes"), error=answer.get("error"), warmup=answer.get("seconds")
        )
    return runs


def equal_windows(runs: dict[str, EngineRuns]) -> None:
    """Give each engine as many runs per timed run as make it last about as
    long as one run of the slowest engine (by their warm-up runs)."""
    warmups = [r.warmup for r in runs.values() if r.warmup and not r.error]
    if not warmups:
        return
    slowest = max(warmups)
    for engine in runs.values():
        if engine.warmup and not engine.error:
            engine.inner = min(MAX_RUNS_PER_WINDOW, max(1, round(slowest / engine.warmup)))


def take_turns(
    workers: list[Worker],
    runs: dict[str, EngineRuns],
    repeats: int,
    gc_off_too: bool,
    collect_each: bool,
) -> SpeedLog:
    """Timed rounds: each engine once per round, in turn (A, B, A, B, ...),
    each timed run after a speed probe; returns the probes."""
    modes = (True, False) if gc_off_too else (True,)
    probes = []
    for _ in range(repeats):
        for automatic in modes:
            for worker in workers:
                engine = runs[worker.name]
                if engine.error:
                    continue
                probes.append(speed_probe())
                answer = worker.ask(
                    "time", gc=automatic, inner=engine.inner, collect_each=collect_each
                )
                if "error" in answer:
                    engine.error = answer["error"]
                elif automatic:
                    engine.seconds.append(answer["seconds"])
                    engine.gc_seconds.append(answer["gc_seconds"])
                    engine.checks.extend(answer["checks"])
                else:
                    engine.seconds_gc_off.append(answer["seconds"])
    return SpeedLog(tuple(probes))


def measure_peaks(workers: list[Worker], runs: dict[str, EngineRuns]) -> None:
    for worker in workers:
        engine = runs[worker.name]
        if not engine.error:
            engine.peak = worker.ask("peak").get("peak")


def measure(
    workers: list[Worker],
    table: str,
    workload: str,
    size: int,
    repeats: int,
    pressure: PressureLog,
    gc_off_too: bool = False,
    inner: int | None = None,
    collect_each: bool = False,
) -> Row:
    """One workload on every engine that runs it: warm-up, timed rounds, peaks.

    A timed run is ``inner`` runs back to back (small graphs, built many times
    so that the final collection does not dominate) or, without ``inner``, as
    many as make the engines' timed runs last about as long as each other
    (:func:`equal_windows`): a machine whose speed changes by the second then
    slows the runs compared with each other alike, where a fast engine's single
    run would land in one phase and the slow engine's span several. It ends
    with one collection, or one after each run with ``collect_each``."""
    able = [w for w in workers if w.runs(workload)]
    label = f"{table}: {label_of(table, workload, size)}"
    print(f"  {label} ({', '.join(w.name for w in able)})", file=sys.stderr)
    runs = prepare(able, workload, size)
    if inner is None:
        equal_windows(runs)
    else:
        for engine in runs.values():
            engine.inner = inner
    with pressure.window(label):
        speed = take_turns(able, runs, repeats, gc_off_too, collect_each)
    measure_peaks(able, runs)
    done = [f"{name} {ms(r.seconds)} ms" for name, r in runs.items() if r.seconds]
    print(f"    median per run: {', '.join(done)}", file=sys.stderr)
    return Row(table, workload, size, runs, pressure.windows[label], speed, collect_each)


# ------------------------------------------------------------ checks
def check_agreement(rows: list[Row]) -> list[str]:
    """Every engine's result of every run must match this tree's (run by run:
    a timed run of a fast engine holds more runs than a slow engine's)."""
    notes = []
    for row in rows:
        reference = row.runs.get(OURS)
        if reference is None or not reference.checks:
            continue
        for name, engine in row.runs.items():
            for ours, theirs in zip(reference.checks, engine.checks):
                if abs(ours - theirs) > CHECK_TOLERANCE * max(abs(ours), abs(theirs), 1e-300):
                    notes.append(f"{row.label}: {name} computed {theirs!r}, {OURS} {ours!r}")
                    break
    return notes


def rows_over(
    rows: list[Row], figure: Callable[[Row], float], limit: float
) -> tuple[list[Row], float]:
    """The rows whose ``figure`` exceeds ``limit``, and the largest such figure."""
    over = [r for r in rows if figure(r) > limit]
    return over, max((figure(r) for r in over), default=0.0)


def machine_notes(rows: list[Row]) -> list[str]:
    """Warnings when other processes competed for the CPUs during the timings,
    or the machine's own speed changed (seen by the speed probe only)."""
    notes = []
    busy, worst = rows_over(rows, lambda r: r.pressure.stalled_share or 0.0, BUSY)
    if busy:
        notes.append(
            f"BUSY MACHINE: during {len(busy)} of {len(rows)} workloads some task waited for "
            f"a CPU more than {BUSY:.0%} of the time (up to {worst:.1%}): their ratios are not "
            f"to be trusted; run again on a quiet machine ({'; '.join(r.label for r in busy)})."
        )
    unsteady, slowest = rows_over(rows, lambda r: r.speed.slowdown or 1.0, UNSTEADY)
    if unsteady:
        notes.append(
            f"UNSTEADY MACHINE: during {len(unsteady)} of {len(rows)} workloads the speed probe "
            f"(a fixed loop before each timed run) took up to {slowest:.2f}× its fastest time, "
            "whatever the CPU pressure said (a busy host or hyperthread sibling): the ratios' "
            "spread shows how much that moved them."
        )
    return notes


def error_notes(rows: list[Row]) -> list[str]:
    return [
        f"{row.label}: {name} failed: {engine.error}"
        for row in rows
        for name, engine in row.runs.items()
        if engine.error
    ]


# ------------------------------------------------------------ reporting
def ms(seconds: list[float]) -> str:
    return f"{1e3 * Spread.of(seconds).median:,.1f}"


def ns_per_node(seconds: list[float], nodes: int | None) -> str:
    if not nodes or not seconds:
        return ""
    return f"{1e9 * Spread.of(seconds).median / nodes:,.0f}"


def optional(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def main_table(rows: list[Row]) -> str:
    headers = ["workload", "nodes", "engine", "ms (median)", "ns/node", "bytes/node"]
    headers.append("speed vs micrograd, median (min–max)")
    cells = []
    for row in rows:
        for i, (name, engine) in enumerate(row.runs.items()):
            first = i == 0
            if engine.error:
                cells.append([row.label if first else "", "", name, "failed", "", "", ""])
                continue
            speed = row.ratio(MICROGRAD, name)
            cells.append(
                [
                    row.label if first else "",
                    optional(row.nodes, ",") if first else "",
                    name,
                    ms(engine.seconds),
                    ns_per_node(engine.seconds, row.nodes),
                    optional(row.bytes_per_node(name), ",.0f"),
                    "1×" if name == MICROGRAD else "" if speed is None else speed.format(),
                ]
            )
    return markdown_table(headers, cells, "lrlrrrr")


def scaling_table(rows: list[Row]) -> str:
    headers = ["nodes", "engine", "ns/node", "collector's share", "ns/node, automatic gc off"]
    cells = []
    for row in rows:
        for name, engine in row.runs.items():
            if engine.error:
                cells.append([optional(row.nodes, ","), name, "failed", "", ""])
                continue
            share = Spread.of([g / s for g, s in zip(engine.gc_seconds, engine.seconds)])
            cells.append(
                [
                    optional(row.nodes, ","),
                    name,
                    ns_per_node(engine.seconds, row.nodes),
                    f"{100 * share.median:.0f} % ({100 * share.low:.0f}–{100 * share.high:.0f})",
                    ns_per_node(engine.seconds_gc_off, row.nodes),
                ]
            )
    return markdown_table(headers, cells, "rlrrr")


def pressure_table(rows: list[Row]) -> str:
    cells = [[f"{r.table}: {r.label}", r.pressure.format(), r.speed.format()] for r in rows]
    headers = ["workload", "CPU pressure, some avg10 before → after (stalled share)"]
    headers.append("speed probe, slowest ÷ fastest (share slow)")
    return markdown_table(headers, cells, "lll")


@dataclass
class AgainstRow:
    label: str
    ratio: Spread | None
    bytes_per_node: dict[str, float | None]


def against_rows(rows: list[Row], new: str, old: str) -> list[AgainstRow]:
    """The training step and the 100,000-deep chain, new ÷ old."""
    picked = [r for r in rows if r.workload == "training" and r.table == "main"]
    picked += [r for r in rows if r.workload == "chain" and r.size == 100_000][:1]
    return [
        AgainstRow(
            r.label,
            r.ratio(new, old),
            {name: r.bytes_per_node(name) for name in (new, old)},
        )
        for r in picked
    ]


def against_table(comparison: list[AgainstRow], new: str, old: str) -> str:
    headers = ["workload", f"time {new} ÷ {old}, median (min–max)"]
    headers += [f"bytes/node {new}", f"bytes/node {old}"]
    cells = [
        [
            row.label,
            "failed" if row.ratio is None else row.ratio.format(3, ""),
            optional(row.bytes_per_node[new], ".0f"),
            optional(row.bytes_per_node[old], ".0f"),
        ]
        for row in comparison
    ]
    return markdown_table(headers, cells, "lrrr")


def header_lines(workers: list[Worker], skipped: dict[str, str], args: argparse.Namespace) -> str:
    lines = [
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{args.repeats} timed rounds per workload"
        + (
            f", each worker holding {args.heap_objects:,} extra live objects"
            if args.heap_objects
            else ""
        )
        + (
            "; gc.collect() after every run"
            if args.collect_each_run
            else "; gc.collect() after every timed run"
        )
    ]
    for worker in workers:
        info = worker.info
        lines.append(f"- {worker.name}: {info.get('version')} from {info.get('file')}")
    for name, reason in skipped.items():
        lines.append(f"- {name}: skipped ({reason})")
    return "\n".join(lines)


def standing_notes(workers: list[Worker]) -> list[str]:
    notes = []
    names = {w.name: w for w in workers}
    if MICROGRAD in names:
        limit = names[MICROGRAD].info.get("at_default_recursion_limit")
        notes.append(
            f"micrograd sorts recursively: its recursion limit is raised for the deep "
            f"graphs (at the default limit: {limit})."
        )
    if "torch" in names:
        notes.append("torch: tracemalloc does not see PyTorch's allocator, so no bytes/node.")
    if "hips" in names:
        notes.append(
            "hips: HIPS autograd differentiates a function of the parameters; the 100 "
            "inputs are constants there, nodes (with gradients) in the other engines."
        )
    return notes


# ------------------------------------------------------------ the run
@dataclass
class Plan:
    main: list[tuple[str, int]]
    scaling: list[int]  # node counts for the sum-of-products graph
    against_chain: bool  # an extra 100,000-deep chain for the two trees


def make_plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        main = [("training", 100), ("training_held", 100), ("chain", 10_000)]
        main.append(("sum_products", 2_500))
        scaling = [1_000, 10_000, 100_000]
    else:
        main = [("training", 100), ("training_held", 100), ("chain", 100_000)]
        main.append(("sum_products", 100_000))
        scaling = [1_000, 10_000, 100_000, 1_000_000]
    if args.workloads is not None:
        main = [(w, n) for w, n in main if w in args.workloads]
        if "scaling" not in args.workloads:
            scaling = []
    return Plan(main, scaling, args.against is not None and args.quick)


def run_plan(plan: Plan, workers: list[Worker], args: argparse.Namespace) -> list[Row]:
    pressure = PressureLog()
    each = args.collect_each_run
    rows = [
        measure(workers, "main", w, n, args.repeats, pressure, collect_each=each)
        for w, n in plan.main
    ]
    trees = [w for w in workers if w.info["kind"] == "tree"]
    if plan.against_chain:
        rows.append(
            measure(trees, "against", "chain", 100_000, args.repeats, pressure, collect_each=each)
        )
    scalable = [w for w in workers if w.info["kind"] in ("tree", "micrograd")]
    for nodes in plan.scaling:
        able = [w for w in scalable if w.info["kind"] == "tree" or nodes <= args.micrograd_max]
        n = max(1, nodes // 4)  # 4n + 1 nodes
        inner = max(1, SCALING_NODES_PER_RUN // nodes)
        rows.append(
            measure(able, "scaling", "sum_products", n, args.repeats, pressure, True, inner=inner)
        )
    return rows


def report(
    rows: list[Row],
    workers: list[Worker],
    skipped: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Print the markdown report; return the JSON document."""
    notes = machine_notes(rows) + check_agreement(rows) + error_notes(rows)
    notes += standing_notes(workers)
    print(header_lines(workers, skipped, args), end="\n\n")
    print(main_table([r for r in rows if r.table == "main"]), end="\n\n")
    scaling = [r for r in rows if r.table == "scaling"]
    if scaling:
        print(
            "Scaling: the sum-of-products graph (2 leaves, 1 product, 1 sum per term); "
            f"micrograd up to {args.micrograd_max:,} nodes (--micrograd-max)\n"
        )
        print(scaling_table(scaling), end="\n\n")
    against: dict[str, Any] | None = None
    if args.against is not None and len([w for w in workers if w.info["kind"] == "tree"]) == 2:
        new, old = OURS, next(w.name for w in workers if w.name.startswith(f"{OURS}@"))
        comparison = against_rows(rows, new, old)
        print(f"This tree against {args.against}:\n")
        print(against_table(comparison, new, old), end="\n\n")
        against = {
            "new": new,
            "old": old,
            "rows": [
                {
                    "label": c.label,
                    "time_ratio_new_over_old": None if c.ratio is None else c.ratio.as_json(),
                    "bytes_per_node": c.bytes_per_node,
                }
                for c in comparison
            ],
        }
    print(pressure_table(rows), end="\n\n")
    for note in notes:
        print(f"- {note}")
    return {
        "schema": 3,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "repeats": args.repeats,
        "heap_objects": args.heap_objects,
        "engines": {w.name: w.info for w in workers},
        "skipped": skipped,
        "rows": [row_json(r) for r in rows],
        "against": against,
        "notes": notes,
    }


def row_json(row: Row) -> dict[str, Any]:
    speedups = {name: row.ratio(MICROGRAD, name) for name in row.runs if name != MICROGRAD}
    return {
        "table": row.table,
        "workload": row.workload,
        "size": row.size,
        "label": row.label,
        "nodes": row.nodes,
        "collect_each": row.collect_each,
        "pressure": row.pressure.as_json(),
        "speed_probe": row.speed.as_json(),
        "engines": {name: engine.as_json() for name, engine in row.runs.items()},
        "speedup_vs_micrograd": {n: s.as_json() for n, s in speedups.items() if s is not None},
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--against", type=Path, help="another autograd_scalar checkout")
    parser.add_argument("--repeats", type=int, help="timed rounds per workload (3 quick, 5 full)")
    parser.add_argument(
        "--engines",
        type=lambda s: set(s.split(",")),
        help="only these (names or kinds: autograd_scalar, tree, micrograd, torch, hips)",
    )
    parser.add_argument(
        "--heap-objects",
        type=int,
        default=0,
        help="live objects each worker holds, as a process with big imports does",
    )
    parser.add_argument(
        "--workloads",
        type=lambda s: set(s.split(",")),
        help=f"only these rows: {', '.join(WORKLOADS)} and scaling (the scaling table)",
    )
    parser.add_argument(
        "--collect-each-run",
        action="store_true",
        help="end every run of a timed run with gc.collect(), not only the timed run's last",
    )
    parser.add_argument(
        "--micrograd-max",
        type=int,
        default=100_000,
        help="largest graph of the scaling table micrograd builds, in nodes (at 10^6 its "
        "runs take minutes each)",
    )
    args = parser.parse_args(argv)
    if args.workloads is not None and not args.workloads <= {*WORKLOADS, "scaling"}:
        unknown = ", ".join(sorted(args.workloads - {*WORKLOADS, "scaling"}))
        parser.error(f"--workloads: no such workload: {unknown}")
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    if args.against is not None and not (args.against / "autograd_scalar").is_dir():
        parser.error(f"--against {args.against}: no autograd_scalar package there")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workers, skipped = start_workers(args)
    try:
        if not any(w.name == OURS for w in workers):
            print(f"{OURS} could not be loaded: {skipped.get(OURS)}", file=sys.stderr)
            return 2
        rows = run_plan(make_plan(args), workers, args)
        document = report(rows, workers, skipped, args)
    finally:
        for worker in workers:
            worker.close()
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
