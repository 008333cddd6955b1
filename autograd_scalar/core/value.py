"""The scalar reverse-mode engine: :class:`Value` and its ``backward()``.

A :class:`Value` holds a float (``data``), the derivative of the last
``backward()`` output with respect to it (``grad``), and, when an operation made
it, that operation's name, its parents and the local derivative
``∂self/∂parent`` for each parent. The local derivatives come from the table in
:mod:`autograd_scalar.rules` and are computed once, in the forward pass.

``backward()`` is the chain rule: it orders the graph topologically (without
recursion, so depth is unlimited) and, from the output back to the inputs,
adds ``∂self/∂parent · self.grad`` into every parent's ``grad``.

Design notes, for speed and memory:

* ``__slots__`` and at most two parents per node, kept in plain slots rather
  than tuples: a node is one small object.
* No closure per node: a closure that captures its output node is a reference
  cycle, which only the cyclic garbage collector can free. Here a dropped graph
  is freed by reference counting alone.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from .errors import (
    AutogradError,
    DataDependentError,
    DomainError,
    InvalidInputError,
    NonFiniteError,
    OverflowError_,
    ZeroDivisionError_,
)
from .rules import FLOAT_MATH, RULES, Rule

__all__ = [
    "CONST",
    "Value",
    "constant",
    "Number",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "zero_grad",
]

Number = float | int

# The mode is one small int in a context variable, so one lookup per operation
# answers both questions, and each thread and asyncio task has its own.
_RECORD = 1  # build the graph (off under no_grad)
_CHECK = 2  # look for NaN and inf (on under detect_anomaly)
# Comparisons raise (set while autograd_scalar.vectorize records a function:
# a branch on a comparison would bake one example's path into the recording).
# Any bit besides _RECORD sends + and * down the general path, which is fine
# for the one example recorded.
_TRACE = 4
_MODE: ContextVar[int] = ContextVar("autograd_scalar_mode", default=_RECORD)
_mode = _MODE.get  # bound once: the hot path saves a method lookup per operation

_new = object.__new__
_isfinite = math.isfinite
_INF = math.inf

_ADD, _SUB, _MUL, _DIV, _NEG = (RULES[n] for n in ("add", "sub", "mul", "div", "neg"))
_POW, _RPOW, _POWV = RULES["pow"], RULES["rpow"], RULES["powv"]
_EXP, _LOG, _SQRT, _TANH = RULES["exp"], RULES["log"], RULES["sqrt"], RULES["tanh"]
_SIGMOID, _RELU, _SIN, _COS, _ABS = (RULES[n] for n in ("sigmoid", "relu", "sin", "cos", "abs"))

#: The op name of a leaf made from a plain number inside an expression (the 2 in ``2 * x``).
CONST = "const"


def _as_float(data: object, op: str, label: str | None = None) -> float:
    """Check that ``data`` is a real number and return it as a float."""
    if type(data) is float:
        return data
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        kind = "bool" if isinstance(data, bool) else type(data).__name__
        raise InvalidInputError(op, data, f"expected a real number, got {data!r} ({kind})", label)
    return float(data)


class Value:
    """A scalar in a computational graph.

    Attributes:
        data: the value, a float.
        grad: ∂(output of the last ``backward()``)/∂(this node). A leaf adds up
            the gradients of successive ``backward()`` calls, as PyTorch's leaves
            do; every other node holds the gradient of the latest pass only.
            After ``backward(create_graph=True)`` it holds a :class:`Value`.
        label: an optional name, shown in errors and diagrams.

    Arithmetic (``+ - * / **``, unary ``-``) works with another Value or a
    plain number on either side; the number becomes a constant leaf of the
    graph. Comparisons (``< <= > >=``) compare ``data`` and return a plain
    ``bool``: they are not differentiable and do not record anything. ``==``
    is identity, so Values can be kept in sets and dicts.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad
    7.0
    """

    __slots__ = ("data", "grad", "label", "_op", "_p0", "_p1", "_d0", "_d1")

    data: float
    grad: Any
    label: str | None
    _op: str
    _p0: Value | None
    _p1: Value | None
    _d0: Any
    _d1: Any

    def __init__(self, data: Number, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise InvalidInputError("Value", label, f"label must be a str, got {label!r}")
        self.data = _as_float(data, "Value", label)
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._p0 = self._p1 = self._d0 = self._d1 = None
        if _MODE.get() & _CHECK and not _isfinite(self.data):
            raise NonFiniteError("Value", self.data, f"input data is {self.data}", label)

    # ----------------------------------------------------------------- graph
    @property
    def op(self) -> str:
        """The operation that made this node: ``""`` for a leaf, ``"const"``
        for a number met in an expression, else a name from ``RULES``."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from (empty for a leaf)."""
        if self._p0 is None:
            return ()
        if self._p1 is None:
            return (self._p0,)
        return (self._p0, self._p1)

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """∂self/∂parent for each parent, computed in the forward pass.

        ``None`` stands for a fixed number that is not differentiated (the
        exponent of ``x ** 3``)."""
        if self._p0 is None:
            return ()
        if self._p1 is None:
            return (self._d0,)
        return (self._d0, self._d1)

    @property
    def rule(self) -> Rule | None:
        """The derivative rule of this node's operation (``None`` for a leaf)."""
        return RULES.get(self._op)

    @property
    def is_leaf(self) -> bool:
        """True for an input, parameter or constant: a node with no parents."""
        return self._p0 is None

    def __repr__(self) -> str:
        parts = [f"data={self.data!r}", f"grad={self.grad!r}"]
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        if self._op:
            parts.append(f"op={self._op!r}")
        return f"Value({', '.join(parts)})"

    def __bool__(self) -> bool:
        raise InvalidInputError(
            "bool",
            self.data,
            "a Value has no truth value; compare it (v > 0) or test v.data",
            self.label,
        )

    # ------------------------------------------------------------ arithmetic
    # ``+`` and ``*`` are most of any network's graph, so they are written out
    # in full instead of going through _binary: that call and the rule's call
    # cost about a third of a training step. Their local derivatives are those
    # of RULES["add"] and RULES["mul"] (tests check that the two agree).
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _const(other, "add")
        if _mode() != _RECORD:  # no_grad, detect_anomaly or recording: the general path
            return _binary(_ADD, self, other)
        node = _new(Value)
        node.data = self.data + other.data
        node.grad = 0.0
        node.label = None
        node._op = "add"
        node._p0 = self
        node._p1 = other
        node._d0 = node._d1 = 1.0
        return node

    def __radd__(self, other: Number) -> Value:
        return _binary(_ADD, _const(other, "add"), self)

    def __sub__(self, other: Value | Number) -> Value:
        return _binary(_SUB, self, other if type(other) is Value else _const(other, "sub"))

    def __rsub__(self, other: Number) -> Value:
        return _binary(_SUB, _const(other, "sub"), self)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _const(other, "mul")
        if _mode() != _RECORD:
            return _binary(_MUL, self, other)
        x = self.data
        y = other.data
        node = _new(Value)
        node.data = x * y
        node.grad = 0.0
        node.label = None
        node._op = "mul"
        node._p0 = self
        node._p1 = other
        node._d0 = y  # ∂(x·y)/∂x = y, shared with the operand: no new float
        node._d1 = x
        return node

    def __rmul__(self, other: Number) -> Value:
        return _binary(_MUL, _const(other, "mul"), self)

    def __truediv__(self, other: Value | Number) -> Value:
        return _binary(_DIV, self, other if type(other) is Value else _const(other, "div"))

    def __rtruediv__(self, other: Number) -> Value:
        return _binary(_DIV, _const(other, "div"), self)

    def __neg__(self) -> Value:
        return _unary(_NEG, self)

    def __pow__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _binary(_POWV, self, other)
        return _binary(_POW, self, _const(other, "pow"))

    def __rpow__(self, other: Number) -> Value:
        # c ** x: the Value is the exponent; the fixed base rides along as a constant.
        return _binary(_RPOW, self, _const(other, "rpow"))

    # -------------------------------------------------------------- functions
    def exp(self) -> Value:
        """eˣ"""
        return _unary(_EXP, self)

    def log(self) -> Value:
        """ln x, for x > 0"""
        return _unary(_LOG, self)

    def sqrt(self) -> Value:
        """√x, for x ≥ 0"""
        return _unary(_SQRT, self)

    def tanh(self) -> Value:
        """tanh x"""
        return _unary(_TANH, self)

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e⁻ˣ), stable for any x"""
        return _unary(_SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0)"""
        return _unary(_RELU, self)

    def sin(self) -> Value:
        """sin x"""
        return _unary(_SIN, self)

    def cos(self) -> Value:
        """cos x"""
        return _unary(_COS, self)

    def __abs__(self) -> Value:
        return _unary(_ABS, self)

    def abs(self) -> Value:
        """|x|"""
        return _unary(_ABS, self)

    # ------------------------------------------------- comparisons (no grads)
    def __lt__(self, other: Value | Number) -> bool:
        if _MODE.get() & _TRACE:
            _refuse_comparison("<", self, other)
        return self.data < _data_of(other, "<")

    def __le__(self, other: Value | Number) -> bool:
        if _MODE.get() & _TRACE:
            _refuse_comparison("<=", self, other)
        return self.data <= _data_of(other, "<=")

    def __gt__(self, other: Value | Number) -> bool:
        if _MODE.get() & _TRACE:
            _refuse_comparison(">", self, other)
        return self.data > _data_of(other, ">")

    def __ge__(self, other: Value | Number) -> bool:
        if _MODE.get() & _TRACE:
            _refuse_comparison(">=", self, other)
        return self.data >= _data_of(other, ">=")

    __hash__ = object.__hash__

    # --------------------------------------------------------------- backward
    def backward(self, gradient: Number | Value = 1.0, *, create_graph: bool = False) -> None:
        """Back-propagate: set ``grad`` on every node this one depends on.

        Args:
            gradient: the seed ∂L/∂self (1.0 by default): the result is the
                gradient of ``gradient * self``.
            create_graph: record the backward pass itself as a graph, so the
                gradients are :class:`Value` nodes that can be differentiated
                again (second and higher derivatives).

        Repeated calls: leaves (inputs, parameters, constants) accumulate, as
        in PyTorch; every other node is reset, so it holds the gradient of this
        pass only. Use :meth:`zero_grad` or :func:`zero_grad` to reset leaves.

        With ``create_graph=True`` every node reached holds a :class:`Value`
        in ``grad`` (a leaf that already held a number holds that number plus
        the new Value). Its ``data`` is the usual gradient; its graph leads back
        to the inputs, so calling ``backward()`` on it gives second
        derivatives. Reset the leaves first, or they add the two passes up:

        >>> x = Value(2.0, label="x")
        >>> (x ** 3).backward(create_graph=True)
        >>> dx = x.grad          # 3x², a Value
        >>> x.grad = 0.0
        >>> dx.backward()
        >>> dx.data, x.grad      # 3x² = 12, 6x = 12
        (12.0, 12.0)

        :func:`autograd_scalar.functional.grad` does this bookkeeping for you
        and leaves ``grad`` attributes alone.
        """
        seed: Any = gradient if type(gradient) is Value else _as_float(gradient, "backward")
        if create_graph and type(seed) is not Value:
            # A Value seed makes every gradient a Value, even where all local
            # derivatives are numbers (y = x + x would otherwise give x.grad = 2.0).
            seed = _const(seed, "backward")
        if self._p0 is None:  # a leaf differentiated with respect to itself
            self.grad = self.grad + seed
            return
        order = _topological_order(self)
        self.grad = seed
        if create_graph:
            _backpropagate_recorded(order)
        elif _MODE.get() & _CHECK:
            _backpropagate_checked(order)
        else:
            _backpropagate(order)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in self.walk():
            node.grad = 0.0

    def walk(self) -> Iterator[Value]:
        """Every node this one depends on, itself included, each once."""
        seen = {id(self)}
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            for parent in (node._p0, node._p1):
                if parent is not None and id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)


