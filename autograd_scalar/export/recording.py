"""A recording as readable PyTorch code: :meth:`Recording.to_torch`.

:meth:`~autograd_scalar.vectorize.program.Recording.to_torch` turns a
function recorded by :func:`~autograd_scalar.vectorize.record` into a
``torch.nn.Module`` (a :class:`TorchRecording`) whose ``forward`` is
generated Python source, one line per node of the recorded graph, in the
engine's order (the first lines for the demo's ``MLP(2, [16, 16, 1])`` and
hinge loss; a comment names the neuron a line belongs to)::

    def forward(self, x, t):
        t0 = x[:, 1]  # x[1]
        t1 = self.L1_n16_w2 * t0  # L1.n16
        t2 = x[:, 0]  # x[0]
        t3 = self.L1_n16_w1 * t2  # L1.n16
        t4 = self.L1_n16_b + t3  # L1.n16
        t5 = t4 + t1  # L1.n16
        t6 = Relu.apply(t5)  # L1.n16

The source is kept: ``module.code`` is all of it, ``print(module)`` shows its
beginning, and a traceback through ``forward`` shows its lines.

* **Inputs.** ``forward`` takes the per-example arguments, batch first, as
  :meth:`~autograd_scalar.vectorize.program.Recording.run` does (tensors,
  arrays or nested lists), and returns the ``(batch,)`` tensor of
  per-example values, computed for the whole batch at once with torch's
  broadcasting; ``module(x, y).sum().backward()`` fills the parameters'
  ``grad`` with the gradient the replay returns.
* **Parameters.** Each of the recording's ``params`` is an ``nn.Parameter``
  (a 0-dimensional tensor, float64 by default) named after its label, the
  dots replaced (``L1.n1.w1`` is ``L1_n1_w1``); ``module.labels`` maps each
  name back to the label, and ``module.parameters()`` lists them in the
  order of ``Recording.params``. Other shared leaves (when ``record`` was
  given fewer ``params``) are buffers, named the same way.
  :meth:`TorchRecording.update_values` copies the parameters back into the
  recording's Values after training in torch.
* **Constants** are written as literals, ``repr`` of the float (exact).

How each operation is written is read from the rule table
(:mod:`autograd_scalar.core.rules`): the rule's ``forward(m, ...)`` is run
with an ``m`` whose functions write torch source instead of computing, so an
operation made with :func:`~autograd_scalar.define_op` in the ``m`` form
exports too.

* A built-in operation whose forward uses only arithmetic and smooth
  functions (:data:`SMOOTH`: ``exp``, ``log``, ``pow``...) is written inline
  (``t7 = torch.tanh(t6)``) and differentiated by PyTorch, which computes the
  same derivatives as the rule (to rounding).
* Any other operation (one that branches: ``relu``, ``abs``, ``sigmoid``
  with ``m.where``, ``m.step``, ``m.maximum``...; and every custom operation)
  becomes a generated ``torch.autograd.Function`` whose backward is the rule's
  own ``local`` derivative, written out the same way. So the derivative at a
  kink is the table's (``relu'(0) = 0``, ``σ'(0) = 1/4``), as in the engine
  and the replay, and a custom operation keeps the derivative it was given.
* A custom operation whose forward is written with ``math`` on floats
  (``Rule.vectorizes`` is false) cannot be written as torch expressions: its
  ``Function`` calls :func:`per_element`, which applies the rule to each
  element (slowly, as the replay does).

The arithmetic is PyTorch's, IEEE-754: where the engine raises (``log`` of a
negative, a division by zero), the export gives NaN or ``±inf`` as torch
does; inside the operations' domains it gives the engine's numbers.

>>> from autograd_scalar import Value
>>> from autograd_scalar.vectorize import record
>>> w, b = Value(2.0, label="w"), Value(0.5, label="b")
>>> rec = record(lambda x, y: (w * x + b - y) ** 2, 1.0, 3.0)
>>> module = rec.to_torch()
>>> print(module.code.split("def forward")[1])   # doctest: +NORMALIZE_WHITESPACE
(self, x, y):
    t0 = self.w * x
    t1 = t0 + self.b
    t2 = t1 - y
    t3 = t2 ** 2.0
    return t3
>>> loss = module([1.0, 2.0, 3.0], [3.0, 4.0, 7.0])
>>> loss.tolist()
[0.25, 0.25, 0.25]
>>> loss.sum().backward()
>>> module.w.grad.item(), module.b.grad.item()     # as rec.value_and_grad gives
(-2.0, -1.0)

Needs PyTorch (the ``torch`` extra); nothing else in the library imports it.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..core.apply import apply_ieee
from ..core.errors import InvalidInputError
from ..core.maths import IEEE_MATH, Maths
from ..core.rules import BUILTIN, RULES, Rule
from ..core.value import CONST, Value
from ..vectorize.record import Graph

__all__ = [
    "HELPERS",
    "SMOOTH",
    "GeneratedSource",
    "TorchRecording",
    "literal",
    "per_element",
    "to_torch",
    "torch_source",
]

#: The functions of ``m`` that a built-in rule's forward may use and still be
#: written inline and differentiated by PyTorch: smooth where defined, and
#: PyTorch's derivative is the rule's. Any other (``where``, ``step``,
#: ``sign``, ``maximum``, ``abs``, ``floor``, ``isinf``) or a comparison makes
#: the operation a ``torch.autograd.Function`` with the rule's own derivative.
SMOOTH = frozenset({"exp", "log", "sqrt", "tanh", "sin", "cos", "pow"})

# Operator precedence, as Python parses it (higher binds tighter).
_CMP, _OR, _AND, _ADD, _MUL, _UNARY, _POWER, _ATOM = 30, 40, 50, 60, 70, 80, 90, 100


# ------------------------------------------------------- writing expressions
class _Untraceable(Exception):
    """A rule that cannot be written as torch expressions (a Python ``if`` on
    an operand, ``float()`` of it, a function ``m`` does not have)."""


class Code:
    """The source text of a torch expression and its precedence; arithmetic
    on it writes source. Plain numbers stay numbers (Python computes them)."""

    __slots__ = ("prec", "text", "writer")

    def __init__(self, text: str, prec: int, writer: _Writer) -> None:
        self.text = text
        self.prec = prec
        self.writer = writer

    def __repr__(self) -> str:
        return f"Code({self.text!r})"

    def _op(self, symbol: str, prec: int, a: Any, b: Any, right: bool = False) -> Code:
        w = self.writer
        if prec == _CMP:
            w.branches = True
        # parenthesise where Python would group otherwise; the right operand of
        # a left-associative operator too, to keep the order of evaluation
        left = w.text(a, prec + 1 if right or prec == _CMP else prec)  # no a < b < c
        other = w.text(b, prec if right else prec + 1)
        return Code(f"{left} {symbol} {other}", prec, w)

    def __add__(self, other: Any) -> Code:
        return self._op("+", _ADD, self, other)

    def __radd__(self, other: Any) -> Code:
        return self._op("+", _ADD, other, self)

    def __sub__(self, other: Any) -> Code:
        return self._op("-", _ADD, self, other)

    def __rsub__(self, other: Any) -> Code:
        return self._op("-", _ADD, other, self)

    def __mul__(self, other: Any) -> Code:
        return self._op("*", _MUL, self, other)

    def __rmul__(self, other: Any) -> Code:
        return self._op("*", _MUL, other, self)

    def __truediv__(self, other: Any) -> Code:
        return self._op("/", _MUL, self, other)

    def __rtruediv__(self, other: Any) -> Code:
        return self._op("/", _MUL, other, self)

    def __pow__(self, other: Any) -> Code:
        return self._op("**", _POWER, self, other, right=True)

    def __rpow__(self, other: Any) -> Code:
        return self._op("**", _POWER, other, self, right=True)

    def __neg__(self) -> Code:
        return Code(f"-{self.writer.text(self, _UNARY + 1)}", _UNARY, self.writer)

    def __pos__(self) -> Code:
        return self

    def __abs__(self) -> Code:
        out: Code = self.writer.call("abs", self)
        return out

    def __lt__(self, other: Any) -> Code:
        return self._op("<", _CMP, self, other)

    def __le__(self, other: Any) -> Code:
        return self._op("<=", _CMP, self, other)

    def __gt__(self, other: Any) -> Code:
        return self._op(">", _CMP, self, other)

    def __ge__(self, other: Any) -> Code:
        return self._op(">=", _CMP, self, other)

    def __eq__(self, other: Any) -> Code:  # type: ignore[override]
        return self._op("==", _CMP, self, other)

    def __ne__(self, other: Any) -> Code:  # type: ignore[override]
        return self._op("!=", _CMP, self, other)

    __hash__ = object.__hash__

    def __and__(self, other: Any) -> Code:
        self.writer.branches = True
        return self._op("&", _AND, self, other)

    def __rand__(self, other: Any) -> Code:
        self.writer.branches = True
        return self._op("&", _AND, other, self)

    def __or__(self, other: Any) -> Code:
        self.writer.branches = True
        return self._op("|", _OR, self, other)

    def __ror__(self, other: Any) -> Code:
        self.writer.branches = True
        return self._op("|", _OR, other, self)

    def __invert__(self) -> Code:
        self.writer.branches = True
        return Code(f"~{self.writer.text(self, _UNARY + 1)}", _UNARY, self.writer)

    def __bool__(self) -> bool:
        raise _Untraceable("a Python branch on an operand")

    def __float__(self) -> float:
        raise _Untraceable("float() of an operand")


def literal(x: float) -> tuple[str, int]:
    """A number as exact Python source, and its precedence.

    >>> literal(0.1), literal(-2.0), literal(float("inf"))
    (('0.1', 100), ('-2.0', 80), ('math.inf', 100))
    """
    if isinstance(x, bool):
        return repr(x), _ATOM
    x = float(x)
    if math.isnan(x):
        return "math.nan", _ATOM
    if math.isinf(x):
        return ("math.inf", _ATOM) if x > 0 else ("-math.inf", _UNARY)
    text = repr(x)
    return text, _UNARY if text.startswith("-") else _ATOM


class _Writer:
    """Builds the ``m`` whose functions write torch source; remembers what a
    rule used (functions of ``m``, comparisons, helpers)."""

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype
        self.used: set[str] = set()
        self.helpers: set[str] = set()
        self.branches = False

    def code(self, text: str, prec: int = _ATOM) -> Code:
        return Code(text, prec, self)

    def text(self, x: Any, prec: int) -> str:
        """``x`` as source, parenthesised if it binds less tightly than ``prec``."""
        if isinstance(x, Code):
            text, own = x.text, x.prec
        elif isinstance(x, (int, float)):
            text, own = literal(x)
        else:
            raise _Untraceable(f"an operand of type {type(x).__name__}")
        return f"({text})" if own < prec else text

    def tensor(self, x: float) -> Code:
        """A number as a 0-dimensional tensor of the export's dtype."""
        return self.code(f"torch.tensor({literal(x)[0]}, dtype={self.dtype})")

    def call(self, name: str, *args: Any, torch_name: str | None = None) -> Any:
        self.used.add(name)
        if not any(isinstance(a, Code) for a in args):  # numbers: compute them
            out = getattr(IEEE_MATH, name)(*args)
            return float(out) if isinstance(out, float) else out
        inside = ", ".join(self.text(a, 0) for a in args)
        return self.code(f"{torch_name or 'torch.' + name}({inside})")

    def maths(self) -> Maths:
        def unary(name: str) -> Callable[[Any], Any]:
            return lambda x: self.call(name, x)

        def pow_(x: Any, n: Any) -> Any:
            self.used.add("pow")
            if not isinstance(x, Code) and not isinstance(n, Code):
                return float(IEEE_MATH.pow(x, n))
            return (x if isinstance(x, Code) else self.code(*literal(x))) ** n

        def maximum(a: Any, b: Any) -> Any:
            if isinstance(a, Code) and isinstance(b, Code):
                return self.call("maximum", a, b)
            if isinstance(b, Code):
                a, b = b, a
            if not isinstance(a, Code):
                return self.call("maximum", a, b)
            self.used.add("maximum")  # clamp propagates NaN, as maximum does
            return self.code(f"torch.clamp({self.text(a, 0)}, min={self.text(b, 0)})")

        def helper(name: str) -> Callable[[Any], Any]:
            def write(x: Any) -> Any:
                if isinstance(x, Code):
                    self.helpers.add(name)
                return self.call(name, x, torch_name=name)

            return write

        def where(c: Any, a: Any, b: Any) -> Any:
            self.used.add("where")
            if not isinstance(c, Code):
                return a if c else b
            if not isinstance(a, Code) and not isinstance(b, Code):
                a = self.tensor(a)  # two numbers would make a float32 result
            return self.code(
                f"torch.where({self.text(c, 0)}, {self.text(a, 0)}, {self.text(b, 0)})"
            )

        return Maths(
            exp=unary("exp"),
            log=unary("log"),
            sqrt=unary("sqrt"),
            tanh=unary("tanh"),
            sin=unary("sin"),
            cos=unary("cos"),
            abs=unary("abs"),
            pow=pow_,
            maximum=maximum,
            step=helper("step"),
            sign=helper("sign"),
            where=where,
            isinf=unary("isinf"),
            floor=unary("floor"),
        )


