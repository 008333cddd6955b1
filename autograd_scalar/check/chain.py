r"""The chain rule written out, as the lecture notes write it.

:func:`chain_rule` gives ∂out/∂wrt as a sum over the paths from ``out`` down to
``wrt`` of the products of the local derivatives along each path, every factor
with its formula in the graph's own names and its number, and the total, the
engine's gradient. A graph with more paths than ``max_paths`` is shown in the
factored form the backward pass computes instead, one node at a time from the
output down, ∂L/∂z = Σ over z's uses u of ∂u/∂z · ∂L/∂u: the seeds' reason for
going backwards (each sum is done once, however many paths run through it).
Both forms say which they are.

>>> from autograd_scalar import Value
>>> x, w, b = Value(2.0, label="x"), Value(0.5, label="w"), Value(-1.0, label="b")
>>> z = w * x + b; z.label = "z"
>>> a = z.sigmoid(); a.label = "a"
>>> print(chain_rule(a, w))
∂a/∂w, the sum over its 1 path of the products of the local derivatives:
  ∂a/∂w = ∂a/∂z·∂z/∂(w*x)·∂(w*x)/∂w
where
  ∂a/∂z = σ(z)·(1 - σ(z)) = 0.25
  ∂z/∂(w*x) = 1
  ∂(w*x)/∂w = x = 2
so
  ∂a/∂w = (0.25)(1)(2)
        = 0.5 (the engine's gradient)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.backward import gradients
from ..core.errors import InvalidInputError
from ..core.rules import FORMULA_OPERAND
from ..core.value import CONST, Value
from .structure import Edge, Structure, number_text

__all__ = ["LATEX", "ChainRule", "Factor", "Step", "chain_rule", "latex_formula", "plain_formula"]

#: The most paths the sum-over-paths form lists before the factored form is used.
MAX_PATHS = 16

#: Each built-in rule's local derivatives in LaTeX, per operand (``@x`` is the
#: first operand, ``@y`` the other); ``pow`` is written from its exponent. The
#: plain-text formulas are the table's own (``Rule.derivatives``).
LATEX: dict[str, tuple[str | None, ...]] = {
    "add": ("1", "1"),
    "sub": ("1", "-1"),
    "mul": ("@y", "@x"),
    "div": (r"\frac{1}{@y}", r"-\frac{@x}{@y^{2}}"),
    "neg": ("-1",),
    "pow": (r"@y\,@x^{@y - 1}", None),
    "rpow": (r"@y^{@x} \ln @y", None),
    "powv": (r"@y\,@x^{@y - 1}", r"@x^{@y} \ln @x"),
    "exp": (r"e^{@x}",),
    "log": (r"\frac{1}{@x}",),
    "sqrt": (r"\frac{1}{2\sqrt{@x}}",),
    "tanh": (r"1 - \tanh^{2}(@x)",),
    "sigmoid": (r"\sigma(@x)\,(1 - \sigma(@x))",),
    "relu": (r"[@x > 0]",),
    "sin": (r"\cos(@x)",),
    "cos": (r"-\sin(@x)",),
    "abs": (r"\operatorname{sign}(@x)",),
}

_NAME = re.compile(r"[^\W\d][\w′″']*(#\d+)?|\d+(\.\d+)?(e-?\d+)?")
_CALL = re.compile(r"[^\W\d]\w*\(.*\)")
_LATEX_CALL = re.compile(r"\\(?:[a-z]+|operatorname\{[^{}]*\})\\left\((.*)\\right\)")
_LATEX_ATOMIC = re.compile(r"[A-Za-z](_\{\d+\})?'*|\d+(\.\d+)?|\\mathrm\{[^{}]*\}(_\{\d+\})?")


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂child/∂parent: names, formula and number.

    Attributes:
        child, parent: the nodes' names.
        formula: the local derivative in the graph's names (``σ(z)·(1 - σ(z))``).
        value: its number at this point.
        latex_child, latex_parent, latex: the same in LaTeX.
    """

    child: str
    parent: str
    formula: str
    value: float
    latex_child: str
    latex_parent: str
    latex: str

    @property
    def symbol(self) -> str:
        """``∂child/∂parent`` (a compound name in parentheses: ``∂(a - y)/∂a``)."""
        return partial(self.child, self.parent)

    @property
    def latex_symbol(self) -> str:
        r"""``\frac{\partial child}{\partial parent}``."""
        return _frac(self.latex_child, self.latex_parent)


