"""run.py's bookkeeping and report (made-up figures: nothing here is timed)."""

import json
from pathlib import Path

import pytest
import run
from engines import Prepared
from stats import PressureReading, PressureWindow, SpeedLog
from worker import CollectorClock, hold_heap, time_once

QUIET = PressureWindow(PressureReading(0.1, 0, 0.0), PressureReading(0.2, 10_000, 1.0))


def engine_runs(seconds, peak=1_430, nodes=10, checks=None):
    return run.EngineRuns(
        seconds=list(seconds),
        gc_seconds=[s / 4 for s in seconds],
        checks=list(checks if checks is not None else [1.0] * len(seconds)),
        peak=peak,
        nodes=nodes,
    )


def training_row():
    runs = {
        "autograd_scalar": engine_runs([0.05, 0.10, 0.05]),
        "autograd_scalar@baseline": engine_runs([0.05, 0.09, 0.05], peak=1_450),
        "micrograd": engine_runs([0.70, 1.50, 0.60], peak=7_440),
        "torch": engine_runs([0.35, 0.70, 0.30], peak=None, nodes=None),
    }
    return run.Row("main", "training", 100, runs, QUIET)


def test_ratios_pair_the_rounds():
    row = training_row()
    speed = row.ratio("micrograd", "autograd_scalar")
    assert speed is not None
    assert speed.values == pytest.approx((14.0, 15.0, 12.0))
    assert speed.median == pytest.approx(14.0)


def test_a_failed_engine_has_no_ratio():
    row = training_row()
    row.runs["micrograd"].error = "RecursionError"
    assert row.ratio("micrograd", "autograd_scalar") is None
    assert row.ratio("absent", "autograd_scalar") is None


def test_nodes_and_bytes_per_node():
    row = training_row()
    assert row.nodes == 10  # torch cannot count its graph; the others can
    assert row.bytes_per_node("autograd_scalar") == 143
    assert row.bytes_per_node("torch") is None


def test_labels():
    assert training_row().label == "training step (MLP 2-16-16-1, 100 moons)"
    assert run.label_of("main", "chain", 100_000) == "chain, 100,000 deep"
    assert run.label_of("scaling", "sum_products", 250) == "sum of 250 products (1,001 nodes)"


def test_main_table_has_a_line_per_engine():
    table = run.main_table([training_row()]).splitlines()
    assert len(table) == 2 + 4
    assert "| training step" in table[2] and "14.0× (12.0–15.0)" in table[2]
    assert "| micrograd |" in table[4] and table[4].endswith("| 1× |")
    assert "| n/a |" in table[5]  # torch's memory


def test_scaling_table_shows_the_collectors_share():
    row = training_row()
    for engine in row.runs.values():
        engine.seconds_gc_off = [s / 2 for s in engine.seconds]
    lines = run.scaling_table([row]).splitlines()
    assert "25 % (25–25)" in lines[2]


def test_against_picks_the_step_and_the_100000_chain():
    chain = run.Row(
        "against",
        "chain",
        100_000,
        {
            "autograd_scalar": engine_runs([0.10, 0.11], nodes=100_002),
            "autograd_scalar@baseline": engine_runs([0.10, 0.10], nodes=100_002),
        },
        QUIET,
    )
    rows = run.against_rows([training_row(), chain], "autograd_scalar", "autograd_scalar@baseline")
    assert [r.label for r in rows] == [
        "training step (MLP 2-16-16-1, 100 moons)",
        "chain, 100,000 deep",
    ]
    assert rows[1].ratio is not None and rows[1].ratio.median == pytest.approx(1.05)
    table = run.against_table(rows, "autograd_scalar", "autograd_scalar@baseline")
    assert "| 143 | 145 |" in table.splitlines()[2]


def test_engines_must_agree_on_the_results():
    row = training_row()
    assert run.check_agreement([row]) == []
    row.runs["torch"].checks = [1.0, 1.0 + 1e-6, 1.0]
    (note,) = run.check_agreement([row])
    assert note.startswith("training step") and "torch computed" in note


def test_row_json_round_trips():
    document = run.row_json(training_row())
    again = json.loads(json.dumps(document))
    assert again["workload"] == "training" and again["nodes"] == 10
    assert again["pressure"]["some_avg10_before"] == 0.1
    assert again["speed_probe"] == {"seconds": [], "slowdown": None, "slow_share": None}
    assert again["engines"]["micrograd"]["runs_per_timed_run"] == 1
    assert set(again["speedup_vs_micrograd"]) == {
        "autograd_scalar",
        "autograd_scalar@baseline",
        "torch",
    }
    assert again["engines"]["torch"]["peak_bytes"] is None


def test_parse_args_defaults():
    assert run.parse_args(["--quick"]).repeats == 3
    assert run.parse_args([]).repeats == 5
    assert run.parse_args(["--engines", "tree,micrograd"]).engines == {"tree", "micrograd"}


def test_against_needs_a_checkout(tmp_path: Path):
    with pytest.raises(SystemExit):
        run.parse_args(["--against", str(tmp_path)])