def _trace(f: Callable[..., Any], writer: _Writer, *args: Any) -> Any:
    try:
        return f(writer.maths(), *args)
    except _Untraceable:
        raise
    except Exception as exc:  # a function m lacks, an error on a stand-in
        raise _Untraceable(f"{type(exc).__name__}: {exc}") from None


#: Helpers the generated code defines when a rule uses them: the engine's
#: ``m.step`` and ``m.sign`` (NaN stays NaN; ``torch.sign(nan)`` is 0).
HELPERS: dict[str, str] = {
    "step": '''def step(x):
    """1 where x > 0, 0 where x <= 0, NaN where x is NaN: m.step."""
    return torch.where(x > 0.0, 1.0, torch.where(x <= 0.0, 0.0, x))''',
    "sign": '''def sign(x):
    """1 where x > 0, -1 where x < 0, else x * 0 (a signed zero, or NaN): m.sign."""
    return torch.where(x > 0.0, 1.0, torch.where(x < 0.0, -1.0, x * 0.0))''',
}


# ------------------------------------------------------- writing operations
@dataclass
class _Written:
    """How one rule is written: inline (``cls`` is None) or as a Function."""

    rule: Rule
    cls: str | None
    source: str
    helpers: frozenset[str]


def _class_name(rule: Rule, taken: set[str]) -> str:
    base = "".join(part[:1].upper() + part[1:] for part in rule.name.split("_") if part)
    name = base or "Op"
    for n in itertools.count(2):
        if name not in taken:
            break
        name = f"{base}{n}"
    taken.add(name)
    return name