@dataclass(frozen=True)
class Step:
    """One node's gradient in the factored form: ∂L/∂node = Σ ∂use/∂node · ∂L/∂use.

    Attributes:
        node, latex_node: the node's name.
        uses: per use, its local derivative and the gradient ∂L/∂use above it.
        value: ∂L/∂node, as the engine computes it.
    """

    node: str
    latex_node: str
    uses: tuple[tuple[Factor, float], ...]
    value: float


@dataclass(frozen=True)
class ChainRule:
    """∂out/∂wrt written out (see :func:`chain_rule`).

    Attributes:
        output, wrt: the names of the two nodes.
        form: ``"paths"`` (a sum over paths of products) or ``"factored"``
            (the backward pass, node by node).
        paths: for the paths form, each path's factors, output first.
        steps: for the factored form, one step per node between the output
            and ``wrt``, output first, ``wrt`` last.
        count: the number of paths from the output down to ``wrt``.
        total: ∂out/∂wrt, the engine's gradient.
    """

    output: str
    wrt: str
    form: str
    paths: tuple[tuple[Factor, ...], ...]
    steps: tuple[Step, ...]
    count: int
    total: float
    latex_output: str
    latex_wrt: str
    max_paths: int = MAX_PATHS
    digits: int = 4

    @property
    def path_values(self) -> tuple[float, ...]:
        """Each path's product of local derivatives."""
        return tuple(math.prod(f.value for f in path) for path in self.paths)

    # ------------------------------------------------------------ plain text
    def __str__(self) -> str:
        head = partial(self.output, self.wrt)
        if self.count == 0:
            return f"{head} = 0: {self.output} does not depend on {self.wrt}"
        if self.form == "paths":
            return "\n".join(self._paths_text(head))
        return "\n".join(self._factored_text(head))

    def _paths_text(self, head: str) -> list[str]:
        noun = "path" if self.count == 1 else "paths"
        lines = [f"{head}, the sum over its {self.count} {noun} of the products of the "
                 "local derivatives:"]  # fmt: skip
        symbols = " + ".join("·".join(f.symbol for f in path) or "1" for path in self.paths)
        lines.append(f"  {head} = {symbols}")
        lines.append("where")
        listed: set[str] = set()
        for path in self.paths:
            for f in path:
                if f.symbol not in listed:
                    listed.add(f.symbol)
                    shown = "" if f.formula == self._n(f.value) else f" = {f.formula}"
                    lines.append(f"  {f.symbol}{shown} = {self._n(f.value)}")
        numbers = " + ".join(
            "".join(f"({self._n(f.value)})" for f in path) or "1" for path in self.paths
        )
        pad = " " * len(head)
        lines += ["so", f"  {head} = {numbers}"]
        if len(self.paths) > 1:
            terms = [self._n(v) for v in self.path_values]
            signed = terms[0] + "".join(
                f" - {t[1:]}" if t.startswith("-") else f" + {t}" for t in terms[1:]
            )
            lines.append(f"  {pad} = {signed}")
        lines.append(f"  {pad} = {self._n(self.total)} (the engine's gradient)")
        return lines

    def _factored_text(self, head: str) -> list[str]:
        lines = [f"{head} in the factored form of the backward pass ({self.count} paths; the "
                 f"sum over paths is listed up to max_paths={self.max_paths}), one node at a "
                 "time from the output down:"]  # fmt: skip
        for step in self.steps:
            grad = partial(self.output, step.node)
            symbolic = " + ".join(f"{_bracket(f.formula)}·{partial(self.output, f.child)}"
                                  for f, _ in step.uses)  # fmt: skip
            numbers = " + ".join(f"({self._n(f.value)})({self._n(up)})" for f, up in step.uses)
            lines.append(f"  {grad} = {symbolic} = {numbers} = {self._n(step.value)}")
        lines.append(f"so {head} = {self._n(self.total)} (the engine's gradient)")
        return lines

    def _n(self, x: float) -> str:
        return f"{x:.{self.digits}g}"

    # ----------------------------------------------------------------- LaTeX
    def to_latex(self, digits: int = 6) -> str:
        """The derivation as a LaTeX ``aligned`` block, numbers to ``digits``
        significant digits (17 gives every bit of each float)."""
        head = _frac(self.latex_output, self.latex_wrt)
        if self.count == 0:
            return rf"\begin{{aligned}}{head} &= 0\end{{aligned}}"
        if self.form == "paths":
            body = self._paths_latex(head, digits)
        else:
            body = self._factored_latex(head, digits)
        return "\\begin{aligned}\n" + " \\\\\n".join(body) + "\n\\end{aligned}"

    def _paths_latex(self, head: str, digits: int) -> list[str]:
        symbols = " + ".join(" ".join(f.latex_symbol for f in p) or "1" for p in self.paths)
        # Factors of 1 say nothing in a product of formulas (the numbers keep them).
        formulas = " + ".join(
            r" \cdot ".join(_latex_bracket(f.latex) for f in p if f.latex != "1") or "1"
            for p in self.paths
        )
        numbers = " + ".join(
            r" \cdot ".join(f"({latex_number(f.value, digits)})" for f in p) or "1"
            for p in self.paths
        )
        return [f"{head} &= {symbols}", f"&= {formulas}", f"&= {numbers}",
                f"&= {latex_number(self.total, digits)}"]  # fmt: skip

    def _factored_latex(self, head: str, digits: int) -> list[str]:
        lines = []
        for step in self.steps:
            grad = _frac(self.latex_output, step.latex_node)
            symbolic = " + ".join(
                f"{_latex_bracket(f.latex)} {_frac(self.latex_output, f.latex_child)}"
                for f, _ in step.uses
            )
            numbers = " + ".join(
                rf"({latex_number(f.value, digits)}) \cdot ({latex_number(up, digits)})"
                for f, up in step.uses
            )
            lines.append(f"{grad} &= {symbolic} = {numbers} = {latex_number(step.value, digits)}")
        lines.append(f"{head} &= {latex_number(self.total, digits)}")
        return lines

    def _repr_latex_(self) -> str:
        return f"$${self.to_latex()}$$"


