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
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", *args])
    assert exit_info.value.code == 2
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