def _operand_names(rule: Rule) -> list[str]:
    return ["x", "y"][: rule.arity]


def _write_rule(rule: Rule, dtype: str, taken: set[str]) -> _Written:
    """Decide how ``rule`` is written, and write its Function if it needs one."""
    writer = _Writer(dtype)
    names = _operand_names(rule)
    operands = [writer.code(n) for n in names]
    forward: Any = None
    local: Any = None
    if rule.vectorizes:
        try:
            forward = _trace(rule.forward, writer, *operands)
            branchy = writer.branches or not writer.used <= SMOOTH
            if rule.name in BUILTIN and not branchy:
                return _Written(rule, None, "", frozenset(writer.helpers))
            local = _trace(rule.local, writer, *operands, writer.code("out"))
        except _Untraceable:
            forward = None
    cls = _class_name(rule, taken)
    args = ", ".join(names)
    derivatives = ", ".join(d for d in rule.derivatives if d is not None)
    lines = [f"class {cls}(torch.autograd.Function):"]
    if forward is None:
        lines += [
            f'    """{rule.name}: {rule.formula}, written with math on floats: computed',
            '    element by element by its rule (per_element), derivatives included."""',
            "",
            "    @staticmethod",
            f"    def forward(ctx, {args}):",
        ]
        grads = [f"d{n}" for n in names]
        lines.append(f"        out, {', '.join(grads)} = per_element({rule.name!r}, {args})")
        lines.append(f"        ctx.save_for_backward({args}, {', '.join(grads)})")
        lines.append("        return out")
        saved = f"{args}, {', '.join(grads)}"
        local_texts = [g if d else None for g, d in zip(grads, rule.differentiable)]
    else:
        lines += [
            f'    """{rule.name}: {rule.formula}; the derivative is its rule\'s: {derivatives}."""',
            "",
            "    @staticmethod",
            f"    def forward(ctx, {args}):",
        ]
        if isinstance(forward, Code):
            lines.append(f"        out = {forward.text}")
        elif rule.arity == 1:
            lines.append(f"        out = torch.full_like(x, {writer.text(forward, 0)})")
        else:
            lines.append(
                "        out = torch.full(torch.broadcast_shapes(x.shape, y.shape), "
                f"{writer.text(forward, 0)}, dtype=x.dtype)"
            )
        lines.append(f"        ctx.save_for_backward({args}, out)")
        lines.append("        return out")
        saved = f"{args}, out"
        local_texts = [None if d is None else writer.text(d, _MUL + 1) for d in local]
    returned = [
        "None" if text is None else f"(grad * {text}).sum_to_size({n}.shape)"
        for n, text in zip(names, local_texts)
    ]
    lines += [
        "",
        "    @staticmethod",
        "    def backward(ctx, grad):",
        f"        {saved} = ctx.saved_tensors",
        f"        return {', '.join(returned)}",
    ]
    return _Written(rule, cls, "\n".join(lines), frozenset(writer.helpers))


