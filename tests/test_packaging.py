"""The source distribution carries what its own test suite reads.

pytest's ``testpaths`` and the tests open files beside the package (the
notebooks, which nbmake runs and ``test_notebooks`` counts; the docs' edge-case
table, which ``core/test_edges`` parses): an sdist without them fails its own
suite. Building one needs hatchling; this checks the list it builds from.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info < (3, 11):
    pytest.skip("tomllib is Python 3.11+", allow_module_level=True)

import tomllib  # noqa: E402


def pyproject() -> dict:  # type: ignore[type-arg]
    path = ROOT / "pyproject.toml"
    if not path.exists():
        pytest.skip("not in a source tree")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def sdist_includes(path: str) -> bool:
    sdist = pyproject()["tool"]["hatch"]["build"]["targets"]["sdist"]
    return any(
        path == entry or path.startswith(entry.rstrip("/") + "/") for entry in sdist["include"]
    )


def test_the_sdist_ships_every_test_path() -> None:
    for folder in pyproject()["tool"]["pytest"]["ini_options"]["testpaths"]:
        assert sdist_includes(folder), folder


@pytest.mark.parametrize(
    "path",
    [
        "notebooks/01-chain-rule.ipynb",
        "docs/edge-cases.md",
        "README.md",
        "web/playground/examples/01-one-neuron.py",  # tests/web/test_examples runs them
        "conftest.py",  # leaves out the doctests that need PyTorch when it is missing
    ],
)
def test_the_sdist_ships_what_the_tests_read(path: str) -> None:
    assert (ROOT / path).exists()
    assert sdist_includes(path)


def test_build_output_stays_out() -> None:
    sdist = pyproject()["tool"]["hatch"]["build"]["targets"]["sdist"]
    assert "docs/_build" in sdist["exclude"]
    assert "web/node_modules" in sdist["exclude"]
    assert "web/_site" in sdist["exclude"]


def test_the_doctests_left_out_without_pytorch_are_the_modules_importing_it() -> None:
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    assert spec is not None and spec.loader is not None
    root_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root_conftest)
    importing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "autograd_scalar").rglob("*.py")
        if re.search(r"^(import torch|from torch)\b", path.read_text(encoding="utf-8"), re.M)
    )
    assert sorted(root_conftest.TORCH_MODULES) == importing