def constant(number: object, op: str = CONST) -> Value:
    """A constant leaf (op ``"const"``): a fixed number in a graph, such as the
    2 in ``2 * x``, that replay keeps as recorded and diagrams draw as a constant.
    ``op`` names the operation to blame if ``number`` is not a real number."""
    return _const(number, op)


def _const(number: object, op: str) -> Value:
    """A constant leaf for a plain number met in an expression."""
    node = _new(Value)
    node.data = _as_float(number, op)
    node.grad = 0.0
    node.label = None
    node._op = CONST
    node._p0 = node._p1 = node._d0 = node._d1 = None
    return node


def _refuse_comparison(op: str, a: Value, b: object) -> None:
    """Comparing Values while a function is being recorded for replay: the
    branch it feeds would be taken for every example as it was for this one."""
    raise DataDependentError(
        op,
        (a.data, _data_of(b, op)),
        "a Value was compared while recording a function for batched replay; a branch on "
        "it would make the graph depend on the data. Use relu/abs (recorded operations) "
        "instead of a Python if",
        a.label,
    )


def _data_of(other: object, op: str) -> float:
    return other.data if isinstance(other, Value) else _as_float(other, op)


# ---------------------------------------------------------------- forward pass
def _unary(rule: Rule, a: Value) -> Value:
    x = a.data
    try:
        out = rule.forward(x)
    except (ValueError, ArithmeticError) as exc:
        raise _domain_error(rule, x, exc, a.label) from None
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = None
    node._p1 = node._d1 = None
    mode = _MODE.get()
    if mode & _RECORD:
        node._op = rule.name
        node._p0 = a
        try:
            node._d0 = rule.local(FLOAT_MATH, x, None, out)
        except ZeroDivisionError:  # unbounded derivative, e.g. sqrt at 0
            node._d0 = _INF
    else:
        node._op = ""
        node._p0 = node._d0 = None
    if mode & _CHECK:
        _check_forward(node, rule, (a,))
    return node