def per_element(name: str, *operands: torch.Tensor) -> tuple[Any, ...]:
    """``(out, ∂out/∂operand...)`` of the rule ``name`` applied to each element
    of the (broadcast) operands, in IEEE-754 arithmetic
    (:func:`~autograd_scalar.core.apply.apply_ieee`); ``None`` for an operand
    that is not differentiated. For the generated Functions of operations
    whose forward is written with ``math`` on floats."""
    rule = RULES.get(name)
    if rule is None:
        raise InvalidInputError(
            "to_torch", name, f"no operation {name!r} in RULES: define it again (define_op)"
        )
    tensors = torch.broadcast_tensors(*operands)  # type: ignore[no-untyped-call]
    like = tensors[0]
    columns = [t.detach().reshape(-1).tolist() for t in tensors]
    results = [apply_ieee(rule, tuple(xs)) for xs in zip(*columns)]

    def as_tensor(numbers: list[float]) -> torch.Tensor:
        return torch.tensor(numbers, dtype=like.dtype, device=like.device).reshape(like.shape)

    out = as_tensor([r[0] for r in results])
    grads: list[torch.Tensor | None] = [
        as_tensor([float(r[1][k]) for r in results]) if differentiable else None
        for k, differentiable in enumerate(rule.differentiable)
    ]
    return (out, *grads)


