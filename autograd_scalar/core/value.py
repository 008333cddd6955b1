"""The scalar node of the graph: :class:`Value`.

A :class:`Value` holds a float (``data``), the derivative of the last
``backward()`` output with respect to it (``grad``), and, when an operation made
it, that operation's name, its parents and the local derivative
``∂self/∂parent`` for each parent, computed once, in the forward pass, by
:func:`autograd_scalar.core.apply.apply` from the rule table.

``backward()`` is the chain rule, run by :mod:`autograd_scalar.core.backward`
(read :mod:`autograd_scalar.core.reference` first: the same in a dozen lines).

**Node layout** (the core's internal interface, read by ``core.graph`` and
``core.backward``; everything outside the core uses the properties): ``_op``,
the rule's name (``""`` for a leaf, ``"const"`` for a constant); ``_p0``,
``_p1``, the parents (``None`` where absent); ``_d0``, ``_d1``, the local
derivatives towards them (``None`` for a fixed operand, such as the exponent
of ``x ** 3``).

Design notes, for speed and memory:

* ``__slots__`` and at most two parents per node, in plain slots rather than
  tuples: a node is one small object.
* No closure per node: a closure that captures its output node is a reference
  cycle, which only the cyclic garbage collector can free. Here a dropped
  graph is freed by reference counting alone (but see
  ``backward(create_graph=True)``, which stores gradients that lead back to
  their nodes).
* ``+`` and ``*`` are most of any network's graph, and ``relu`` is in every
  hidden layer, so they are written out in full instead of going through
  :func:`apply` (a test checks that they agree with the table).
* ``Value(...)`` is checked by Value's type (``_ValueType``), not by an
  ``__init__``: so an operation makes its node in C and sets its slots, with
  no Python constructor to run.

A number-like type that sets ``__autograd_priority__`` above ours (forward
mode's ``Dual``) takes over mixed operations: a Value's operators return
``NotImplemented`` for it, so Python asks the other operand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from . import checks, graph, modes
from .apply import apply, apply_ieee
from .errors import AutogradError, InvalidInputError, NonFiniteError
from .maths import IEEE_MATH, Maths
from .rules import RULES, Rule

__all__ = [
    "CONST",
    "VALUE_MATH",
    "Number",
    "Value",
    "constant",
    "describe_node",
    "zero_grad",
]

Number = float | int

#: The op name of a leaf made from a plain number inside an expression (the 2 in ``2 * x``).
CONST = "const"

_MODE = modes.MODE
_mode = _MODE.get  # bound once: the hot path saves a method lookup per operation
_RECORD = modes.RECORD
_CHECK = modes.CHECK
_IEEE = modes.IEEE
_isfinite = math.isfinite

_ADD, _SUB, _MUL, _DIV, _NEG = (RULES[n] for n in ("add", "sub", "mul", "div", "neg"))
_POW, _RPOW, _POWV = RULES["pow"], RULES["rpow"], RULES["powv"]
_EXP, _LOG, _SQRT, _TANH = RULES["exp"], RULES["log"], RULES["sqrt"], RULES["tanh"]
_SIGMOID, _RELU, _SIN, _COS, _ABS = (RULES[n] for n in ("sigmoid", "relu", "sin", "cos", "abs"))


class _ValueType(type):
    """The type of :class:`Value`: ``Value(data, label)`` is checked here.

    So ``Value`` itself has no ``__init__``, and the operations make their
    nodes with ``_blank`` (``type.__call__``, in C) instead of
    ``object.__new__``, whose argument tuple and checks made node creation
    twice as dear: a quarter of a network's forward pass. For a reader,
    ``Value(data, label)`` is an ordinary constructor; this is the only place
    that runs when you call it.
    """

    def __call__(cls, data: Number, label: str | None = None) -> Value:
        label = checks.label(label, "Value")
        number = checks.real_number(data, "Value", label=label)
        if _mode() & _CHECK and not _isfinite(number):
            raise NonFiniteError("Value", number, f"input data is {number}", label)
        node: Value = _blank() if cls is Value else type.__call__(cls)
        node.data = number
        node.grad = 0.0
        node.label = label
        node._op = ""
        node._p0 = node._p1 = node._d0 = node._d1 = None
        return node


class Value(metaclass=_ValueType):
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
    __autograd_priority__: ClassVar[int] = 0

    data: float
    grad: Any
    label: str | None
    _op: str
    _p0: Value | None
    _p1: Value | None
    _d0: Any
    _d1: Any

    if TYPE_CHECKING:  # the signature of _ValueType.__call__, for type checkers

        def __init__(self, data: Number, label: str | None = None) -> None: ...

    @classmethod
    def apply_rule(cls, rule: Rule, operands: tuple[Any, ...]) -> Value:
        """Apply ``rule`` to ``operands`` (Values or numbers) and record it."""
        values = tuple(x if type(x) is Value else constant(x, rule.name) for x in operands)
        if len(values) == 1:
            return _unary(rule, values[0])
        return _binary(rule, values[0], values[1])

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
        """The rule of this node's operation (``None`` for a leaf)."""
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
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            b = other
        else:
            b = _operand(other, "add")  # type: ignore[assignment]
            if b is None:
                return NotImplemented
        if _mode() != _RECORD:  # no_grad, detect_anomaly, IEEE: the general path
            return _binary(_ADD, self, b)
        node = _blank()
        node.data = self.data + b.data
        node.grad = 0.0
        node.label = None
        node._op = "add"
        node._p0 = self
        node._p1 = b
        node._d0 = node._d1 = 1.0
        return node

    def __radd__(self, other: Number) -> Value:
        a = _operand(other, "add")
        return NotImplemented if a is None else a.__add__(self)  # 1 + x: the fast path

    def __sub__(self, other: Value | Number) -> Value:
        b = other if type(other) is Value else _operand(other, "sub")
        return NotImplemented if b is None else _binary(_SUB, self, b)

    def __rsub__(self, other: Number) -> Value:
        a = _operand(other, "sub")
        return NotImplemented if a is None else _binary(_SUB, a, self)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            b = other
        else:
            b = _operand(other, "mul")  # type: ignore[assignment]
            if b is None:
                return NotImplemented
        if _mode() != _RECORD:
            return _binary(_MUL, self, b)
        x = self.data
        y = b.data
        node = _blank()
        node.data = x * y
        node.grad = 0.0
        node.label = None
        node._op = "mul"
        node._p0 = self
        node._p1 = b
        node._d0 = y  # ∂(x·y)/∂x = y, shared with the operand: no new float
        node._d1 = x
        return node

    def __rmul__(self, other: Number) -> Value:
        a = _operand(other, "mul")
        return NotImplemented if a is None else a.__mul__(self)  # 2 * x: the fast path

    def __truediv__(self, other: Value | Number) -> Value:
        b = other if type(other) is Value else _operand(other, "div")
        return NotImplemented if b is None else _binary(_DIV, self, b)

    def __rtruediv__(self, other: Number) -> Value:
        a = _operand(other, "div")
        return NotImplemented if a is None else _binary(_DIV, a, self)

    def __neg__(self) -> Value:
        return _unary(_NEG, self)

    def __pow__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _binary(_POWV, self, other)
        n = _operand(other, "pow")
        return NotImplemented if n is None else _binary(_POW, self, n)

    def __rpow__(self, other: Number) -> Value:
        # c ** x: the Value is the exponent; the fixed base rides along as a constant.
        base = _operand(other, "rpow")
        if base is None:
            return NotImplemented
        return _binary(_RPOW, self, base)

    def __abs__(self) -> Value:
        return _unary(_ABS, self)

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
        x = self.data
        if _mode() != _RECORD or x != x:  # other modes, and NaN: the table's path
            return _unary(_RELU, self)
        # The rule, written out (every hidden layer has one per neuron): max(x, 0)
        # keeps x at ±0, and the step function is 1 above 0, else 0.
        node = _blank()
        if x > 0.0:
            node.data = x
            node._d0 = 1.0
        else:
            node.data = x if x == 0.0 else 0.0
            node._d0 = 0.0
        node.grad = 0.0
        node.label = None
        node._op = "relu"
        node._p0 = self
        node._p1 = node._d1 = None
        return node

    def sin(self) -> Value:
        """sin x"""
        return _unary(_SIN, self)

    def cos(self) -> Value:
        """cos x"""
        return _unary(_COS, self)

    def abs(self) -> Value:
        """|x|"""
        return _unary(_ABS, self)

    # ------------------------------------------------- comparisons (no grads)
    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _compared(self, other, "<")

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _compared(self, other, "<=")

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _compared(self, other, ">")

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _compared(self, other, ">=")

    __hash__ = object.__hash__

    # --------------------------------------------------------------- backward
    def backward(self, gradient: Number | Value = 1.0, *, create_graph: bool = False) -> None:
        """Back-propagate: set ``grad`` on every node this one depends on.

        Args:
            gradient: the seed ∂L/∂self (1.0 by default): the result is the
                gradient of ``gradient * self``. A :class:`Value` seed needs
                ``create_graph=True``.
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

        Then each node's ``grad`` leads back into the graph (``x.grad`` to
        ``x``): reference cycles, as PyTorch warns of the same, which only the
        cyclic garbage collector frees. :func:`autograd_scalar.grad` does the
        bookkeeping for you, leaves ``grad`` attributes alone and makes no cycle.
        """
        from .backward import backward

        backward(self, gradient, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in graph.walk(self):
            node.grad = 0.0

    def walk(self) -> Iterator[Value]:
        """Every node this one depends on, itself included, each once."""
        return graph.walk(self)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)


