"""Tests of the command line (autograd_scalar.__main__) and the demo."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_scalar.cli.demo import decision_boundary_svg, run_demo
from autograd_scalar.cli.main import main
from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--epochs", "3", "--samples", "20", "--hidden", "4", "--no-progress"]


@pytest.fixture
def no_viz(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import autograd_scalar.viz` fail, whether or not it exists."""
    monkeypatch.setitem(sys.modules, "autograd_scalar.viz", None)


def test_demo_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_viz: None
) -> None:
    assert main(["demo", "--out", str(tmp_path / "out"), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "final training accuracy:" in printed
    assert "needs the [viz] extra" in printed
    picture = tmp_path / "out" / "decision_boundary.svg"
    root = ET.parse(picture).getroot()  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 20
    model = MLP(2, [4, 1])
    model.load(tmp_path / "out" / "model.json")


def test_demo_reaches_95_percent_on_the_default_moons(tmp_path: Path) -> None:
    """The default data and model, with 40 of the default 100 epochs to keep
    the test short (the full demo gets higher)."""
    result = run_demo(tmp_path, epochs=40, progress=False, stream=io.StringIO())
    assert result.accuracy >= 0.95
    assert not result.history.interrupted


def test_demo_draws_a_neuron_with_the_viz_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Value, str, list[Value]]] = []

    class Diagram:
        def __init__(self, root: Value, view: str) -> None:
            self.root, self.view = root, view

        def save(self, path: Path) -> None:
            Path(path).write_text(f"<svg>{self.view}</svg>")

    def draw_graph(root: Value, *, view: str = "forward", params: list[Value]) -> Diagram:
        calls.append((root, view, params))
        return Diagram(root, view)

    fake = types.ModuleType("autograd_scalar.viz")
    fake.draw_graph = draw_graph
    monkeypatch.setitem(sys.modules, "autograd_scalar.viz", fake)
    result = run_demo(tmp_path, epochs=2, samples=10, hidden=[3], progress=False,
                      stream=io.StringIO())  # fmt: skip
    assert [view for _, view, _ in calls] == ["forward", "backward"]
    root, _, params = calls[1]
    assert root.op == "relu"  # a first-layer neuron's output
    assert root.label == "a"
    assert root.data > 0.0  # an active one: its backward graph has nonzero gradients
    leaves = [p for p in root.walk() if p.is_leaf and p.label]
    assert {p.label for p in leaves} - {p.label for p in params} == {"x1", "x2"}
    assert len(params) == 3
    assert all(p.label.startswith("L1.n") for p in params)
    assert (tmp_path / "neuron_backward.svg").read_text() == "<svg>backward</svg>"
    assert tmp_path / "neuron_forward.svg" in result.files


def test_decision_boundary_colours_follow_the_score() -> None:
    net = MLP.from_weights([[[1.0, 0.0]]], [[0.0]], "linear")  # class 1 where x1 > 0
    svg = decision_boundary_svg(net, [[-1.0, 0.0], [1.0, 0.0]], [0, 1], resolution=2)
    root = ET.fromstring(svg)
    cells = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert len(cells) == 4
    left = [c for c in cells if float(c.get("x", "0")) == 0.0]
    right = [c for c in cells if float(c.get("x", "0")) > 0.0]
    assert {c.get("fill") for c in left} == {"rgb(70,130,220)"}
    assert {c.get("fill") for c in right} == {"rgb(255,160,60)"}


# --------------------------------------------------------------------- the CLI
def test_graph_command_without_graph_cli_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "autograd_scalar.cli.graph", None)
    assert main(["graph", "x * y"]) == 2
    assert "the graph command is not available" in capsys.readouterr().err


def test_graph_command_is_wired_to_graph_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    fake = types.ModuleType("autograd_scalar.cli.graph")

    def add_arguments(parser):
        parser.add_argument("expression")
        parser.add_argument("--view", default="forward")

    def run(args):
        seen.append((args.expression, args.view))
        return 0

    fake.add_arguments = add_arguments
    fake.run = run
    fake.protect_expression = list
    monkeypatch.setitem(sys.modules, "autograd_scalar.cli.graph", fake)
    assert main(["graph", "x * y", "--view", "backward"]) == 0
    assert seen == [("x * y", "backward")]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "demo" in out
    assert "graph" in out