def _binary(rule: Rule, a: Value, b: Value) -> Value:
    x = a.data
    y = b.data
    try:
        out = rule.forward(x, y)
    except (ValueError, ArithmeticError) as exc:
        raise _domain_error(rule, (x, y), exc, _culprit(rule, a, b)) from None
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = None
    mode = _MODE.get()
    if mode & _RECORD:
        node._op = rule.name
        node._p0 = a
        node._p1 = b
        try:
            if rule.const_arg:
                node._d0 = rule.local(FLOAT_MATH, x, y, out)
                node._d1 = None
            else:
                node._d0, node._d1 = rule.local(FLOAT_MATH, x, y, out)
        except ZeroDivisionError:  # unbounded derivative, e.g. x ** 0.5 at 0
            node._d0, node._d1 = _INF, None
    else:
        node._op = ""
        node._p0 = node._p1 = node._d0 = node._d1 = None
    if mode & _CHECK:
        _check_forward(node, rule, (a, b))
    return node


def _culprit(rule: Rule, a: Value, b: Value) -> str | None:
    """The label to name when a binary operation fails: the divisor for a
    division, the Value operand otherwise."""
    if rule is _DIV:
        return b.label
    return a.label


def _domain_error(rule: Rule, value: Any, exc: BaseException, label: str | None) -> AutogradError:
    shown = _substitute(rule.formula, value)
    if isinstance(exc, ZeroDivisionError):
        return ZeroDivisionError_(rule.name, value, f"division by zero in {shown}", label)
    if isinstance(exc, OverflowError):
        return OverflowError_(rule.name, value, f"{shown} overflows a float", label)
    return DomainError(
        rule.name, value, f"{shown} is undefined: {rule.formula} needs {rule.domain}", label
    )


