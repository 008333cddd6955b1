"""chain_rule: the sum over paths (or the factored form), its text and its LaTeX."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autograd_scalar import AutogradError, Value, chain_rule
from autograd_scalar.check.chain import LATEX
from autograd_scalar.core.rules import BUILTIN, RULES
from autograd_scalar.expr import evaluate

GOLDEN = Path(__file__).parent / "golden"


def neuron() -> tuple[Value, Value]:
    """The seeds' neuron: z = w·x + b, a = σ(z), L = (a − y)²."""
    x, w, b, y = (Value(v, label=n) for v, n in ((2.0, "x"), (0.5, "w"), (-0.25, "b"), (1.0, "y")))
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    loss = (a - y) ** 2
    loss.label = "L"
    return loss, w


def two_paths() -> tuple[Value, Value]:
    """∂C/∂a = w₃·∂C/∂z′ + w₄·∂C/∂z″."""
    a, w3, w4 = Value(0.75, label="a"), Value(0.5, label="w3"), Value(-1.5, label="w4")
    z1, z2 = w3 * a, w4 * a
    z1.label, z2.label = "z′", "z″"
    c = z1.sigmoid() + z2.tanh()
    c.label = "C"
    return c, a


def engine_grad(out: Value, wrt: Value) -> float:
    out.zero_grad()
    out.backward()
    return wrt.grad


def test_paths_sum_to_the_engines_gradient() -> None:
    loss, w = neuron()
    chain = chain_rule(loss, w)
    assert chain.form == "paths" and chain.count == 1
    assert chain.total == engine_grad(loss, w)
    assert math.isclose(sum(chain.path_values), chain.total, rel_tol=1e-12)
    names = [(f.child, f.parent) for f in chain.paths[0]]
    assert names == [("L", "a - y"), ("a - y", "a"), ("a", "z"), ("z", "w*x"), ("w*x", "w")]
    sigma = chain.paths[0][2]
    assert sigma.formula == "σ(z)·(1 - σ(z))"
    assert sigma.symbol == "∂a/∂z"


def test_two_paths_as_the_seeds_write_them() -> None:
    c, a = two_paths()
    chain = chain_rule(c, "a")
    assert chain.count == 2
    last = [path[-1] for path in chain.paths]
    assert [(f.symbol, f.formula, f.value) for f in last] == [
        ("∂z′/∂a", "w3", 0.5),
        ("∂z″/∂a", "w4", -1.5),
    ]
    assert math.isclose(sum(chain.path_values), engine_grad(c, a), rel_tol=1e-12)
    assert "∂C/∂a = ∂C/∂σ(z′)" not in str(chain)
    assert "(the engine's gradient)" in str(chain)


def test_too_many_paths_gives_the_factored_form() -> None:
    x = Value(0.3, label="x")
    h = x
    for _ in range(6):  # each level triples the paths (two through h*h, one past it): 729
        h = h * h + h
    chain = chain_rule(h, x)
    assert chain.form == "factored" and chain.count == 3**6
    assert "factored form of the backward pass (729 paths" in str(chain)
    assert chain.steps[-1].node == "x"
    assert chain.steps[-1].value == chain.total == engine_grad(h, x)
    for step in chain.steps:  # each step is its sum over uses
        assert math.isclose(step.value, sum(f.value * up for f, up in step.uses), rel_tol=1e-12)


def test_every_operand_of_a_formula_is_named() -> None:
    # "-x/y²": "²" is a word character to a regex's \b, which left y unnamed
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    assert "∂f/∂b = -a/b² = -0.75" in str(chain_rule(a / b, b))


def test_no_path() -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    out = x * 3.0
    out.label = "f"
    with pytest.raises(AutogradError, match="no input called 'y'"):
        chain_rule(out, "y")
    with pytest.raises(AutogradError, match="node of the output's graph"):
        chain_rule(out, y)


def test_every_builtin_rule_has_a_latex_form() -> None:
    assert set(LATEX) >= BUILTIN
    for name in BUILTIN:
        assert len(LATEX[name]) == RULES[name].arity


# ------------------------------------------------------------- LaTeX golden
def sympy_number(latex: str) -> float:
    parse_latex = pytest.importorskip("sympy.parsing.latex").parse_latex
    pytest.importorskip("lark")
    return float(parse_latex(latex, backend="lark"))


def numbers_line(latex: str) -> str:
    lines = [line.strip().rstrip("\\").strip() for line in latex.splitlines()]
    numeric = [
        line
        for line in lines
        if line.startswith("&=")
        and "(" in line
        and "\\partial" not in line
        and "\\sigma" not in line
        and "\\tanh" not in line
    ]
    return numeric[-1].removeprefix("&=").strip()


@pytest.mark.parametrize(("name", "build"), [("neuron", neuron), ("two_paths", two_paths)])
def test_latex_matches_the_golden_file(name: str, build) -> None:
    out, wrt = build()
    latex = chain_rule(out, wrt).to_latex()
    assert latex == (GOLDEN / f"chain_{name}.tex").read_text(encoding="utf-8").rstrip("\n")


@pytest.mark.parametrize("build", [neuron, two_paths])
def test_sympy_reads_the_latex_numbers_back_as_the_engines_gradient(build) -> None:
    out, wrt = build()
    chain = chain_rule(out, wrt)
    exact = chain.to_latex(digits=17)
    assert math.isclose(sympy_number(numbers_line(exact)), engine_grad(out, wrt), rel_tol=1e-12)
    total = exact.splitlines()[-2].removeprefix("&=").strip()
    assert math.isclose(sympy_number(total), engine_grad(out, wrt), rel_tol=1e-15)
    shown = chain.to_latex()  # 6 digits: as close as 6 digits are
    assert math.isclose(sympy_number(numbers_line(shown)), chain.total, rel_tol=1e-5)


def test_sympy_reads_each_factored_step() -> None:
    x = Value(0.3, label="x")
    h = (x * x + x).tanh()
    h.label = "h"
    chain = chain_rule(h, x, max_paths=1)
    assert chain.form == "factored"
    lines = chain.to_latex(digits=17).splitlines()[1:-1]
    for step, line in zip(chain.steps, lines):
        numbers = line.rstrip("\\ ").split(" = ")[-2]
        assert math.isclose(sympy_number(numbers), step.value, rel_tol=1e-12)


def test_repr_latex_is_display_math() -> None:
    out, wrt = neuron()
    shown = chain_rule(out, wrt)._repr_latex_()
    assert shown.startswith("$$\\begin{aligned}") and shown.endswith("\\end{aligned}$$")


def test_expression_graphs_are_named_by_their_subexpressions() -> None:
    out = evaluate("tanh(w*x + b)", {"w": 0.5, "x": 2.0, "b": 1.0})
    chain = chain_rule(out, "w")
    assert [f.symbol for f in chain.paths[0]] == ["∂f/∂(w*x + b)", "∂(w*x + b)/∂(w*x)", "∂(w*x)/∂w"]
    assert chain.paths[0][0].formula == "1 - tanh²(w*x + b)"
