"""A graph as a derivation reads it: named nodes, edges and paths.

The chain rule as the lecture notes write it (:mod:`.chain`) and the diagnosis
of a hand derivation (:mod:`.derivation`) look at the same things: every node
under a name a reader recognises, every edge with its local derivative
∂child/∂parent, and the paths from the output down to one input, whose
products of local derivatives sum to the gradient.

Names, in order of preference: the node's label; ``f`` for an unlabelled
output; the node's own text in the expression it was built from
(``expression_names``); the sub-expression printed back from the graph in the
expression language (``w*x + b``), when it is short; else the operation and
its position (``mul3``, as the diagrams name nodes). Names are unique within a
graph (a repeated one gets ``#2``).

>>> from autograd_scalar.expr import evaluate
>>> out = evaluate("sigmoid(w*x + b)", {"w": 0.5, "x": 2.0, "b": -1.0})
>>> g = Structure(out)
>>> [g.names[n] for n in g.order]
['w', 'x', 'w*x', 'b', 'w*x + b', 'f']
>>> w = g.leaf("w")
>>> [" → ".join([g.names[out]] + [g.names[e.parent] for e in p]) for p in g.paths(w)]
['f → w*x + b → w*x → w']
>>> g = Structure(evaluate("x*x + 2*x", {"x": 3.0}))
>>> g.count_paths(g.leaf("x")), g.names[g.root]
(3, 'f')
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..core.errors import InvalidInputError
from ..core.graph import every_node
from ..core.value import CONST, Value
from ..expr import parse

__all__ = ["Edge", "Structure", "expression_names", "number_text", "printed", "variables"]

#: Printed sub-expressions longer than this are named by operation and position.
SHORT = 28

# Precedence in the expression language: + - < * / < unary - < ** < atoms.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True, eq=False)
class Edge:
    """One use of ``parent`` by ``child`` (operand ``index``), with its local
    derivative ∂child/∂parent (``None`` for a fixed operand)."""

    child: Value
    index: int
    parent: Value
    local: float | None


def number_text(x: float) -> str:
    """A constant as the expression language writes it: ``2``, ``0.5``, ``-3``."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _as_float(x: object) -> float:
    return float(x.data if isinstance(x, Value) else x)  # type: ignore[arg-type]


def printed(node: Value) -> str:
    """``node`` written back in the expression language, from its graph."""
    done: dict[Value, tuple[str, int]] = {}
    for current in every_node(node):  # parents first: no recursion
        done[current] = _print_one(current, done)
    return done[node][0]


def _print_one(node: Value, done: Mapping[Value, tuple[str, int]]) -> tuple[str, int]:
    if not node.parents:
        if node.label:
            return node.label, _ATOM
        text = number_text(node.data) if node.op == CONST else "leaf"
        return text, _UNARY if text.startswith("-") else _ATOM

    def at(i: int, level: int) -> str:
        text, own = done[node.parents[i]]
        return f"({text})" if own < level else text

    op = node.op
    if op in ("add", "sub"):
        sign = "+" if op == "add" else "-"
        return f"{at(0, _SUM)} {sign} {at(1, _PRODUCT)}", _SUM
    if op in ("mul", "div"):
        sign = "*" if op == "mul" else "/"
        return f"{at(0, _PRODUCT)}{sign}{at(1, _UNARY)}", _PRODUCT
    if op == "neg":
        return f"-{at(0, _UNARY)}", _UNARY
    if op in ("pow", "powv"):
        return f"{at(0, _ATOM)}**{at(1, _UNARY)}", _POWER
    if op == "rpow":  # c ** x keeps the exponent x first
        return f"{at(1, _ATOM)}**{at(0, _UNARY)}", _POWER
    rule = node.rule
    name = rule.method if rule is not None and rule.method else op
    args = ", ".join(done[p][0] for p in node.parents)
    return f"{name}({args})", _ATOM


def expression_names(text: str, out: Value) -> dict[Value, str]:
    """Each node of ``out`` (built by :func:`autograd_scalar.expr.evaluate` from
    ``text``) under its own text in the expression (``"w*x + b"``).

    Walks the syntax tree and the graph together; where they do not line up
    (a graph built some other way), the node is left out.
    """
    body = text.lstrip(" ")
    tree = parse(body, variables(body))
    found: dict[Value, str] = {}
    stack: list[tuple[ast.AST, Value]] = [(tree.body, out)]
    while stack:
        node, value = stack.pop()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            stack.append((node.operand, value))
            continue
        if not value.parents or isinstance(node, (ast.Name, ast.Constant)):
            continue  # a leaf or a folded constant: named by its label or number
        segment = ast.get_source_segment(body, node)
        if segment is not None and value not in found:
            found[value] = " ".join(segment.split())
        for child, parent in zip(_operands(node, value), value.parents):
            stack.append((child, parent))
    return found


