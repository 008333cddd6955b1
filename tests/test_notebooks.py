"""Consistency checks for the tutorial notebooks (running them is nbmake's job).

The notebooks are committed without outputs (CI and the docs build execute
them), and docs/conf.py declares which library modules each one imports, so
that the docs build can leave out a tutorial whose module is not there yet.
These tests keep those declarations true.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Modules of the engine itself; everything else a notebook imports must be declared.
CORE = {"engine", "rules", "errors", "functions", "testing"}
IMPORT = re.compile(r"^\s*(?:from|import)\s+autograd_scalar\.(\w+)", re.MULTILINE)


def declared_needs() -> dict[str, tuple[str, ...]]:
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "NOTEBOOK_NEEDS"
        ):
            value: dict[str, tuple[str, ...]] = ast.literal_eval(node.value)  # type: ignore[arg-type]
            return value
    raise AssertionError("docs/conf.py defines no NOTEBOOK_NEEDS")


def code_cells(path: Path) -> list[dict[str, object]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    for cell in code_cells(path):
        assert cell["outputs"] == [], f"{path.name}: clear the outputs before committing"
        assert cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_kernel_is_python3(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_imported_modules_are_declared_for_the_docs(path: Path) -> None:
    needs = declared_needs()
    assert path.stem in needs, f"add {path.stem} to NOTEBOOK_NEEDS in docs/conf.py"
    source = "\n".join("".join(cell["source"]) for cell in code_cells(path))  # type: ignore[arg-type]
    imported = {f"autograd_scalar.{m}" for m in IMPORT.findall(source) if m not in CORE}
    assert imported == set(needs[path.stem])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_checks_its_claims(path: Path) -> None:
    source = "\n".join("".join(cell["source"]) for cell in code_cells(path))  # type: ignore[arg-type]
    assert "assert " in source


def test_every_declared_notebook_exists() -> None:
    assert set(declared_needs()) == {path.stem for path in NOTEBOOKS}