def _substitute(formula: str, value: Any) -> str:
    """The formula with the operands' numbers in place of x and y (or n, c)."""
    x, y = value if isinstance(value, tuple) else (value, None)
    return re.sub(r"\b[xync]\b", lambda m: repr(x if m.group() == "x" else y), formula)


def _check_forward(node: Value, rule: Rule, parents: tuple[Value, ...]) -> None:
    if not _isfinite(node.data):
        inputs = ", ".join(_describe_node(p) for p in parents)
        raise NonFiniteError(rule.name, node.data, f"produced {node.data} from {inputs}")


def _describe_node(node: Value) -> str:
    name = f"{node.label!r}" if node.label else (node._op or "leaf")
    return f"{name}={node.data!r}"


# --------------------------------------------------------------- backward pass
def _topological_order(root: Value) -> list[Value]:
    """The non-leaf nodes below ``root``, each before every node it uses
    (``root`` last, so that popping from the end walks output-first).

    An iterative depth-first search: no recursion limit. A node is marked
    when first expanded, through ``grad``, which backward resets anyway: a
    fresh float object equal to 0.0, told apart by identity, so a reached node
    already holds a zero gradient (no visited set). In a DAG a marked parent
    is always finished (otherwise it would be its own ancestor), so one mark
    suffices.

    Below an expanded node the stack keeps it and an ``_EXIT`` sentinel:
    popping the sentinel lists the node without reading it again. A node with
    one parent to expand leads straight on to it; such a run of nodes (a chain)
    is kept in a list and listed at once, in reverse, when its end is done
    (``_RUN_EXIT``). Leaves are not listed: they only receive gradients.
    """
    mark = float("0")  # float() of a str makes a new object, never a cached one
    exit_ = _EXIT
    run_exit = _RUN_EXIT
    order: list[Value] = []
    append = order.append
    extend = order.extend
    stack: list[Any] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        if node is exit_:  # everything it uses is listed: list it
            append(pop())
            continue
        if node is run_exit:  # a whole run's end is listed: list the run
            extend(reversed(pop()))
            continue
        if node.grad is mark:  # pushed twice, expanded already
            continue
        run: list[Value] | None = None
        while True:
            node.grad = mark
            p0 = node._p0
            p1 = node._p1
            todo0 = p0 is not None and p0._p0 is not None and p0.grad is not mark
            todo1 = p1 is not None and p1._p0 is not None and p1.grad is not mark
            if todo0 and todo1:
                if run is None:
                    push(node)
                    push(exit_)
                else:
                    run.append(node)
                    push(run)
                    push(run_exit)
                push(p0)
                push(p1)
                break
            if todo0 or todo1:  # one parent to expand (a chain): go straight on
                if run is None:
                    run = [node]
                else:
                    run.append(node)
                node = p0 if todo0 else p1
                continue
            # only leaves or finished nodes below: list it, and the run above it
            append(node)
            if run is not None:
                extend(reversed(run))
            break
    return order