def _operands(node: ast.AST, value: Value) -> list[ast.AST]:
    """The syntax nodes of ``value``'s parents, in the graph's operand order."""
    if isinstance(node, ast.BinOp):
        if value.op == "rpow":  # c ** x: the graph stores (x, c)
            return [node.right, node.left]
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def variables(text: str) -> tuple[str, ...]:
    """Every identifier in ``text`` that is not called, in order of first
    appearance: its variables.

    >>> variables("sigmoid(w*x + b) - y*w")
    ('w', 'x', 'b', 'y')
    """
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return ()
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called]
    names.sort(key=lambda n: n.col_offset)
    return tuple(dict.fromkeys(n.id for n in names))


class Structure:
    """The nodes, names, edges and paths of ``root``'s graph.

    Attributes:
        root: the output.
        order: every node, each after its parents (a depth-first walk
            visiting the first operand first, so the same graph gives the
            same order); ``root`` last.
        names: a unique name per node (see the module docstring).
        edges: every differentiable edge, child by child in ``order``.
    """

    def __init__(self, root: Value, given: Mapping[Value, str] | None = None) -> None:
        self.root = root
        self.order = every_node(root)
        self.position = {node: i for i, node in enumerate(self.order)}
        self.names = _unique_names(self.order, given or {})
        self.edges = [
            Edge(child, i, parent, None if local is None else _as_float(local))
            for child in self.order
            for i, (parent, local) in enumerate(zip(child.parents, child.local_grads))
            if local is not None
        ]

    def key(self, edge: Edge) -> tuple[int, int]:
        """Where ``edge`` is: (its child's position in ``order``, the operand)."""
        return self.position[edge.child], edge.index

    def leaf(self, name: str) -> Value:
        """The leaf called ``name``."""
        for node in self.order:
            if not node.parents and self.names[node] == name:
                return node
        raise InvalidInputError("chain_rule", name, f"the graph has no input called {name!r}")

    def signature(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """The graph's shape (operations and who uses whom), without numbers."""
        return tuple(
            (node.op, tuple(self.position[p] for p in node.parents)) for node in self.order
        )

    def between(self, wrt: Value) -> set[Value]:
        """The nodes on some path from the root down to ``wrt`` (both included)."""
        reaches = {wrt}
        for node in self.order:  # parents first: a node reaches wrt through a parent
            if any(e.parent in reaches for e in self.edges_of(node)):
                reaches.add(node)
        return reaches if self.root in reaches else set()

    def edges_of(self, child: Value) -> list[Edge]:
        """The differentiable edges from ``child`` to its parents."""
        return [e for e in self.edges if e.child is child]

    def count_paths(self, wrt: Value) -> int:
        """How many paths lead from the root down to ``wrt``."""
        counts: dict[Value, int] = {wrt: 1}
        for node in self.order:
            if node is not wrt:
                counts[node] = sum(counts.get(e.parent, 0) for e in self.edges_of(node))
        return counts.get(self.root, 0)

    def paths(self, wrt: Value, limit: int | None = None) -> Iterator[list[Edge]]:
        """Every path from the root down to ``wrt``, as its edges (output
        first), the first operand's paths first; at most ``limit``."""
        useful = self.between(wrt)
        if not useful:
            return
        below = {node: [e for e in self.edges_of(node) if e.parent in useful] for node in useful}
        count = 0
        stack: list[tuple[Value, list[Edge]]] = [(self.root, [])]
        while stack:
            node, path = stack.pop()
            if node is wrt:
                yield path
                count += 1
                if limit is not None and count >= limit:
                    return
                continue
            for edge in reversed(below[node]):
                stack.append((edge.parent, [*path, edge]))


def _unique_names(order: list[Value], given: Mapping[Value, str]) -> dict[Value, str]:
    # Each node is written with its parents' names; the precedence comes from
    # its operation, so a name such as "w*x + b" is parenthesised where needed.
    short: dict[Value, tuple[str, int]] = {}
    for index, node in enumerate(order):
        text, level = _print_one(node, short)
        if node.label:
            short[node] = (node.label, _ATOM)
        elif index == len(order) - 1 and node.parents:
            short[node] = ("f", _ATOM)  # the output, as the command line calls it
        elif node in given:
            short[node] = (given[node], level)
        elif len(text) <= SHORT:
            short[node] = (text, level)
        else:
            short[node] = (f"{node.op}{index}", _ATOM)
    names: dict[Value, str] = {}
    seen: dict[str, int] = {}
    for node in order:
        name = short[node][0]
        seen[name] = seen.get(name, 0) + 1
        names[node] = name if seen[name] == 1 else f"{name}#{seen[name]}"
    return names