@pytest.mark.parametrize(
    "args",
    [["--epochs", "0"], ["--lr", "-1"], ["--hidden", "16,x"], ["--noise", "-0.1"]],
)
def test_bad_demo_options_exit_with_a_message(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", *args]) == 2
    assert "expected a" in capsys.readouterr().err


def test_python_dash_m_runs_the_demo(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "demo", "--out", str(tmp_path), *FAST],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "final training accuracy" in done.stdout
    assert (tmp_path / "decision_boundary.svg").exists()


def test_demo_says_once_how_to_install_the_diagrams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The viz module is there but the graphviz package is not."""
    monkeypatch.setitem(sys.modules, "graphviz", None)
    assert main(["demo", "--out", str(tmp_path), *FAST]) == 0
    printed = capsys.readouterr().out
    skipped = [line for line in printed.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1
    assert skipped[0].count('pip install "autograd_scalar[viz]"') == 1
    assert (tmp_path / "decision_boundary.svg").exists()


def test_demo_without_a_renderer_skips_the_diagram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGRAD_SCALAR_DOT", str(tmp_path / "no-such-renderer"))
    assert main(["demo", "--out", str(tmp_path / "out"), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "skipped the neuron diagram" in printed
    assert "AUTOGRAD_SCALAR_DOT" in printed
    assert not (tmp_path / "out" / "neuron_forward.svg").exists()


def test_demo_refuses_an_output_folder_that_is_a_file_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("keep me")
    assert main(["demo", "--out", str(a_file), *FAST]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no training
    assert captured.err.count("\n") == 1
    assert "--out" in captured.err
    assert a_file.read_text() == "keep me"


def _expect_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """main(argv) must return 2 (not raise) with one `error:` line, nothing on stdout."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 1, captured.err
    return errors[0]


BIG = "1" + "0" * 400
BAD_GRAPH_INPUT = [
    [],  # no expression
    [""],
    ["   "],
    ["x +", "x=1"],
    ["x + * 2", "x=1"],
    ["é + ", "é=1"],
    ["x", "x=1e999"],
    ["x", "x=-1e999"],
    ["x", "x=nan"],
    ["x", "x=inf"],
    ["x", f"x={BIG}"],
    ["x", f"x=-{BIG}.5"],
    ["x", "x=" + "9" * 5000],
    ["x", "x="],
    ["x", "x=1,5"],
    ["x", "x=0x10"],
    ["x", "=1"],
    ["x", "x"],
    ["x", "1x=2"],
    ["x", "x-y=2"],
    ["x", "for=1"],
    ["x", "tanh=1"],
    ["x", "x=1", "x=2"],
    ["x", "x=1", "ｘ=2"],  # the same name to Python
    ["y", "x=1"],
    [BIG, "x=1"],
    ["9" * 400 + ".0 * x", "x=1"],
    ["x**10**10", "x=2"],
    ["1/(x-1)", "x=1"],
    ["log(x)", "x=-1"],
    ["__import__('os')", "x=1"],
    ["+".join(["x"] * 600), "x=1"],  # longer than the limit
    ["x", "x=1", "--bogus"],
    ["--bogus", "x", "x=1"],
    ["x", "x=1", "--view", "sideways"],
    ["x", "x=1", "--max-nodes", "0"],
    ["x", "x=1", "--max-nodes", "1" * 5000],
    ["x", "x=1", "--params", "w"],
    ["x", "x=1", "-o", "g.xyz"],
    ["x", "x=1", "-o", "no/such/folder/g.svg"],
    ["x", "x=1", "-o", "a" * 300 + ".svg"],
    ["x", "x=1", "-o", "g\x00.svg"],
    ["x", "x=1", "--steps", "steps.txt"],
    ["x", "x=1", "-o", "same.svg", "--steps-svg", "same.svg"],
]


@pytest.mark.parametrize("argv", BAD_GRAPH_INPUT, ids=lambda argv: repr(argv)[:40])
def test_bad_graph_input_exits_2_with_one_error_line(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _expect_usage_error(["graph", *argv], capsys)
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    "argv",
    [
        ["--bogus"],
        ["frobnicate"],
        ["demo", "--epochs", "1e3"],
        ["demo", "--lr", "nan"],
        ["demo", "--lr", "1e999"],
        ["demo", "--noise", "nan"],
        ["demo", "--hidden", ""],
        ["demo", "--samples", "9" * 5000],
        ["demo", "--seed", "x"],
        ["demo", "--out", "out\x00put"],
    ],
)
def test_bad_input_elsewhere_exits_2_with_one_error_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _expect_usage_error(argv, capsys)


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert main(["graph", "--help"]) == 0
    assert "NAME=VALUE" in capsys.readouterr().out