#: A new Value with no slot set, made in C (see ``_ValueType``).
_blank: Callable[[], Value] = type.__call__.__get__(Value)


# ----------------------------------------------------------------- operands
def constant(number: object, op: str = CONST) -> Value:
    """A constant leaf (op ``"const"``): a fixed number in a graph, such as the
    2 in ``2 * x``, that replay keeps as recorded and diagrams draw as a constant.
    ``op`` names the operation to blame if ``number`` is not a real number."""
    node = _blank()
    node.data = checks.real_number(number, op)
    node.grad = 0.0
    node.label = None
    node._op = CONST
    node._p0 = node._p1 = node._d0 = node._d1 = None
    return node


def _operand(other: object, op: str) -> Value | None:
    """The other operand of a binary operation, as a Value; ``None`` for a
    number-like type that takes over (forward mode's Dual)."""
    kind = type(other)
    if kind is not float and kind is not int and getattr(kind, "__autograd_priority__", 0) > 0:
        return None
    return constant(other, op)


def _compared(a: Value, other: object, op: str) -> float:
    hook = modes.comparison_hook()
    if hook is not None:
        hook(op, a, other)
    if isinstance(other, Value):
        return other.data
    return checks.real_number(other, op)


# ------------------------------------------------------------- forward pass
def _unary(rule: Rule, a: Value) -> Value:
    mode = _mode()
    try:
        out, (d0,) = apply_ieee(rule, (a.data,)) if mode & _IEEE else apply(rule, (a.data,))
    except AutogradError as exc:
        raise exc.naming(a.label) from None
    node = _blank()
    node.data = out
    node.grad = 0.0
    node.label = None
    node._p1 = node._d1 = None
    if mode & _RECORD:
        node._op = rule.name
        node._p0 = a
        node._d0 = d0
    else:
        node._op = ""
        node._p0 = node._d0 = None
    if mode & _CHECK:
        _check_forward(node, rule, (a,))
    return node