# ------------------------------------------------------- writing the graph
_IDENTIFIER = re.compile(r"\W")
#: The attributes a TorchRecording (and nn.Module) sets on itself, which no
#: parameter may be named.
_ATTRIBUTES = frozenset(vars(nn.Module())) | {
    "code",
    "title",
    "dtype",
    "arg_names",
    "shapes",
    "labels",
}


def _name_of(label: str | None, k: int, taken: set[str]) -> str:
    """A parameter name from a label: dots and other non-identifier
    characters become ``_``; ``p{k}`` without a label; unique."""
    name = _IDENTIFIER.sub("_", label) if label else f"p{k}"
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"p_{name}"
    base = name
    for n in itertools.count(2):
        if name not in taken and not hasattr(TorchRecording, name) and name not in _ATTRIBUTES:
            break
        name = f"{base}_{n}"
    taken.add(name)
    return name


@dataclass(frozen=True)
class GeneratedSource:
    """What :func:`torch_source` writes.

    Attributes:
        code: the module's source.
        names: parameter (then buffer) name -> its shared leaf Value.
        n_params: how many of ``names``, from the first, are parameters.
        args: the names of ``forward``'s arguments (the recorded function's,
            renamed where they would shadow a name the code uses).
    """

    code: str
    names: dict[str, Value]
    n_params: int
    args: list[str]