def test_plan_sizes():
    quick = run.make_plan(run.parse_args(["--quick"]))
    full = run.make_plan(run.parse_args([]))
    assert quick.scaling == [1_000, 10_000, 100_000]
    assert full.scaling == [1_000, 10_000, 100_000, 1_000_000]
    assert ("chain", 100_000) in full.main
    # equal sizes for every engine: one size per workload
    assert len({w for w, _ in full.main}) == len(full.main)


def test_time_once_runs_inner_times_and_reports_per_run():
    calls = []
    prepared = Prepared(lambda: calls.append(1) or float(len(calls)), nodes=1, traced=True)
    answer = time_once(prepared, collect_automatically=False, inner=3)
    assert len(calls) == 3
    assert set(answer) == {"seconds", "gc_seconds", "checks"}
    assert answer["checks"] == [1.0, 2.0, 3.0]
    assert 0.0 <= answer["gc_seconds"] <= answer["seconds"]


@pytest.mark.parametrize(("collect_each", "collections"), [(False, 1), (True, 4)])
def test_time_once_collects_after_every_run_when_asked(collect_each, collections):
    import gc

    seen = []

    def count(phase, info):
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    def run_without_collecting_automatically():
        gc.disable()  # no automatic collection to count; gc.collect() still runs
        return 0.0

    prepared = Prepared(run_without_collecting_automatically, nodes=1, traced=True)
    gc.callbacks.append(count)
    try:
        seen.clear()
        time_once(prepared, collect_automatically=True, inner=4, collect_each=collect_each)
    finally:
        gc.callbacks.remove(count)
        gc.enable()
    # one full collection before the timing, then one per run or one in all
    assert len(seen) == 1 + collections


def test_fast_engines_get_timed_runs_as_long_as_the_slowest():
    runs = {
        "autograd_scalar": run.EngineRuns(warmup=0.07),
        "micrograd": run.EngineRuns(warmup=1.4),
        "fast": run.EngineRuns(warmup=1e-6),
        "broken": run.EngineRuns(warmup=0.01, error="RecursionError"),
    }
    run.equal_windows(runs)
    assert runs["autograd_scalar"].inner == 20
    assert runs["micrograd"].inner == 1
    assert runs["fast"].inner == run.MAX_RUNS_PER_WINDOW
    assert runs["broken"].inner == 1


def test_results_are_compared_run_by_run_across_windows():
    row = training_row()
    # four runs of ours in the time of micrograd's two: the first two must match
    row.runs["autograd_scalar"].checks = [1.0, 2.0, 3.0, 4.0]
    row.runs["micrograd"].checks = [1.0, 2.0]
    row.runs["autograd_scalar@baseline"].checks = [1.0, 2.0, 3.0]
    row.runs["torch"].checks = [1.0]
    assert run.check_agreement([row]) == []
    row.runs["micrograd"].checks = [1.0, 2.5]
    (note,) = run.check_agreement([row])
    assert "micrograd computed 2.5" in note


def test_an_unsteady_machine_is_called_out():
    steady = training_row()
    steady.speed = SpeedLog((0.004, 0.0041, 0.0042))
    assert run.machine_notes([steady]) == []
    unsteady = training_row()
    unsteady.speed = SpeedLog((0.004, 0.0078, 0.0041))
    (note,) = run.machine_notes([steady, unsteady])
    assert note.startswith("UNSTEADY MACHINE: during 1 of 2 workloads") and "1.95×" in note
    table = run.pressure_table([steady, unsteady]).splitlines()
    assert table[3].endswith("| 1.95× (slow 33 %) |")


def test_collector_clock_counts_collections_and_unhooks():
    import gc

    with CollectorClock() as clock:
        gc.collect()
    assert clock.seconds > 0.0
    assert clock not in gc.callbacks


def test_hold_heap():
    assert len(hold_heap(5)) == 5


def test_a_busy_machine_is_called_out():
    quiet = training_row()
    assert run.machine_notes([quiet]) == []  # stalled 1 % of the time
    busy = training_row()
    busy.pressure = PressureWindow(
        PressureReading(50.0, 0, 0.0), PressureReading(60.0, 600_000, 1.0)
    )
    (note,) = run.machine_notes([quiet, busy])
    assert note.startswith("BUSY MACHINE: during 1 of 2 workloads") and "up to 60.0%" in note


def test_the_training_step_is_also_timed_as_fit_runs_it():
    """The plain step keeps its meaning; the held one is a row of its own."""
    for argv in (["--quick"], []):
        plan = run.make_plan(run.parse_args(argv))
        assert ("training", 100) in plan.main and ("training_held", 100) in plan.main
    assert "collector held" in run.label_of("main", "training_held", 100)
    assert "held" not in run.label_of("main", "training", 100)


def test_workloads_pick_the_rows():
    plan = run.make_plan(run.parse_args(["--workloads", "training_held,chain"]))
    assert [w for w, _ in plan.main] == ["training_held", "chain"] and plan.scaling == []
    plan = run.make_plan(run.parse_args(["--quick", "--workloads", "scaling"]))
    assert plan.main == [] and plan.scaling == [1_000, 10_000, 100_000]
    with pytest.raises(SystemExit):
        run.parse_args(["--workloads", "training,nonsense"])
