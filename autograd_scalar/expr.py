"""Safe arithmetic expressions: text such as ``"tanh(w*x + b)"`` to a graph of Values.

The text is parsed with :mod:`ast` and only a whitelist is accepted: numbers,
the declared variables, ``+ - * / **``, unary ``-`` and ``+``, parentheses and
calls of the library's functions (``exp log sqrt tanh sigmoid relu sin cos
abs``) with one argument. Nothing is passed to ``eval``; names, attribute
access, subscripts, keywords and calls to anything else are refused, and so
are texts longer than :data:`MAX_LENGTH` characters or nested deeper than
:data:`MAX_DEPTH` (a flat chain such as ``x + y - z + ...`` or ``x * y / z``
is one level, however long). Numbers combined only with numbers are computed on
floats; the rest builds Values (under ``detect_anomaly()``, so an overflow or a
NaN is an error, never a silent ``inf``). Every problem raises
:class:`ExpressionError`, whose message shows the expression with a caret under
the offending part (positions are in characters, and the caret is aligned for
wide characters such as CJK).

>>> from autograd_scalar.core import Value
>>> x = Value(2.0, label="x")
>>> y = evaluate("x**2 + 3*x", {"x": x})
>>> y.data
10.0
>>> evaluate("__import__('os')", {"x": x})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
autograd_scalar.expr.ExpressionError: expression: calls to '__import__' are not allowed; ...
  __import__('os')
  ^^^^^^^^^^
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from .core import AutogradError, Value, detect_anomaly, functions

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "ExpressionError", "evaluate", "parse"]

#: The longest expression accepted, in characters.
MAX_LENGTH = 1000
#: The deepest nesting accepted: of parentheses, and of operations in the syntax
#: tree, where a left-to-right chain of ``+``/``-`` (or of ``*``/``/``) counts once.
MAX_DEPTH = 100
#: The functions an expression may call.
FUNCTIONS: dict[str, Callable[[Any], Value]] = functions.FUNCTIONS  # from the rule table

_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
}
_SYMBOL: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~",
    ast.Not: "not",
}  # fmt: skip
# Operators of one precedence level: ``a + b - c + d`` is a flat chain to a
# reader, although ast nests it as ((a + b) - c) + d.
_LEVEL: dict[type[ast.operator], int] = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}


class ExpressionError(AutogradError, ValueError):
    """An expression that cannot be parsed, is not allowed, or fails to evaluate.

    Attributes:
        expression: the text.
        start, end: the offending part, as character offsets into it.
    """

    def __init__(self, expression: str, message: str, start: int, end: int) -> None:
        self.expression = expression
        start = max(0, min(start, len(expression)))
        end = max(start + 1, min(end, len(expression)))
        self.start, self.end = start, end
        left = max(0, start - 40) if len(expression) > 120 else 0  # a window around it
        right = min(len(expression), left + 120)
        # Pad by terminal columns, not characters, so the caret stays under a
        # culprit that follows wide (CJK) or combining characters.
        pad = _columns(expression[left:start])
        caret = " " * pad + "^" * max(1, _columns(expression[start : min(end, right)]))
        shown = expression[left:right]
        super().__init__("expression", expression[start:end], f"{message}\n  {shown}\n  {caret}")


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes (East Asian wide characters take 2)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _lead(text: str) -> int:
    """The number of leading spaces, which parse() skips (ast would call them an indent)."""
    return len(text) - len(text.lstrip(" "))


def _span(text: str, node: ast.AST) -> tuple[int, int]:
    """Where ``node`` is in ``text``, in characters.

    ast counts columns in UTF-8 bytes of the parsed text (``text`` without its
    leading spaces); a caret needs characters.
    """
    lead = _lead(text)
    raw = text[lead:].encode("utf-8")

    def chars(byte_offset: int) -> int:
        return lead + len(raw[:byte_offset].decode("utf-8", "ignore"))

    start = chars(getattr(node, "col_offset", 0))
    end_offset = getattr(node, "end_col_offset", None)
    return start, chars(end_offset) if end_offset is not None else start + 1


def _error(text: str, node: ast.AST, message: str) -> ExpressionError:
    return ExpressionError(text, message, *_span(text, node))


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise ExpressionError(
            repr(text), f"an expression must be a str, got {type(text).__name__}", 0, 0
        )
    if not text.strip():
        raise ExpressionError(text, "the expression is empty", 0, len(text))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            text, f"the expression is longer than {MAX_LENGTH} characters", MAX_LENGTH, len(text)
        )
    for i, char in enumerate(text):
        if not char.isprintable():
            raise ExpressionError(text, f"unexpected character {char!r}", i, i + 1)
    depth = 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(text, f"nested deeper than {MAX_DEPTH} levels", i, i + 1)
        elif char in ")]}":
            depth -= 1
    return text


def parse(text: str, variables: Mapping[str, object] | tuple[str, ...] = ()) -> ast.Expression:
    """Parse ``text`` and check it against the whitelist; return its syntax tree.

    ``variables``: the names it may use.
    """
    _check_text(text)
    # Python spells identifiers in NFKC form: a declared "ｘ" is the name "x".
    names = {unicodedata.normalize("NFKC", name) for name in variables}
    lead = _lead(text)
    try:
        tree = ast.parse(text[lead:], mode="eval")
    except SyntaxError as exc:
        # Offsets count characters from 1; 0 or None means "at the end of the text".
        start = lead + exc.offset - 1 if exc.offset and exc.offset > 0 else len(text)
        end = lead + exc.end_offset - 1 if exc.end_offset else 0
        end = end if end > start else start + 1
        reason = exc.msg or "invalid syntax"
        message = reason if reason.startswith("invalid syntax") else f"invalid syntax: {reason}"
        raise ExpressionError(text, message, start, end) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(text, "the expression is too deeply nested", 0, len(text)) from None
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _error(text, node, f"nested deeper than {MAX_DEPTH} operations")
        for child in _allowed_children(text, node, names):
            # The left operand of a chain (the a + b in a + b - c) is not nested
            # deeper; _eval walks such chains in a loop, so recursion stays bounded.
            flat = isinstance(node, ast.BinOp) and child is node.left and _chained(node)
            stack.append((child, depth if flat else depth + 1))
    return tree


def _chained(node: ast.BinOp) -> bool:
    """Whether ``node``'s left operand continues the same chain: (a + b) - c."""
    level = _LEVEL.get(type(node.op))
    left = node.left
    return level is not None and isinstance(left, ast.BinOp) and _LEVEL.get(type(left.op)) == level


