"""The recipe of docs/beyond-one-machine.md, run as written: a million
examples replayed over a chunked Dask array, chunk by chunk with
``params=``, whose sums must equal NumPy's to 1e-12."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "beyond-one-machine.md"


def recipe() -> str:
    """The page's one Python block."""
    (code,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    return code


def test_the_page_has_the_recipe() -> None:
    code = recipe()
    assert "1_000_000" in code and "params=weights" in code and "dask.compute" in code


def test_the_dask_recipe_matches_numpy() -> None:
    pytest.importorskip("dask.array")
    namespace: dict[str, Any] = {"__name__": "beyond_one_machine"}
    exec(compile(recipe(), str(PAGE), "exec"), namespace)  # its asserts compare with NumPy
    assert len(namespace["X"]) == 1_000_000
    assert len(namespace["sums"]) == 10  # ten chunks of 100,000