def _tag(
    node: Value, parents: Sequence[Value], tags: dict[int, str | None], shared: dict[int, str]
) -> str | None:
    """What a line belongs to, for its comment: its node's label, else the
    parameter it uses when that one's label has parts (``L1.n3.w1`` →
    ``L1.n3``), else what all its operands but constants belong to, if that is
    one thing (so a loss computed from a neuron's output is not that neuron's)."""
    if node.label:
        return node.label
    for p in parents:
        if id(p) in shared and p.label and "." in p.label:
            return p.label.rsplit(".", 1)[0]
    found = {tags.get(id(p)) for p in parents if p.op != CONST}
    return found.pop() if len(found) == 1 else None


def torch_source(
    graph: Graph,
    params: Sequence[Value],
    arg_names: Sequence[str],
    shapes: Sequence[tuple[int, ...]],
    dtype: torch.dtype = torch.float64,
    title: str = "f",
) -> GeneratedSource:
    """The generated source for a recorded graph (see :func:`to_torch`)."""
    dtype_text = repr(dtype)
    reserved = {"self", "torch", "math", "per_element", *HELPERS, *keyword.kwlist}
    rule_names: set[str] = set()
    written: dict[str, _Written] = {}
    for node in graph.nodes:
        if node.op and node.op != CONST and node.op not in written:
            rule = node.rule
            if rule is None:
                raise InvalidInputError(
                    "to_torch",
                    node.op,
                    f"the recording uses the operation {node.op!r}, which is no longer in RULES "
                    "(removed with remove_op?): define it again to export",
                    node.label,
                )
            written[node.op] = _write_rule(rule, dtype_text, rule_names)
    reserved |= rule_names

    # the arguments, renamed where they would shadow a name the code uses
    args: list[str] = []
    for name in arg_names:
        while name in reserved or re.fullmatch(r"t\d+", name) or name in args:
            name += "_"
        args.append(name)

    # parameters, then the other shared leaves (buffers)
    names: dict[str, Value] = {}
    by_id: dict[int, str] = {}
    taken: set[str] = set(reserved)
    unique = list({id(p): p for p in params}.values())
    input_ids = {id(v): i for i, v in enumerate(graph.inputs)}
    shared = [
        n
        for n in graph.nodes
        if n.is_leaf and n.op != CONST and id(n) not in input_ids and id(n) not in by_id
    ]
    for k, value in enumerate([*unique, *(v for v in shared if v not in unique)]):
        if id(value) in by_id:
            continue
        name = _name_of(value.label, k, taken)
        names[name] = value
        by_id[id(value)] = name

    # where each input lives in its argument
    located: list[tuple[str, str, str | None]] = []  # (expression, label, scalar arg)
    for name, shape in zip(args, shapes):
        if not shape:
            located.append((name, name, name))
            continue
        for flat in range(math.prod(shape)):
            index, rest = [], flat
            for size in reversed(shape):
                index.append(rest % size)
                rest //= size
            where = ", ".join(str(i) for i in reversed(index))
            located.append((f"{name}[:, {where}]", f"{name}[{where.replace(', ', '][')}]", None))

    writer = _Writer(dtype_text)
    exprs: dict[int, Any] = {}  # node id -> Code or number
    varying: dict[int, bool] = {}
    tags: dict[int, str | None] = {}
    body: list[str] = []
    counter = itertools.count()
    helpers: set[str] = set()

    def line(text: str, tag: str | None) -> Code:
        name = f"t{next(counter)}"
        body.append(f"    {name} = {text}" + (f"  # {tag}" if tag else ""))
        return writer.code(name)

    for node, parent_positions in zip(graph.nodes, graph.parents):
        key = id(node)
        if node.is_leaf:
            if key in input_ids:
                expression, label, scalar = located[input_ids[key]]
                exprs[key] = writer.code(expression) if scalar else line(expression, label)
                varying[key] = True
            elif node.op == CONST:
                exprs[key] = node.data
                varying[key] = False
            else:
                exprs[key] = writer.code(f"self.{by_id[key]}")
                varying[key] = False
            continue
        parents = [graph.nodes[i] for i in parent_positions]
        operands = [exprs[id(p)] for p in parents]
        how = written[node.op]
        if how.cls is not None or not any(isinstance(o, Code) for o in operands):
            operands = [o if isinstance(o, Code) else writer.tensor(o) for o in operands]
        if how.cls is None:
            out = how.rule.forward(writer.maths(), *operands)
            text = writer.text(out, 0)
        else:
            text = f"{how.cls}.apply({', '.join(writer.text(o, 0) for o in operands)})"
            helpers |= how.helpers
        tags[key] = _tag(node, parents, tags, by_id)
        exprs[key] = line(text, tags[key])
        varying[key] = any(varying[id(p)] for p in parents)
    helpers |= writer.helpers

    output = exprs[id(graph.output)]
    batch = f"len({args[0]})" if args else "1"
    if not isinstance(output, Code):
        result = f"torch.full(({batch},), {writer.text(output, 0)}, dtype={dtype_text})"
    elif varying[id(graph.output)]:
        result = output.text
    else:  # the same value for every example
        result = f"{output.text}.expand({batch})"
    body.append(f"    return {result}")

    shown = ", ".join(
        f"{a}: (batch,{''.join(f' {s},' for s in shape)})".replace(",)", ")")
        if shape
        else f"{a}: (batch,)"
        for a, shape in zip(args, shapes)
    )
    n_ops = sum(1 for n in graph.nodes if not n.is_leaf)
    header = [
        f"# PyTorch code generated by autograd_scalar from a recording of {title}:",
        f"# {n_ops} operations, {len(unique)} parameters. Arguments, batch first: "
        f"{shown or 'none'};",
        "# returns the (batch,) tensor of per-example values.",
        "import math",
        "",
        "import torch",
    ]
    if any(w.cls is not None and "per_element" in w.source for w in written.values()):
        header.append("from autograd_scalar.export.recording import per_element")
    parts = ["\n".join(header), f"def forward(self{''.join(', ' + a for a in args)}):"]
    code = "\n".join(header) + "\n\n\n" + parts[1] + "\n" + "\n".join(body) + "\n"
    extras = [w.source for w in written.values() if w.cls is not None]
    extras += [HELPERS[h] for h in sorted(helpers)]
    if extras:
        code += "\n\n# Operations differentiated by their rule, and the helpers they use.\n"
        code += "\n\n\n".join(extras) + "\n"
    return GeneratedSource(code, names, len(unique), args)


