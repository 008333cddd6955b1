"""The edge table of docs/edge-cases.md, checked row by row on every path.

Scalar engine, recorded backward pass (create_graph, for f′ and f″), forward
mode and the vectorised replay must each give the row's numbers, or each
raise the row's error: the documentation is the contract.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_scalar import Value, define_op, grad, jvp, remove_op
from autograd_scalar.core import errors
from autograd_scalar.core.functions import FUNCTIONS

TABLE = Path(__file__).resolve().parents[2] / "docs" / "edge-cases.md"
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \|(?: `([^`]*)` \|)?(?: `([^`]*)` \|)?")


def rows() -> list[tuple[str, float, str, str | None, str | None]]:
    found = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match and match.group(1) != "f(x)":
            expr, x, f, d1, d2 = match.groups()
            found.append((expr, float(x), f, d1, d2))
    return found


def function(expr: str) -> Any:
    return lambda x: eval(expr, {"__builtins__": {}}, {"x": x, **FUNCTIONS})  # noqa: S307


def same(got: float, expected: str) -> bool:
    want = float(expected)
    if math.isnan(want):
        return math.isnan(got)
    return got == want


def outcome(compute: Any) -> Any:
    """What a path gives: its numbers, or the name of the library error it raised."""
    try:
        return compute()
    except errors.AutogradError as exc:
        return type(exc).__name__


def scalar(f: Any, x: float) -> Any:
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, v.grad


def recorded(f: Any, x: float) -> Any:
    return grad(f)(Value(x)).data, grad(grad(f))(x)


def forward(f: Any, x: float) -> Any:
    return jvp(f, (x,), (1.0,))


def replay(f: Any, x: float) -> Any:
    from autograd_scalar.vectorize import record

    rec = record(f, 0.5)  # recorded at an ordinary point, replayed at the edge
    result = rec.run(np.array([0.5, x]), input_grads=True, verify="never")
    assert result.input_grads is not None
    return float(result.values[1]), float(result.input_grads[0][1])


def test_the_table_is_there_and_has_rows() -> None:
    assert len(rows()) >= 20


@pytest.mark.parametrize(("expr", "x", "f", "d1", "d2"), rows(), ids=lambda v: str(v))
def test_every_path_gives_the_documented_answer(
    expr: str, x: float, f: str, d1: str | None, d2: str | None
) -> None:
    fn = function(expr)
    paths = {
        "scalar": outcome(lambda: scalar(fn, x)),
        "create_graph": outcome(lambda: recorded(fn, x)),
        "forward": outcome(lambda: forward(fn, x)),
        "replay": outcome(lambda: replay(fn, x)),
    }
    if not d1:  # an error row: every path raises that error
        assert paths == dict.fromkeys(paths, f)
        return
    for name, got in paths.items():
        assert not isinstance(got, str), f"{name} raised {got}"
    value, slope = paths["scalar"]
    assert same(value, f) and same(slope, d1), paths
    assert same(paths["forward"][0], f) and same(paths["forward"][1], d1), paths
    assert same(paths["replay"][0], f) and same(paths["replay"][1], d1), paths
    first, second = paths["create_graph"]
    assert same(first, d1) and d2 is not None and same(second, d2), paths


def test_one_unbounded_partial_keeps_the_other_on_every_path() -> None:
    sqrt_plus = define_op(
        "sqrt_plus", lambda x, y: math.sqrt(x) + y, lambda m, x, y, out: (0.5 / (out - y), 1.0)
    )
    try:
        x, y = Value(0.0), Value(3.0)
        sqrt_plus(x, y).backward()
        assert (x.grad, y.grad) == (math.inf, 1.0)
        assert jvp(sqrt_plus, (0.0, 3.0), (0.0, 1.0)) == (3.0, 1.0)
        assert jvp(sqrt_plus, (0.0, 3.0), (1.0, 0.0)) == (3.0, math.inf)
        assert grad(sqrt_plus, argnums=1)(0.0, 3.0) == 1.0
        assert grad(sqrt_plus, argnums=0)(0.0, 3.0) == math.inf
        assert grad(grad(sqrt_plus, argnums=1), argnums=1)(0.0, 3.0) == 0.0
    finally:
        remove_op("sqrt_plus")