def chain_rule(out: Value, wrt: Value | str, *, max_paths: int = MAX_PATHS) -> ChainRule:
    """∂out/∂wrt as a sum over paths of products of local derivatives.

    Args:
        out: the output (a :class:`~autograd_scalar.Value`).
        wrt: a node of ``out``'s graph, or the name of an input.
        max_paths: above this many paths, the factored form is shown.

    ``str()`` gives plain text, :meth:`ChainRule.to_latex` LaTeX, and Jupyter
    renders it as math. ``.grad`` attributes are left alone.
    """
    if not isinstance(out, Value):
        raise InvalidInputError("chain_rule", out, "out must be a Value")
    graph = Structure(out)
    target = _target(graph, wrt)
    grads = gradients(out)
    latex_names = _latex_names(graph)
    count = graph.count_paths(target)
    form = "paths" if count <= max_paths else "factored"

    def factor(edge: Edge) -> Factor:
        return Factor(
            graph.names[edge.child],
            graph.names[edge.parent],
            plain_formula(edge, graph.names),
            float(edge.local or 0.0),
            latex_names[edge.child],
            latex_names[edge.parent],
            latex_formula(edge, latex_names),
        )

    paths: tuple[tuple[Factor, ...], ...] = ()
    steps: tuple[Step, ...] = ()
    if form == "paths":
        paths = tuple(tuple(factor(e) for e in path) for path in graph.paths(target))
    else:
        between = graph.between(target)
        steps = tuple(
            Step(
                graph.names[node],
                latex_names[node],
                tuple(
                    (factor(e), _float(grads.get(e.child, 0.0)))
                    for e in graph.edges
                    if e.parent is node and e.child in between
                ),
                _float(grads.get(node, 0.0)),
            )  # fmt: skip
            for node in reversed(graph.order)
            if node in between and node is not out
        )
    return ChainRule(
        graph.names[out],
        graph.names[target],
        form,
        paths,
        steps,
        count,
        _float(grads.get(target, 0.0)) if target is not out else 1.0,
        latex_names[out],
        latex_names[target],
        max_paths,
    )