_FILES = itertools.count(1)


def _compile(code: str, title: str) -> Callable[..., Any]:
    """Execute the generated source; its lines show in tracebacks."""
    filename = f"<autograd_scalar export {next(_FILES)}: {title}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {"__name__": "autograd_scalar_export"}
    exec(compile(code, filename, "exec"), namespace)  # noqa: S102 - our own generated source
    forward: Callable[..., Any] = namespace["forward"]
    return forward


# ------------------------------------------------------------------ module
class TorchRecording(nn.Module):
    """A recording as a ``torch.nn.Module`` with a generated ``forward`` (see
    the module docstring); made by
    :meth:`~autograd_scalar.vectorize.program.Recording.to_torch`.

    Attributes:
        code: the generated source of ``forward`` (and of the Functions and
            helpers it uses).
        labels: parameter (and buffer) name -> the label of its Value.
        arg_names: the names of ``forward``'s arguments.
        shapes: per argument, the shape of one example (``()`` for a number).
        dtype: the dtype of the parameters and of the computation.
    """

    def __init__(
        self,
        source: GeneratedSource,
        shapes: Sequence[tuple[int, ...]],
        dtype: torch.dtype,
        title: str,
    ) -> None:
        super().__init__()
        self.code = source.code
        self.title = title
        self.dtype = dtype
        self.arg_names = list(source.args)
        self.shapes = [tuple(s) for s in shapes]
        self.labels: dict[str, str] = {}
        self._values: list[tuple[str, Value]] = []
        for k, (name, value) in enumerate(source.names.items()):
            data = torch.tensor(value.data, dtype=dtype)
            if k < source.n_params:
                self.register_parameter(name, nn.Parameter(data))
                self._values.append((name, value))
            else:
                self.register_buffer(name, data)
            self.labels[name] = value.label or name
        self._forward = _compile(self.code, title)

    def forward(self, *batch_args: Any) -> torch.Tensor:
        """The per-example values for a batch: one tensor (or array, or nested
        list) per per-example argument, batch first."""
        if len(batch_args) != len(self.shapes):
            raise InvalidInputError(
                "forward",
                len(batch_args),
                f"expected {len(self.shapes)} batch arguments ({', '.join(self.arg_names)}), "
                f"got {len(batch_args)}",
            )
        tensors = []
        batch = -1
        reference = next(itertools.chain(self.parameters(), self.buffers()), None)
        dtype = reference.dtype if reference is not None else self.dtype
        device = reference.device if reference is not None else None
        for name, shape, data in zip(self.arg_names, self.shapes, batch_args):
            try:
                tensor = torch.as_tensor(data, dtype=dtype, device=device)
            except (TypeError, ValueError, RuntimeError):
                raise InvalidInputError(
                    "forward", data, f"batch argument {name!r} must be an array of numbers"
                ) from None
            if tuple(tensor.shape[1:]) != shape or tensor.ndim != len(shape) + 1:
                raise InvalidInputError(
                    "forward",
                    tuple(tensor.shape),
                    f"batch argument {name!r} must have shape (batch, {', '.join(map(str, shape))})"
                    f" to match the recorded example, got {tuple(tensor.shape)}",
                )
            if batch >= 0 and tensor.shape[0] != batch:
                raise InvalidInputError(
                    "forward",
                    tuple(tensor.shape),
                    f"batch argument {name!r} has {tensor.shape[0]} examples, "
                    f"the first had {batch}",
                )
            batch = tensor.shape[0]
            tensors.append(tensor)
        out: torch.Tensor = self._forward(self, *tensors)
        return out

    def parameter_of(self, label: str) -> nn.Parameter:
        """The parameter of the Value labelled ``label`` (``"L1.n1.w1"``)."""
        for name, value in self._values:
            if value.label == label:
                parameter: nn.Parameter = getattr(self, name)
                return parameter
        raise InvalidInputError("parameter_of", label, f"no parameter labelled {label!r}")

    def update_values(self) -> None:
        """Copy the parameters into the recording's Values, in place (the same
        Value objects, so the engine, the replay, an optimiser or a diagram
        that holds them sees the numbers trained in torch)."""
        numbers = [
            float(getattr(self, name).detach().to("cpu", torch.float64)) for name, _ in self._values
        ]
        for (_, value), number in zip(self._values, numbers):
            value.data = number

    def extra_repr(self) -> str:
        lines = self.code.splitlines()
        start = next(i for i, text in enumerate(lines) if text.startswith("def forward"))
        shown = lines[start : start + 12]
        more = len(lines) - start - len(shown)
        tail = [f"    ... ({more} more lines: the whole source is .code)"] if more > 0 else []
        return "\n".join([*lines[:2], *shown, *tail])

    def __getstate__(self) -> dict[str, Any]:
        """Picklable: the compiled function is left out and compiled again
        from ``code`` on unpickling."""
        state = self.__dict__.copy()
        state.pop("_forward", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[no-untyped-call]
        self._forward = _compile(self.code, self.title)


def to_torch(
    graph: Graph,
    params: Sequence[Value],
    arg_names: Sequence[str],
    shapes: Sequence[tuple[int, ...]],
    dtype: Any = None,
    title: str = "f",
) -> TorchRecording:
    """The recorded ``graph`` as a :class:`TorchRecording`; what
    :meth:`Recording.to_torch <autograd_scalar.vectorize.program.Recording.to_torch>`
    calls. ``dtype``: a floating-point ``torch.dtype`` (float64 by default)."""
    if dtype is None:
        dtype = torch.float64
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InvalidInputError(
            "to_torch",
            dtype,
            "dtype must be a floating-point torch.dtype (torch.float64, the default, or "
            f"torch.float32), got {dtype!r}",
        )
    source = torch_source(graph, params, arg_names, shapes, dtype, title)
    return TorchRecording(source, shapes, dtype, title)
