"""What every benchmark here shares: paired ratios, CPU pressure, a speed probe, markdown.

Timings on a shared machine drift: another process starts, the CPU clocks
down. So the benchmarks alternate the engines (A, B, A, B, ...) and compare
each run of A with the run of B next to it in time. The median of those paired
ratios, with their min and max, is what they report, beside the CPU pressure
measured over the same runs and the spread of a speed probe timed before each
run (a virtual machine whose host is busy slows down with no pressure to see).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

PRESSURE_FILE = Path("/proc/pressure/cpu")

T = TypeVar("T")


# ------------------------------------------------------------ spreads
@dataclass(frozen=True)
class Spread:
    """The median of some figures, with their min and max."""

    median: float
    low: float
    high: float
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("a spread of no figures")
        return cls(statistics.median(values), min(values), max(values), tuple(values))

    def format(self, digits: int = 1, suffix: str = "×") -> str:
        """``14.1× (13.7–15.2)``; just the median when the figures are all one."""
        median = f"{self.median:.{digits}f}{suffix}"
        if self.low == self.high:
            return median
        return f"{median} ({self.low:.{digits}f}–{self.high:.{digits}f})"

    def as_json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "values": self.values}


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
    """Ratios of the runs made side by side: ``numerators[i] / denominators[i]``."""
    if len(numerators) != len(denominators):
        raise ValueError(f"unpaired runs: {len(numerators)} and {len(denominators)}")
    return Spread.of([a / b for a, b in zip(numerators, denominators)])


def alternate(engines: Sequence[T], repeats: int) -> Iterator[tuple[int, T]]:
    """(repeat, engine) in the order to run them: A, B, A, B, ..."""
    for repeat in range(repeats):
        for engine in engines:
            yield repeat, engine


# ------------------------------------------------------------ CPU pressure
@dataclass(frozen=True)
class PressureReading:
    """One reading of the ``some`` line of /proc/pressure/cpu."""

    avg10: float  # % of the last 10 s in which some runnable task waited for a CPU
    total_us: int  # microseconds of such waiting since boot
    at: float  # time.monotonic() of the reading


def parse_pressure(text: str, at: float) -> PressureReading | None:
    """The ``some`` line of the kernel's PSI file, or None if it has none."""
    for line in text.splitlines():
        kind, *fields = line.split()
        if kind != "some":
            continue
        values = dict(field.split("=", 1) for field in fields)
        return PressureReading(float(values["avg10"]), int(values["total"]), at)
    return None


def read_pressure(path: Path = PRESSURE_FILE) -> PressureReading | None:
    """CPU pressure now, or None where the kernel does not report it."""
    try:
        text = path.read_text()
    except OSError:
        return None
    return parse_pressure(text, time.monotonic())


@dataclass(frozen=True)
class PressureWindow:
    """CPU pressure before and after a stretch of measurements."""

    before: PressureReading | None
    after: PressureReading | None

    @property
    def stalled_share(self) -> float | None:
        """Share of the window's wall time in which some task waited for a CPU."""
        if self.before is None or self.after is None or self.after.at <= self.before.at:
            return None
        waited = (self.after.total_us - self.before.total_us) / 1e6
        return waited / (self.after.at - self.before.at)

    def format(self) -> str:
        """``0.4 → 1.2 % (stalled 0.8 %)``, or a dash without PSI."""
        if self.before is None or self.after is None:
            return "n/a"
        share = self.stalled_share
        stalled = "" if share is None else f" (stalled {100 * share:.1f} %)"
        return f"{self.before.avg10:.1f} → {self.after.avg10:.1f} %{stalled}"

    def as_json(self) -> dict[str, Any]:
        return {
            "some_avg10_before": None if self.before is None else self.before.avg10,
            "some_avg10_after": None if self.after is None else self.after.avg10,
            "stalled_share": self.stalled_share,
        }


class PressureLog:
    """The pressure around each workload: ``with log.window(name): ...``."""

    def __init__(self) -> None:
        self.windows: dict[str, PressureWindow] = {}

    @contextmanager
    def window(self, name: str) -> Iterator[None]:
        before = read_pressure()
        yield
        self.windows[name] = PressureWindow(before, read_pressure())

    def worst_avg10(self) -> float | None:
        readings = [r.avg10 for w in self.windows.values() for r in (w.before, w.after) if r]
        return max(readings) if readings else None


# ------------------------------------------------------------ machine speed
#: Iterations of the probe's loop: a few milliseconds of pure Python.
PROBE_LOOPS = 50_000
#: A probe this much slower than the fastest one counts as the machine running slow.
SLOW = 1.25


def speed_probe(loops: int = PROBE_LOOPS) -> float:
    """Seconds that a fixed pure-Python loop takes now: the machine's speed.

    CPU pressure counts only this system's tasks waiting for a CPU. A virtual
    machine whose host is busy, or a core whose sibling hyperthread is, runs the
    same code up to twice as slowly with no task waiting; this loop sees it."""
    start = time.perf_counter()
    total = 0.0
    for i in range(loops):
        total += i * 0.5
    return time.perf_counter() - start


@dataclass(frozen=True)
class SpeedLog:
    """Speed probes taken during a workload, one before each timed run."""

    seconds: tuple[float, ...]

    @property
    def slowdown(self) -> float | None:
        """The slowest probe ÷ the fastest: 1.0 on a steady machine."""
        return max(self.seconds) / min(self.seconds) if self.seconds else None

    @property
    def slow_share(self) -> float | None:
        """Share of the probes more than :data:`SLOW` times the fastest."""
        if not self.seconds:
            return None
        fastest = min(self.seconds)
        return sum(s > SLOW * fastest for s in self.seconds) / len(self.seconds)

    def format(self) -> str:
        """``1.9× (slow 40 %)``, or ``n/a`` without probes."""
        if self.slowdown is None or self.slow_share is None:
            return "n/a"
        return f"{self.slowdown:.2f}× (slow {100 * self.slow_share:.0f} %)"

    def as_json(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "slowdown": self.slowdown, "slow_share": self.slow_share}


# ------------------------------------------------------------ markdown
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A markdown table; ``align`` has one letter per column, ``l`` or ``r``."""
    if len(align) != len(headers) or any(len(row) != len(headers) for row in rows):
        raise ValueError("every row needs one cell per header, and align one letter each")
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = [headers, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
