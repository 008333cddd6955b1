"""The check command: verdict, diagnosis and table; exit 0 / 1 / 2; no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_scalar.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
F = "(sigmoid(w*x + b) - y)**2"
A = "sigmoid(w*x + b)"


def test_a_right_claim_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    claim = f"2*({A} - y)*{A}*(1 - {A})*x"
    assert main(["check", F, "--wrt", "w", "--claim", claim, "x=2", "y=1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("right: the claim equals the engine's derivative.")
    assert "checked at 20 points" in out


def test_a_wrong_claim_exits_1_with_the_diagnosis_and_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            ["check", F, "--wrt", "w", "--claim", f"2*({A} - y)*x", "x=2", "y=1", "--samples", "5"]
        )
        == 1
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("wrong: A missing factor:")
    assert "the local derivative of the sigmoid node" in lines[0]
    assert lines[1] == "∂f/∂w checked at 5 points (seed 0): they differ at 5."
    assert lines[2].split() == ["w", "x", "b", "y", "engine", "claimed", "error"]
    rows = [line.split() for line in lines[3:]]
    assert len(rows) == 5 and all(row[1] == "2" and row[3] == "1" for row in rows)


def test_ranges_options_anywhere_and_leading_minus(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "check",
                "-x*y",
                "x=0.5..1",
                "--wrt",
                "x",
                "--claim",
                "-y",
                "--seed",
                "3",
                "--samples",
                "5",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows and all(0.5 <= float(row[0]) <= 1 for row in rows)
    assert main(["check", "-x*y", "--wrt", "x", "--claim", "y"]) == 1
    assert "A sign error" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x*", "--wrt", "x", "--claim", "1"], "invalid syntax"),
        (["x*x", "--wrt", "q", "--claim", "1"], "wrt='q' is not a variable"),
        (["x*x", "--wrt", "x", "--claim", "2*y"], "unknown name 'y'"),
        (["x*x", "--wrt", "x", "--claim", "1", "x=a"], "the value of x is not a number"),
        (["x*x", "--wrt", "x", "--claim", "1", "x=3..1"], "low < high"),
        (["x*x", "--wrt", "x", "--claim", "1", "x"], "expected NAME=VALUE"),
        (["x*x", "--wrt", "x", "--claim", "1", "x=1", "x=2"], "given twice"),
        (["x*x", "--wrt", "x", "--claim", "1", "x=inf"], "finite"),
        (["sqrt(x - 5)", "--wrt", "x", "--claim", "1"], "found no point"),
        (["x*x", "--wrt", "x", "--claim", "__import__('os')"], "not allowed"),
    ],
)
def test_bad_input_exits_2_with_one_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err


def test_missing_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "x*x", "--claim", "2*x"]) == 2
    assert "--wrt" in capsys.readouterr().err
    assert main(["check", "x*x", "--wrt", "x", "--claim", "2*x", "--samples", "0"]) == 2


def test_as_a_process_no_traceback() -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "autograd_scalar", "check", *argv],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip

    assert run("x*x", "--wrt", "x", "--claim", "x + x").returncode == 0
    wrong = run("x*x", "--wrt", "x", "--claim", "x")
    assert wrong.returncode == 1 and "A dropped path" in wrong.stdout
    bad = run("log(", "--wrt", "x", "--claim", "1")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.startswith("error:")
