"""micrograd's ``Value``, computed by this library's engine.

Each :class:`Value` here is a small handle on one node of the engine (its
:attr:`~Value.node`, an :class:`autograd_scalar.core.value.Value`), and keeps the two
attributes micrograd's code reads: ``_prev``, the set of handles it was computed
from, and ``_op``, micrograd's symbol for the operation (``"+"``, ``"*"``,
``"**2"``, ``"ReLU"``). The numbers and the derivatives come from the rule
table; the handles only mirror the graph the way micrograd builds it:
``-x`` is ``x * -1``, ``x - y`` is ``x + (-y)``, ``x / y`` is ``x * y**-1``, so
a program gets micrograd's graph and micrograd's numbers.

>>> from autograd_scalar.compat.micrograd.engine import Value
>>> x = Value(-4.0)
>>> y = (x * 2 + 1).relu() + x * x
>>> y.backward()
>>> y, x.grad
(Value(data=16.0, grad=1.0), -8.0)
>>> sorted(child._op for child in y._prev)
['*', 'ReLU']

Our tools take the engine's nodes: ``draw_graph(y.node)``,
``step_through(y.node)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...core import Value as Node
from ...core import checks, constant
from ...core.errors import InvalidInputError

__all__ = ["Node", "Value", "nodes"]


class Value:
    """A scalar with micrograd's interface: ``data``, ``grad``, ``backward()``,
    ``+ - * / **``, ``relu()`` (and the lecture's ``tanh()`` and ``exp()``).

    Args:
        data: the number.
        _children: micrograd's internal argument, for signature compatibility;
            only ``()`` is accepted (a node made by hand from children would
            not pass gradients back to them: use the operators, or
            :func:`autograd_scalar.core.extend.define_op` for an operation of your own).
        _op: micrograd's operation symbol, shown by ``draw_dot``.
        label: a name for our diagrams and error messages.

    Attributes:
        node: the engine's node (an :class:`autograd_scalar.core.value.Value`),
            which holds ``data`` and ``grad``; give it to our diagrams,
            step-through and :mod:`autograd_scalar.transforms.functional` functions.
        _prev: the values this one was computed from, as micrograd keeps them.
        _op: micrograd's symbol for the operation that made it (``""`` for a leaf).
    """

    __slots__ = ("_op", "_prev", "node")

    node: Node
    _prev: set[Value]
    _op: str

    def __init__(
        self,
        data: float | int,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str | None = None,
    ) -> None:
        if tuple(_children):
            raise InvalidInputError(
                "Value",
                _children,
                "a Value made from _children by hand would not pass gradients back to them; "
                "combine Values with operators, or define a new operation with "
                "autograd_scalar.define_op",
            )
        self.node = Node(data, label)
        self._prev = set()
        self._op = checks.label(_op, "Value") or ""

    @classmethod
    def _made(cls, node: Node, children: tuple[Value, ...], op: str) -> Value:
        out = object.__new__(cls)
        out.node = node
        out._prev = set(children)
        out._op = op
        return out

    # ------------------------------------------------------------ the node
    @property
    def data(self) -> float:
        """The number (the engine node's ``data``)."""
        return self.node.data

    @data.setter
    def data(self, value: float | int) -> None:
        self.node.data = checks.real_number(value, "Value.data", label=self.node.label)

    @property
    def grad(self) -> float:
        """∂(output of the last ``backward()``)/∂(this value)."""
        grad: float = self.node.grad
        return grad

    @grad.setter
    def grad(self, value: float | int) -> None:
        self.node.grad = checks.real_number(value, "Value.grad", label=self.node.label)

    @property
    def label(self) -> str | None:
        """The node's name in our diagrams and errors."""
        return self.node.label

    @label.setter
    def label(self, value: str | None) -> None:
        self.node.label = checks.label(value, "Value.label")

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ---------------------------------------------------------- operations
    def __add__(self, other: Value | Node | float | int) -> Value:
        b = _lift(other, "add")
        return Value._made(self.node + b.node, (self, b), "+")

    def __mul__(self, other: Value | Node | float | int) -> Value:
        b = _lift(other, "mul")
        return Value._made(self.node * b.node, (self, b), "*")

    def __pow__(self, other: Value | Node | float | int) -> Value:
        if isinstance(other, (Value, Node)):  # micrograd refuses this; the engine can
            b = _lift(other, "pow")
            return Value._made(self.node**b.node, (self, b), "**")
        n = checks.real_number(other, "pow")
        exponent = other if isinstance(other, (int, float)) else n  # micrograd's symbol: **2
        return Value._made(self.node**exponent, (self,), f"**{exponent}")

    def relu(self) -> Value:
        """max(x, 0)"""
        return Value._made(self.node.relu(), (self,), "ReLU")

    def tanh(self) -> Value:
        """tanh x (built in the lecture, not in the micrograd package)"""
        return Value._made(self.node.tanh(), (self,), "tanh")

    def exp(self) -> Value:
        """eˣ (built in the lecture, not in the micrograd package)"""
        return Value._made(self.node.exp(), (self,), "exp")

    # micrograd writes the others with those, and so do we: same graph, same numbers.
    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: float | int) -> Value:
        return self + other

    def __sub__(self, other: Value | Node | float | int) -> Value:
        return self + (-other)

    def __rsub__(self, other: float | int) -> Value:
        return other + (-self)

    def __rmul__(self, other: float | int) -> Value:
        return self * other

    def __truediv__(self, other: Value | Node | float | int) -> Value:
        return self * _lift(other, "div") ** -1

    def __rtruediv__(self, other: float | int) -> Value:
        return other * self**-1

    # ------------------------------------------------------------ backward
    def backward(self) -> None:
        """Back-propagate from this value: set ``grad`` on everything it
        depends on. The engine's pass: iterative (no recursion limit), and a
        repeated call resets the intermediate values' gradients instead of
        adding to them (the leaves add up, as in micrograd)."""
        self.node.backward()

    def _backward(self) -> None:
        """One step of the chain rule, as micrograd's per-node closure does:
        add this value's gradient, times each local derivative, to the
        gradients of the values it was computed from."""
        node = self.node
        for parent, local in zip(node.parents, node.local_grads):
            if local is not None:  # a fixed operand (the 2 of x**2) has no gradient
                parent.grad += local * node.grad


def _lift(other: object, op: str) -> Value:
    """The other operand as a Value: a number becomes a constant of the graph,
    as micrograd makes ``Value(other)``."""
    if isinstance(other, Value):
        return other
    if isinstance(other, Node):  # an engine node met in a micrograd expression
        return Value._made(other, (), "")
    return Value._made(constant(other, op), (), "")


def nodes(values: Iterable[Value]) -> list[Node]:
    """The engine's nodes of ``values``, e.g. ``params=nodes(model.parameters())``
    for our diagrams."""
    return [v.node for v in values]
