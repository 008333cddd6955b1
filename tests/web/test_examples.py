"""The playground's examples run in CPython too, the way the page runs them.

The page runs a file's statements, then shows the last line's value when it is
a diagram, a step-through or an explorer (as Jupyter does); show() draws one.
"""

import ast
from pathlib import Path

import pytest

EXAMPLES = sorted(
    (Path(__file__).resolve().parents[2] / "web" / "playground" / "examples").glob("*.py")
)


def _run(path):
    shown = []
    namespace = {"__name__": "__main__", "show": shown.append}
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, str(path), "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), str(path), "eval"), namespace)
        if value is not None:
            shown.append(value)
    return shown


def test_there_are_examples_with_titles():
    assert len(EXAMPLES) >= 6
    for path in EXAMPLES:
        assert path.read_text(encoding="utf-8").startswith("# "), path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_shows_what_it_says(path, capsys):
    shown = _run(path)
    printed = capsys.readouterr().out
    for item in shown:  # every shown object draws (through graphviz-pure here)
        if hasattr(item, "svg"):
            assert "<svg" in item.svg()
        elif hasattr(item, "to_html"):
            assert "<svg" in item.to_html()
        else:
            assert "<html" in item.html.lower()
    assert shown or printed