_EXIT = object()
_RUN_EXIT = object()


def _backpropagate(order: list[Value]) -> None:
    """The chain rule: parent.grad += ∂node/∂parent · node.grad, output first."""
    while order:
        # Take the list apart in blocks from the end, so that it shrinks while
        # the gradients' floats are allocated: this lowers peak memory.
        block = order[-_BLOCK:]
        del order[-_BLOCK:]
        for node in reversed(block):
            grad = node.grad
            node._p0.grad += node._d0 * grad  # type: ignore[union-attr]
            local = node._d1
            if local is not None:
                node._p1.grad += local * grad  # type: ignore[union-attr]


_BLOCK = 8192


def _backpropagate_checked(order: list[Value]) -> None:
    """The chain rule, stopping at the first gradient that is NaN or inf."""
    for node in reversed(order):
        grad = node.grad
        for parent, local in ((node._p0, node._d0), (node._p1, node._d1)):
            if parent is None or local is None:
                continue
            parent.grad += local * grad
            if not _isfinite(parent.grad):
                raise _backward_anomaly(parent, parent.grad, node, local, grad)


def _backward_anomaly(
    parent: Value, bad: float, node: Value, local: Any, grad: Any
) -> NonFiniteError:
    local = local.data if type(local) is Value else local
    grad = grad.data if type(grad) is Value else grad
    return NonFiniteError(
        "backward",
        bad,
        f"the gradient of {_describe_node(parent)} became {bad} through "
        f"node {_describe_node(node)} (op {node._op}, local derivative {local!r}, "
        f"upstream gradient {grad!r})",
        parent.label,
    )


