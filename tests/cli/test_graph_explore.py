"""graph ... --explore page.html: the live explorer from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograd_scalar.cli.main import main


def _data(page: Path) -> dict:
    return json.loads(re.search(r"const DATA = (.*);\n", page.read_text(encoding="utf-8")).group(1))


def test_writes_the_explorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    assert (
        main(
            [
                "graph",
                "tanh(w*x + b)",
                "x=2",
                "w=-0.3",
                "b=1",
                "--params",
                "w,b",
                "--explore",
                str(page),
            ]
        )
        == 0
    )
    assert f"wrote {page} (the live explorer)" in capsys.readouterr().out
    nodes = _data(page)["nodes"]
    kinds = {n["name"]: n["kind"] for n in nodes}
    assert (
        kinds["w"] == kinds["b"] == "parameter" and kinds["x"] == "input" and kinds["f"] == "output"
    )
    assert {n["name"]: n["value"] for n in nodes}["x"] == 2.0


def test_with_a_leading_minus_and_other_outputs(tmp_path: Path) -> None:
    page, svg = tmp_path / "e.html", tmp_path / "g.svg"
    assert main(["graph", "--explore", str(page), "-x*y", "x=1", "y=2", "-o", str(svg)]) == 0
    assert page.is_file() and svg.is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--explore", "{tmp}/e.svg"], "the explorer is an .html page"),
        (["--explore", "{tmp}/missing/e.html"], "does not exist"),
        (["--explore", "{tmp}/e.html", "--steps", "{tmp}/e.html"], "writes there too"),
    ],
)
def test_bad_places_exit_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["graph", "x*x", "x=2", *(a.format(tmp=tmp_path) for a in args)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert list(tmp_path.iterdir()) == [] or all(p.is_dir() for p in tmp_path.iterdir())


def test_too_large_a_graph_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expression = " + ".join(f"x*{i}" for i in range(1, 40))
    assert (
        main(
            ["graph", expression, "x=1", "--explore", str(tmp_path / "e.html"), "--max-nodes", "10"]
        )
        == 1
    )
    assert "more than max_nodes=10" in capsys.readouterr().err
