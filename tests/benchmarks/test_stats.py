"""The statistics every benchmark shares: spreads, pairing, pressure, tables."""

from pathlib import Path

import pytest
from stats import (
    PressureLog,
    PressureReading,
    PressureWindow,
    SpeedLog,
    Spread,
    alternate,
    markdown_table,
    paired_ratios,
    parse_pressure,
    read_pressure,
    speed_probe,
)

PSI = """some avg10=2.68 avg60=0.81 avg300=0.35 total=4821685
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
"""


def test_spread_is_median_min_max():
    spread = Spread.of([3.0, 1.0, 2.0, 10.0])
    assert (spread.median, spread.low, spread.high) == (2.5, 1.0, 10.0)
    assert spread.values == (3.0, 1.0, 2.0, 10.0)


def test_spread_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no figures"):
        Spread.of([])


def test_spread_format():
    assert Spread.of([14.1, 13.7, 15.2]).format() == "14.1× (13.7–15.2)"
    assert Spread.of([1.0, 1.0]).format(0) == "1×"
    assert Spread.of([0.98765]).format(3, "") == "0.988"


def test_spread_json():
    assert Spread.of([1.0, 3.0]).as_json() == {
        "median": 2.0,
        "min": 1.0,
        "max": 3.0,
        "values": (1.0, 3.0),
    }


def test_paired_ratios_pair_runs_of_the_same_round():
    # a drifting machine: both engines slow down together, the ratio stays 10
    slow = [10.0, 20.0, 40.0]
    fast = [1.0, 2.0, 4.0]
    assert paired_ratios(slow, fast).values == (10.0, 10.0, 10.0)


def test_paired_ratios_refuse_unpaired_runs():
    with pytest.raises(ValueError, match="unpaired"):
        paired_ratios([1.0, 2.0], [1.0])


def test_alternate_takes_turns():
    assert list(alternate("AB", 3)) == [(0, "A"), (0, "B"), (1, "A"), (1, "B"), (2, "A"), (2, "B")]


def test_parse_pressure_reads_the_some_line():
    assert parse_pressure(PSI, at=5.0) == PressureReading(2.68, 4821685, 5.0)
    assert parse_pressure("full avg10=0.00 avg60=0 avg300=0 total=0\n", at=0.0) is None


def test_read_pressure_without_psi_is_none(tmp_path: Path):
    assert read_pressure(tmp_path / "absent") is None
    (tmp_path / "cpu").write_text(PSI)
    reading = read_pressure(tmp_path / "cpu")
    assert reading is not None and reading.avg10 == 2.68


def test_stalled_share_is_waiting_over_wall_time():
    window = PressureWindow(
        PressureReading(1.0, 1_000_000, 10.0), PressureReading(3.0, 1_500_000, 12.0)
    )
    assert window.stalled_share == pytest.approx(0.25)
    assert window.format() == "1.0 → 3.0 % (stalled 25.0 %)"
    assert window.as_json() == {
        "some_avg10_before": 1.0,
        "some_avg10_after": 3.0,
        "stalled_share": pytest.approx(0.25),
    }


def test_pressure_without_readings():
    window = PressureWindow(None, None)
    assert window.stalled_share is None
    assert window.format() == "n/a"
    assert window.as_json()["some_avg10_before"] is None


def test_pressure_log_keeps_a_window_per_name():
    log = PressureLog()
    with log.window("training"):
        pass
    assert list(log.windows) == ["training"]
    if log.windows["training"].before is None:  # no PSI on this kernel
        assert log.worst_avg10() is None
    else:
        assert log.worst_avg10() is not None


def test_markdown_table():
    table = markdown_table(["a", "b"], [["x", "1"]], "lr")
    assert table.splitlines() == ["| a | b |", "| --- | ---: |", "| x | 1 |"]


def test_markdown_table_checks_its_shape():
    with pytest.raises(ValueError, match="one cell per header"):
        markdown_table(["a", "b"], [["x"]], "lr")


def test_speed_log_reports_the_slowdown_and_the_slow_share():
    log = SpeedLog((0.010, 0.012, 0.020, 0.010))
    assert log.slowdown == pytest.approx(2.0)
    assert log.slow_share == pytest.approx(0.25)  # only 0.020 is over 1.25 × 0.010
    assert log.format() == "2.00× (slow 25 %)"
    assert SpeedLog(()).format() == "n/a" and SpeedLog(()).slowdown is None


def test_the_speed_probe_times_its_loop():
    assert 0.0 < speed_probe(1_000) < speed_probe(200_000)
