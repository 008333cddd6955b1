"""The graph command, called in-process and as a separate Python process."""

import argparse
import math
import shutil
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
    assert rows["L"] == (t, 1.0)
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


# ------------------------------------------------- the whole command, via main()
def _main(argv, capsys):
    from autograd_scalar.cli.main import main

    code = main(["graph", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _graphviz_pure():
    here = Path(sys.executable).parent / "graphviz-pure"
    return str(here) if here.is_file() else shutil.which("graphviz-pure")


@pytest.mark.parametrize(
    "argv",
    [
        ["-x*y", "x=1", "y=2"],
        ["-x*y", "x=1", "y=2", "--view", "backward"],
        ["--view", "backward", "-x*y", "x=1", "y=2"],
        ["--max-nodes=50", "-x*y", "x=1", "y=2"],
        ["--", "-x*y", "x=1", "y=2"],
        ["-(x*y)", "x=1", "y=2"],
        ["--params", "x", "-x*y", "x=1", "y=2"],
    ],
)
def test_an_expression_may_start_with_minus(argv, capsys):
    code, out, err = _main(argv, capsys)
    assert (code, err) == (0, "")
    rows = _table(out)
    assert rows["L"] == (-2.0, 1.0)
    assert rows["x"] == (1.0, -2.0)  # d(-xy)/dx = -y
    assert rows["y"] == (2.0, -1.0)


def test_an_expression_starting_with_minus_next_to_options(tmp_path, capsys):
    svg = tmp_path / "g.svg"
    code, out, _ = _main(["-o", str(svg), "-2*x", "x=3"], capsys)
    assert code == 0
    assert _table(out)["x"] == (3.0, -2.0)
    assert "<svg" in svg.read_text()
    code, out, _ = _main([f"-o{svg}", "-x", "x=3"], capsys)  # -o with its value glued on
    assert code == 0
    assert _table(out)["x"] == (3.0, -1.0)


def test_a_long_flat_sum_is_accepted(capsys):
    """300 terms: one chain, not 300 levels of nesting."""
    code, out, err = _main(["+".join(["x"] * 300), "x=1"], capsys)
    assert (code, err) == (0, "")
    assert _table(out)["x"] == (1.0, 300.0)


@pytest.mark.parametrize(
    "outputs",
    [
        ["-o", "g.svg"],
        ["-o", "g.png"],
        ["-o", "g.dot"],
        ["--steps", "s.html"],
        ["--steps-svg", "d"],
    ],
)
def test_without_the_viz_extra_one_line_says_what_to_install(
    outputs, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # as if the extra were not installed
    monkeypatch.chdir(tmp_path)
    code, out, err = _main(["x*y", "x=1", "y=2", *outputs], capsys)
    assert code == 2
    assert out == ""  # checked before anything is computed or printed
    assert err.count("\n") == 1
    assert err.startswith(f"error: {outputs[0]} {outputs[1]}: ")
    assert "graphviz" in err
    assert 'pip install "autograd_scalar[viz]"' in err
    assert list(tmp_path.iterdir()) == []


def test_without_a_renderer_one_line_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOGRAD_SCALAR_DOT", str(tmp_path / "missing-dot"))
    code, out, err = _main(["x*y", "x=1", "y=2", "-o", str(tmp_path / "g.svg")], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "AUTOGRAD_SCALAR_DOT" in err
    # .dot needs no renderer
    code, _, _ = _main(["x*y", "x=1", "y=2", "-o", str(tmp_path / "g.dot")], capsys)
    assert code == 0
    assert "digraph" in (tmp_path / "g.dot").read_text()


def test_pdf_is_refused_up_front_where_the_renderer_cannot_write_it(tmp_path, monkeypatch, capsys):
    program = _graphviz_pure()
    if program is None:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("AUTOGRAD_SCALAR_DOT", program)
    code, out, err = _main(["x*y", "x=1", "y=2", "-o", str(tmp_path / "g.pdf")], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "graphviz-pure cannot write PDF" in err
    assert not (tmp_path / "g.pdf").exists()
    # ...and neither --help nor the suffix error offers it as if it worked
    code, out, _ = _main(["--help"], capsys)
    assert code == 0
    help_text = " ".join(out.split())
    assert "format: .svg, .png or .dot (.pdf needs a renderer that can" in help_text
    code, _, err = _main(["x", "x=1", "-o", str(tmp_path / "g.xyz")], capsys)
    assert code == 2
    assert ".pdf" not in err


def test_pdf_is_written_where_the_renderer_can(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "fake-dot"  # stands for a system dot with PDF support
    fake.write_text("#!/bin/sh\ncat > /dev/null\nprintf '%%PDF-1.4\\n%%fake %s\\n' \"$1\"\n")
    fake.chmod(0o755)
    monkeypatch.setenv("AUTOGRAD_SCALAR_DOT", str(fake))
    pdf = tmp_path / "g.pdf"
    code, out, err = _main(["x*y", "x=1", "y=2", "-o", str(pdf)], capsys)
    assert (code, err) == (0, "")
    assert pdf.read_bytes() == b"%PDF-1.4\n%fake -Tpdf\n"
    assert f"wrote {pdf}" in out


@pytest.mark.parametrize(
    ("outputs", "needle"),
    [
        (["-o", "{tmp}/missing/g.svg"], "does not exist"),
        (["-o", "{tmp}/a_file/g.svg"], "not a folder"),
        (["-o", "{tmp}/a_folder"], "no suffix"),
        (["-o", "{tmp}/a_folder.svg"], "is a folder"),
        (["-o", "{tmp}/g.jpeg"], "unknown suffix '.jpeg'"),
        (["-o", "{tmp}/g.svg", "--steps", "{tmp}/s.svg"], "is an .html page"),
        (["--steps", "{tmp}/a_folder.html"], "is a folder"),
        (["--steps-svg", "{tmp}/a_file"], "not a folder"),
        (["--steps-svg", "{tmp}/a_file/frames"], "not a folder"),
        (["-o", "{tmp}/g.svg", "--steps", "{tmp}/g.svg"], "writes there too"),
        (["-o", "{tmp}/g.dot", "--steps-svg", "{tmp}/g.dot"], "writes there too"),
    ],
)
def test_bad_outputs_are_refused_before_anything_is_printed(outputs, needle, tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_folder.svg").mkdir()
    (tmp_path / "a_folder.html").mkdir()
    before = sorted(tmp_path.rglob("*"))
    argv = [part.format(tmp=tmp_path) for part in outputs]
    code, out, err = _main(["x*y", "x=1", "y=2", *argv], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert needle in err
    assert sorted(tmp_path.rglob("*")) == before


def test_an_unwritable_folder_is_refused_before_anything_is_printed(tmp_path, monkeypatch, capsys):
    # root may write anywhere, so stand in for a read-only folder
    import os

    from autograd_scalar.cli import graph

    real_access = os.access
    monkeypatch.setattr(
        graph.os, "access", lambda path, mode: Path(path) != tmp_path and real_access(path, mode)
    )
    code, out, err = _main(["x", "x=1", "-o", str(tmp_path / "g.svg")], capsys)
    assert (code, out) == (2, "")
    assert "cannot write in the folder" in err