def _allowed_children(text: str, node: ast.AST, names: set[str]) -> list[ast.AST]:
    """The sub-expressions of an allowed node; raises for anything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _error(text, node, f"only numbers are allowed, not {node.value!r}")
        return []
    if isinstance(node, ast.Name):
        if node.id in names:
            return []
        if node.id in FUNCTIONS:
            raise _error(text, node, f"{node.id} is a function: call it, as in {node.id}(x)")
        declared = ", ".join(sorted(names)) or "none"
        raise _error(text, node, f"unknown name {node.id!r} (declared variables: {declared})")
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _SYMBOL.get(type(node.op), type(node.op).__name__)
            raise _error(text, node, f"the operator {symbol} is not allowed; use + - * / **")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            symbol = _SYMBOL.get(type(node.op), type(node.op).__name__)
            raise _error(text, node, f"the operator {symbol} is not allowed")
        return [node.operand]
    if isinstance(node, ast.Call):
        func = node.func
        allowed = ", ".join(sorted(FUNCTIONS))
        if isinstance(func, ast.Attribute):
            raise _error(text, func, "attribute access is not allowed")
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            shown = func.id if isinstance(func, ast.Name) else text[slice(*_span(text, func))]
            raise _error(text, func, f"calls to {shown!r} are not allowed; functions: {allowed}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _error(text, node, f"{func.id}() takes exactly one argument")
        return [node.args[0]]
    if isinstance(node, ast.Attribute):
        raise _error(text, node, "attribute access is not allowed")
    kind = type(node).__name__
    raise _error(text, node, f"{kind} is not allowed in an expression")


def evaluate(text: str, variables: Mapping[str, Value | float]) -> Value:
    """Parse ``text`` and build its graph from ``variables`` (Values, or numbers
    that become leaves labelled with their names)."""
    for name in variables:
        key = unicodedata.normalize("NFKC", name)
        if not name.isidentifier() or keyword.iskeyword(key) or key in FUNCTIONS:
            raise ExpressionError(name, f"{name!r} cannot be a variable name", 0, len(name))
    tree = parse(text, tuple(variables))
    env = {
        unicodedata.normalize("NFKC", name): v if isinstance(v, Value) else Value(v, label=name)
        for name, v in variables.items()
    }
    with detect_anomaly():
        result = _eval(text, tree.body, env)
    return result if isinstance(result, Value) else Value(result)


def _eval(text: str, node: ast.AST, env: dict[str, Value]) -> Value | float:
    # Recursion is bounded: parse() refused anything deeper than MAX_DEPTH, and
    # a chain (a + b - c + ...) is walked in a loop, below.
    if isinstance(node, ast.BinOp) and _chained(node):
        chain = [node]
        while _chained(chain[-1]):
            inner = chain[-1].left
            assert isinstance(inner, ast.BinOp)  # what _chained() checked
            chain.append(inner)
        result = _eval(text, chain[-1].left, env)
        for link in reversed(chain):
            result = _binary(text, link, result, _eval(text, link.right, env))
        return result
    try:
        if isinstance(node, ast.Constant):
            try:
                number = float(node.value)  # type: ignore[arg-type]  # parse() allows numbers only
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                literal = text[slice(*_span(text, node))]
                literal = literal if len(literal) <= 24 else literal[:20] + "..."
                raise _error(text, node, f"the number {literal} is too large for a float")
            return number
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = _eval(text, node.operand, env)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # guaranteed by parse()
            return FUNCTIONS[node.func.id](_eval(text, node.args[0], env))
        assert isinstance(node, ast.BinOp)
        left = _eval(text, node.left, env)
        right = _eval(text, node.right, env)
    except ExpressionError:
        raise
    except (AutogradError, ArithmeticError, ValueError) as exc:
        raise _error(text, node, str(exc) or type(exc).__name__) from None
    return _binary(text, node, left, right)


def _binary(text: str, node: ast.BinOp, left: Value | float, right: Value | float) -> Value | float:
    """``left <op> right`` for the operator of ``node``; errors point at ``node``."""
    name = _BINARY[type(node.op)]
    try:
        if isinstance(left, float) and isinstance(right, float):
            return _numbers(text, node, name, left, right)
        return _apply(name, left, right)
    except ExpressionError:
        raise
    except (AutogradError, ArithmeticError, ValueError) as exc:
        raise _error(text, node, str(exc) or type(exc).__name__) from None


def _paren(x: float) -> str:
    return f"({x!r})" if x < 0 else repr(x)


def _numbers(text: str, node: ast.BinOp, name: str, left: float, right: float) -> float:
    """An operation on two plain numbers (no Value involved), checked."""
    shown = f"{_paren(left)} {_SYMBOL[type(node.op)]} {_paren(right)}"
    try:
        out = _FLOAT_OPS[name](left, right)
    except ZeroDivisionError:
        raise _error(text, node, f"division by zero in {shown}") from None
    except ValueError:
        raise _error(text, node, f"{shown} is undefined (not a real number)") from None
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise _error(text, node, f"{shown} overflows a float")
    return out


def _float_pow(x: float, n: float) -> float:
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError("zero to a negative power")
    # math.pow, unlike **, raises ValueError instead of returning a complex
    # number for a negative base with a fractional exponent.
    return math.pow(x, n)


#: Plain float arithmetic for operations on two numbers; raises ZeroDivisionError,
#: ValueError or OverflowError where the result is not a finite real number.
_FLOAT_OPS: dict[str, Callable[[float, float], float]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": _float_pow,
}


def _apply(name: str, left: Value | float, right: Value | float) -> Value:
    if name == "add":
        return left + right  # type: ignore[return-value]
    if name == "sub":
        return left - right  # type: ignore[return-value]
    if name == "mul":
        return left * right  # type: ignore[return-value]
    if name == "div":
        return left / right  # type: ignore[return-value]
    return left**right