def _float(x: object) -> float:
    return float(x.data if isinstance(x, Value) else x)  # type: ignore[arg-type]


def _target(graph: Structure, wrt: Value | str) -> Value:
    if isinstance(wrt, str):
        return graph.leaf(wrt)
    if not isinstance(wrt, Value) or wrt not in graph.position:
        raise InvalidInputError(
            "chain_rule", wrt, "wrt must be a node of the output's graph, or an input's name"
        )
    return wrt


# ------------------------------------------------------------------ formulas
def plain_formula(edge: Edge, names: Mapping[Value, str]) -> str:
    """The local derivative of ``edge`` from the rule table's formula, written
    with the graph's names (``σ(x)·(1 - σ(x))`` becomes ``σ(z)·(1 - σ(z))``)."""
    rule = edge.child.rule
    if rule is None:
        return number_text(edge.local or 0.0)
    parents = edge.child.parents
    if rule.name == "pow":  # n·x^(n-1) with the exponent a number: work out n - 1
        n = parents[1].data
        base = _wrap(names[parents[0]])
        power = number_text(n - 1.0)
        return f"{number_text(n)}·{base}" if n == 2.0 else f"{number_text(n)}·{base}^{power}"
    template = rule.derivatives[edge.index] or ""
    operand = {"x": parents[0]}
    if len(parents) > 1:
        operand.update({"y": parents[1], "n": parents[1], "c": parents[1]})

    def name(match: re.Match[str]) -> str:
        node = operand[match.group()]
        text = number_text(node.data) if node.op == CONST else names[node]
        around = (
            template[match.start() - 1 : match.start()] + template[match.end() : match.end() + 1]
        )
        return text if around in ("()", "(,") else _wrap(text)

    return FORMULA_OPERAND.sub(name, template)


def latex_formula(edge: Edge, latex_names: Mapping[Value, str]) -> str:
    """The local derivative of ``edge`` in LaTeX, in the graph's names."""
    rule = edge.child.rule
    if rule is None:
        return latex_number(edge.local or 0.0, 6)
    parents = edge.child.parents
    template = LATEX.get(rule.name, (None,) * rule.arity)[edge.index]
    if template is None:  # a custom operation: its formula for people, as text
        return rf"\text{{{_latex_escape(rule.derivatives[edge.index] or '')}}}"
    if rule.name == "pow":
        n = parents[1].data
        base = _latex_wrap(latex_names[parents[0]])
        if n == 2.0:
            return f"2 {base}"
        return rf"{latex_number(n, 6)} \, {base}^{{{latex_number(n - 1.0, 6)}}}"
    texts = [_latex_wrap(latex_names[p]) for p in parents]
    out = template.replace("@x", texts[0])
    return out.replace("@y", texts[1]) if len(texts) > 1 else out


def _atomic(text: str) -> bool:
    """Whether ``text`` reads as one operand: a name, a number or one call."""
    if _NAME.fullmatch(text):
        return True
    if not _CALL.fullmatch(text):
        return False
    depth = 0
    for i, char in enumerate(text):  # the call's "(" must close at the very end
        depth += (char == "(") - (char == ")")
        if depth == 0 and char == ")" and i < len(text) - 1:
            return False
    return True


def _wrap(text: str) -> str:
    return text if _atomic(text) else f"({text})"


def _bracket(formula: str) -> str:
    """A factor's formula, parenthesised if a product would misread it."""
    outer = formula
    while re.search(r"\([^()]*\)", outer):  # drop parenthesised parts, innermost first
        outer = re.sub(r"\([^()]*\)", "", outer)
    top_level_sum = re.search(r" [-+] ", outer)
    if _atomic(formula) or not (top_level_sum or formula.startswith("-")):
        return formula
    return f"({formula})"


def _latex_atomic(text: str) -> bool:
    """A symbol, a number, or one function applied (``\\sigma\\left(z\\right)``)."""
    if _LATEX_ATOMIC.fullmatch(text):
        return True
    call = _LATEX_CALL.fullmatch(text)
    if not call:
        return False
    depth = 0
    for token in re.findall(r"\\left\(|\\right\)", call.group(1)):
        depth += 1 if token.startswith("\\left") else -1
        if depth < 0:  # the outer \left( closed before the end: two calls
            return False
    return depth == 0