def _recorded_locals(node: Value) -> tuple[Any, ...]:
    """∂node/∂parent for each parent, as Values recorded in the graph."""
    rule = RULES[node._op]
    p0, p1 = node._p0, node._p1
    try:
        if rule.arity == 1:
            return (rule.local(VALUE_MATH, p0, None, node),)
        if rule.const_arg:
            return (rule.local(VALUE_MATH, p0, p1.data, node), None)  # type: ignore[union-attr]
        return tuple(rule.local(VALUE_MATH, p0, p1, node))
    except ZeroDivisionError:  # unbounded derivative: inf, as the float path records
        return (_const(_INF, node._op), None)


def _backpropagate_recorded(order: list[Value]) -> None:
    """The chain rule as a graph: local derivatives are recomputed from the
    rules on Value operands, and every product and sum is itself recorded, so
    the resulting gradients can be differentiated again.

    Under :func:`detect_anomaly` the derivative graph's own operations are not
    checked one by one (an inf local derivative would be reported as a "mul"
    of constants); instead each gradient is checked as it is accumulated, and
    reported as in the ordinary backward pass."""
    check = _MODE.get() & _CHECK
    saved = _MODE.set(_RECORD)
    try:
        for node in reversed(order):
            grad = node.grad
            for parent, local in zip((node._p0, node._p1), _recorded_locals(node)):
                if parent is None or local is None:
                    continue
                term = grad if type(local) is float and local == 1.0 else local * grad
                current = parent.grad
                if type(current) is float and current == 0.0:  # first term: no "0 +" node
                    parent.grad = term
                else:
                    parent.grad = current + term
                if check:
                    value = parent.grad.data if type(parent.grad) is Value else parent.grad
                    if not _isfinite(value):
                        raise _backward_anomaly(parent, value, node, local, grad)
    finally:
        _MODE.reset(saved)


#: The elementary functions rules use on Values (for create_graph=True).
VALUE_MATH = SimpleNamespace(exp=Value.exp, log=Value.log, sin=Value.sin, cos=Value.cos)


# --------------------------------------------------------------------- modes
@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block operations build no graph: results are leaves.

    Thread- and task-safe (a context variable), and nestable.

    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.is_leaf
    True
    """
    token = _MODE.set(_MODE.get() & ~_RECORD)
    try:
        yield
    finally:
        _MODE.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a :func:`no_grad` block."""
    token = _MODE.set(_MODE.get() | _RECORD)
    try:
        yield
    finally:
        _MODE.reset(token)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every result and gradient for NaN and inf inside this block.

    The first node that produces one raises :class:`NonFiniteError`, naming
    the node (label, op) and its inputs' values: in the forward pass, the
    operation whose result is not finite; in ``backward()``, the node whose
    gradient became non-finite and the node it came through. Costs time, so it
    is off by default.
    """
    token = _MODE.set(_MODE.get() | _CHECK)
    try:
        yield
    finally:
        _MODE.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph."""
    return bool(_MODE.get() & _RECORD)


def is_anomaly_enabled() -> bool:
    """Whether :func:`detect_anomaly` is active."""
    return bool(_MODE.get() & _CHECK)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` to 0 on each of ``values`` (e.g. a model's parameters)."""
    for value in values:
        value.grad = 0.0
