"""The graph command, called in-process and as a separate Python process."""

import argparse
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_scalar.cli.graph import add_arguments, run

ROOT = Path(__file__).resolve().parents[2]
# __main__ is wired up elsewhere; the command is exercised through its own functions.
LAUNCH = (
    "import argparse, sys; from autograd_scalar.cli.graph import add_arguments, run; "
    "p = argparse.ArgumentParser(prog='autograd-scalar graph'); add_arguments(p); "
    "sys.exit(run(p.parse_args(sys.argv[1:])))"
)


def _run(*argv):
    parser = argparse.ArgumentParser(prog="graph")
    add_arguments(parser)
    return run(parser.parse_args(list(argv)))


def _process(*argv, cwd=None):
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd or ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def _table(text):
    rows = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) == 3:
            rows[parts[0]] = (float(parts[1]), float(parts[2]))
    return rows


def test_prints_the_output_and_every_gradient(capsys):
    assert _run("tanh(w*x + b)", "x=2", "w=-3", "b=1") == 0
    rows = _table(capsys.readouterr().out)
    t = math.tanh(-5.0)
    assert rows["f"] == (t, 1.0)
    assert rows["x"] == pytest.approx((2.0, -3.0 * (1 - t * t)), rel=1e-12)
    assert rows["w"] == pytest.approx((-3.0, 2.0 * (1 - t * t)), rel=1e-12)
    assert rows["b"] == pytest.approx((1.0, 1 - t * t), rel=1e-12)


def test_writes_the_diagram_and_the_step_through(tmp_path, capsys):
    svg, html, frames = tmp_path / "g.svg", tmp_path / "steps.html", tmp_path / "frames"
    code = _run("x*x + x", "x=3", "-o", str(svg), "--steps", str(html), "--steps-svg", str(frames))
    assert code == 0
    assert "<svg" in svg.read_text()
    page = html.read_text()
    assert "∂L/∂x = 1.0·(1.0) + 1.0·(3.0) + 1.0·(3.0) = 7.0" in page
    assert len(list(frames.glob("frame_*.svg"))) == 3
    assert "wrote" in capsys.readouterr().out


def test_params_are_coloured_as_parameters(tmp_path):
    from autograd_scalar.viz.graph import KIND_STYLES

    dot = tmp_path / "g.dot"
    assert _run("w*x + b", "x=2", "w=-3", "b=1", "--params", "w,b", "-o", str(dot)) == 0
    parameter = KIND_STYLES["parameter"][1]["fillcolor"]
    lines = [
        line.strip()
        for line in dot.read_text().splitlines()
        if parameter in line and not line.strip().startswith("legend_")
    ]
    names = sorted(line.split('label="')[1].split("\\n")[0] for line in lines)
    assert names == ["b", "w"]
    assert _run("w*x", "x=2", "w=1", "--params", "v") == 2


def test_backward_view_and_png(tmp_path):
    png = tmp_path / "g.png"
    assert _run("sigmoid(x)", "x=0", "-o", str(png), "--view", "backward") == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_as_a_process_without_system_graphviz(tmp_path):
    done = _process("tanh(w*x + b)", "x=2", "w=-3", "b=1", "-o", str(tmp_path / "g.svg"))
    assert done.returncode == 0, done.stderr
    assert "<svg" in (tmp_path / "g.svg").read_text()
    assert _table(done.stdout)["x"][0] == 2.0


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["__import__('os')", "x=1"], "calls to '__import__' are not allowed"),
        (["x.__class__", "x=1"], "attribute access is not allowed"),
        (["x**10**10", "x=2"], "overflows"),
        (["(" * 10_000 + "x" + ")" * 10_000, "x=1"], "longer than"),
        (["(" * 150 + "x" + ")" * 150, "x=1"], "nested deeper"),
        (["x + y", "x=1"], "unknown name 'y'"),
        (["x", "x=abc"], "not a number"),
        (["x", "x"], "NAME=VALUE"),
        (["x", "x=1", "x=2"], "given twice"),
    ],
)
def test_hostile_or_bad_input_exits_2_with_a_clear_error(argv, needle):
    done = _process(*argv)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_caret_is_under_the_offending_part():
    done = _process("x + open('f')", "x=1")
    lines = done.stderr.splitlines()
    assert lines[-2] == "  x + open('f')"
    assert lines[-1] == "      ^^^^"


def test_hostile_input_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    done = _process(f"__import__('os').system('touch {marker}')", "x=1")
    assert done.returncode == 2
    assert not marker.exists()


def test_a_gradient_that_is_not_finite_exits_1():
    done = _process("sqrt(x)", "x=0")  # d sqrt/dx is infinite at 0
    assert done.returncode == 1
    assert "sqrt" in done.stderr
    assert "Traceback" not in done.stderr


def test_too_large_a_graph_exits_1_and_suggests_what_to_do(tmp_path, capsys):
    text = "+".join(["x"] * 30)
    code = _run(text, "x=1", "-o", str(tmp_path / "g.svg"), "--max-nodes", "10")
    assert code == 1
    error = capsys.readouterr().err
    assert "draw_network" in error
    assert "max_nodes" in error
    assert not (tmp_path / "g.svg").exists()
    assert _run(text, "x=1", "-o", str(tmp_path / "g.svg"), "--max-nodes", "100") == 0