def _binary(rule: Rule, a: Value, b: Value) -> Value:
    mode = _mode()
    operands = (a.data, b.data)
    try:
        out, (d0, d1) = apply_ieee(rule, operands) if mode & _IEEE else apply(rule, operands)
    except AutogradError as exc:
        raise exc.naming(_culprit(rule, a, b)) from None
    node = _blank()
    node.data = out
    node.grad = 0.0
    node.label = None
    if mode & _RECORD:
        node._op = rule.name
        node._p0 = a
        node._p1 = b
        node._d0 = d0
        node._d1 = d1
    else:
        node._op = ""
        node._p0 = node._p1 = node._d0 = node._d1 = None
    if mode & _CHECK:
        _check_forward(node, rule, (a, b))
    return node


def _culprit(rule: Rule, a: Value, b: Value) -> str | None:
    """The label to name when a binary operation fails: the divisor for a
    division, the first labelled operand otherwise."""
    if rule is _DIV:
        return b.label
    return a.label if a.label is not None else b.label


def _check_forward(node: Value, rule: Rule, parents: tuple[Value, ...]) -> None:
    if not _isfinite(node.data):
        inputs = ", ".join(describe_node(p) for p in parents)
        raise NonFiniteError(rule.name, node.data, f"produced {node.data} from {inputs}")


def describe_node(node: Value) -> str:
    """A node as messages name it: its label (or op) and its value."""
    name = f"{node.label!r}" if node.label else (node._op or "leaf")
    return f"{name}={node.data!r}"


# ---------------------------------------------------------- Values as ``m``
def _on_values(method: str, on_floats: Any) -> Any:
    def f(x: Any) -> Any:
        return getattr(x, method)() if type(x) is Value else on_floats(x)

    return f


def _piecewise(on_floats: Any) -> Any:
    """A piecewise-constant function (step, sign): a constant node, whose
    derivative is 0, for a Value."""

    def f(x: Any) -> Any:
        return constant(on_floats(x.data)) if type(x) is Value else on_floats(x)

    return f


def _data(f: Any) -> Any:
    return lambda x: f(x.data if type(x) is Value else x)


def _pow(x: Any, n: Any) -> Any:
    return x**n if isinstance(x, Value) or isinstance(n, Value) else IEEE_MATH.pow(x, n)


def _maximum(a: Any, b: Any) -> Any:
    raise InvalidInputError(
        "maximum", (a, b), "maximum is not differentiable as a local derivative"
    )


#: The functions rules use on Values (for ``create_graph=True``): results are
#: recorded, so derivatives are differentiable again. Plain numbers that meet
#: them (a fixed operand) are computed in IEEE arithmetic.
VALUE_MATH = Maths(
    exp=_on_values("exp", IEEE_MATH.exp),
    log=_on_values("log", IEEE_MATH.log),
    sqrt=_on_values("sqrt", IEEE_MATH.sqrt),
    tanh=_on_values("tanh", IEEE_MATH.tanh),
    sin=_on_values("sin", IEEE_MATH.sin),
    cos=_on_values("cos", IEEE_MATH.cos),
    abs=_on_values("abs", IEEE_MATH.abs),
    pow=_pow,
    maximum=_maximum,
    step=_piecewise(IEEE_MATH.step),
    sign=_piecewise(IEEE_MATH.sign),
    where=IEEE_MATH.where,
    isinf=_data(IEEE_MATH.isinf),
    floor=_data(IEEE_MATH.floor),
)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` to 0 on each of ``values`` (e.g. a model's parameters)."""
    for value in values:
        value.grad = 0.0