def _latex_wrap(text: str) -> str:
    return text if _latex_atomic(text) else rf"\left({text}\right)"


def _latex_bracket(latex: str) -> str:
    return latex if _latex_atomic(latex) else rf"\left({latex}\right)"


def partial(top: str, bottom: str) -> str:
    """``∂top/∂bottom``, compound names in parentheses."""
    return f"∂{_wrap(top)}/∂{_wrap(bottom)}"


def _frac(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {_latex_wrap(top)}}}{{\partial {_latex_wrap(bottom)}}}"


def latex_number(x: float, digits: int) -> str:
    """``x`` in LaTeX with ``digits`` significant digits: ``0.25``,
    ``-1.5 \\times 10^{-9}`` (never ``e`` notation, which LaTeX would misread)."""
    if x == 0.0 or not math.isfinite(x):
        return "0" if x == 0.0 else rf"\text{{{x}}}"
    if 1e-4 <= abs(x) < 10.0 ** min(digits, 15):
        return f"{x:.{digits}g}"
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


# ----------------------------------------------------------------- LaTeX names
def _latex_escape(text: str) -> str:
    return re.sub(r"([\\{}_#%&$^~])", r"\\\1", text)


def latex_label(label: str) -> str:
    """A label as a LaTeX symbol: ``w3`` is ``w_{3}``, ``z′`` is ``z'``."""
    text = label.replace("″", "''").replace("′", "'")
    match = re.fullmatch(r"([A-Za-z])(\d*)('*)", text)
    if match:
        letter, number, primes = match.groups()
        return letter + (f"_{{{number}}}" if number else "") + primes
    return rf"\mathrm{{{_latex_escape(text)}}}"


_LATEX_FUNCTIONS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "exp": r"\exp", "log": r"\ln",
                    "sin": r"\sin", "cos": r"\cos"}  # fmt: skip


def _latex_names(graph: Structure) -> dict[Value, str]:
    """Each node in LaTeX: its label, else its sub-expression (short), else its
    name (``\\mathrm{mul}_{3}``), built like :attr:`Structure.names`."""
    out: dict[Value, str] = {}
    for node in graph.order:
        name = graph.names[node]
        if node is graph.root and not node.label and node.parents:
            out[node] = "f"
        elif node.label or not node.parents:
            out[node] = latex_label(name) if node.op != CONST else latex_number(node.data, 6)
        elif re.fullmatch(r"[a-z]+\d+(#\d+)?", name) and node.op and name.startswith(node.op):
            op, index = re.fullmatch(r"([a-z]+)(\d+)", name.split("#")[0]).groups()  # type: ignore[union-attr]
            out[node] = rf"\mathrm{{{op}}}_{{{index}}}"
        else:
            out[node] = _latex_expression(node, out)
    return out


def _latex_expression(node: Value, names: Mapping[Value, str]) -> str:
    p = [names[q] for q in node.parents]
    op = node.op
    if op == "add":
        return f"{p[0]} + {p[1]}"
    if op == "sub":
        return f"{p[0]} - {_latex_wrap(p[1]) if ' ' in p[1] else p[1]}"
    if op == "mul":
        return rf"{_latex_wrap(p[0])} \cdot {_latex_wrap(p[1])}"
    if op == "div":
        return rf"\frac{{{p[0]}}}{{{p[1]}}}"
    if op == "neg":
        return f"-{_latex_wrap(p[0])}"
    if op in ("pow", "powv"):
        return f"{_latex_wrap(p[0])}^{{{p[1]}}}"
    if op == "rpow":
        return f"{_latex_wrap(p[1])}^{{{p[0]}}}"
    if op == "sqrt":
        return rf"\sqrt{{{p[0]}}}"
    if op == "abs":
        return rf"\left|{p[0]}\right|"
    function = _LATEX_FUNCTIONS.get(op, rf"\operatorname{{{_latex_escape(op)}}}")
    return rf"{function}\left({', '.join(p)}\right)"
