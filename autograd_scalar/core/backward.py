"""The backward driver: the chain rule, from the output back to the inputs.

Read :func:`autograd_scalar.core.reference.backward_reference` first: it is the
same computation in a dozen plain lines. This module is that computation made
fast and watchable; ``tests/core/test_backward.py`` proves the two equal on
random graphs.

Both walk :func:`~autograd_scalar.core.graph.topological_order` from the output
and, for each node, add ``∂node/∂parent · ∂L/∂node`` into each parent's
gradient (the chain rule, summed over every path). There is one driver, in two
speeds:

* the fast loop, for a plain ``Value.backward()``: gradients go straight into
  ``grad``, with the local derivatives stored in the forward pass;
* the general loop, for everything else: it keeps gradients in a dictionary
  (so :func:`gradients` can leave ``grad`` alone), recomputes the local
  derivatives from the rules on Values when the pass is itself recorded
  (``create_graph=True``), checks for NaN and inf under ``detect_anomaly()``, and
  reports each step to a :class:`Watcher` (the step-through, the diagrams).

It reads the node layout of :mod:`autograd_scalar.core.value` (``_p0``, ``_p1``,
``_d0``, ``_d1``, ``_op``), the core's internal interface.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import modes
from .apply import apply
from .checks import real_number
from .errors import InvalidInputError, NonFiniteError
from .graph import topological_order
from .rules import RULES
from .value import VALUE_MATH, Value, constant, describe_node

__all__ = ["Watcher", "backward", "gradients", "recorded_locals"]

_BLOCK = 8192


class Watcher:
    """Hooks for watching a backward pass; override what you need.

    The driver calls :meth:`on_node` when a node's gradient is complete (every
    path through it has been summed), just before passing it on, in the order
    it processes nodes (output first); and :meth:`on_term` after adding one
    chain-rule term into a parent's gradient.
    """

    def on_node(self, node: Value, grad: Any) -> None:
        """``node``'s gradient ``∂L/∂node`` is final."""

    def on_term(self, parent: Value, node: Value, local: Any, upstream: Any, total: Any) -> None:
        """``local · upstream`` (``∂node/∂parent · ∂L/∂node``) was added into
        ``parent``'s gradient, which is now ``total``."""


def backward(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    watch: Watcher | None = None,
) -> None:
    """Set ``grad`` on every node ``root`` depends on: ``∂(seed·root)/∂node``.

    Leaves add the new gradient to what they hold (as PyTorch's leaves do);
    every other node holds this pass's gradient only. See
    :meth:`autograd_scalar.Value.backward` for ``create_graph``.
    """
    seed = _seed(seed, create_graph)
    if root._p0 is None:  # a leaf differentiated with respect to itself
        root.grad = root.grad + seed
        return
    order = topological_order(root)
    root.grad = seed
    if not create_graph and watch is None and not modes.MODE.get() & modes.CHECK:
        _fast(order)
        return
    grads = _general(order, root, seed, create_graph, watch, _start_from_grad)
    for node, grad in grads.items():
        node.grad = grad


def gradients(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    watch: Watcher | None = None,
) -> dict[Value, Any]:
    """The same pass as :func:`backward`, leaving every ``grad`` alone:
    ``∂(seed·root)/∂node`` for each node ``root`` depends on, by node."""
    seed = _seed(seed, create_graph)
    order = topological_order(root, keep_grads=True)
    return _general(order, root, seed, create_graph, watch, _start_from_nothing)


def _seed(seed: Any, create_graph: bool) -> Any:
    if type(seed) is Value:
        if not create_graph:
            raise InvalidInputError(
                "backward",
                seed.data,
                "a Value seed needs create_graph=True (without it the gradients would not "
                "be differentiable); pass seed.data for a number",
                seed.label,
            )
        return seed
    number = real_number(seed, "backward", "the seed")
    # A Value seed makes every gradient a Value, even where all local
    # derivatives are numbers (y = x + x would otherwise give x.grad = 2.0).
    return constant(number, "backward") if create_graph else number


def _fast(order: list[Value]) -> None:
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


def _start_from_grad(node: Value) -> Any:
    """Where a node's sum starts in :func:`backward`: a leaf's accumulated
    gradient; nothing for the rest (reset by the ordering)."""
    grad = node.grad
    if node._p0 is not None or (type(grad) is float and grad == 0.0):
        return None
    return grad


def _start_from_nothing(node: Value) -> None:
    return None


def _general(
    order: list[Value],
    root: Value,
    seed: Any,
    create_graph: bool,
    watch: Watcher | None,
    start: Callable[[Value], Any],
) -> dict[Value, Any]:
    """The chain rule with gradients in a dictionary (see the module docstring)."""
    grads: dict[Value, Any] = {root: seed}
    locals_of = recorded_locals if create_graph else _stored_locals
    check = modes.MODE.get() & modes.CHECK
    # The recorded pass builds its own graph with IEEE arithmetic (an unbounded
    # derivative is inf, not an error) and checks each gradient, not each of
    # its operations (an inf local derivative would be reported as a "mul").
    token = modes.MODE.set(modes.RECORD | modes.IEEE) if create_graph else None
    try:
        for node in reversed(order):
            upstream = grads.get(node)
            if upstream is None:  # reached only through fixed operands
                continue
            if watch is not None:
                watch.on_node(node, upstream)
            for parent, local in zip((node._p0, node._p1), locals_of(node)):
                if parent is None or local is None:
                    continue
                term = upstream if type(local) is float and local == 1.0 else local * upstream
                known = grads.get(parent)
                if known is None:
                    known = start(parent)
                total = term if known is None else known + term
                grads[parent] = total
                if check:
                    _check(parent, total, node, local, upstream)
                if watch is not None:
                    watch.on_term(parent, node, local, upstream, total)
    finally:
        if token is not None:
            modes.MODE.reset(token)
    return grads


def _stored_locals(node: Value) -> tuple[Any, Any]:
    return node._d0, node._d1


def recorded_locals(node: Value) -> tuple[Any, Any]:
    """∂node/∂parent for each parent, recomputed from the rule on Values, so
    that they are recorded in the graph (differentiable again)."""
    rule = RULES.get(node._op)
    if rule is None:
        raise InvalidInputError(
            "backward",
            node._op,
            f"the rule of operation {node._op!r} was removed (remove_op); a recorded "
            "backward pass through its nodes needs it",
            node.label,
        )
    parents = (node._p0,) if node._p1 is None else (node._p0, node._p1)
    operands = tuple(
        p if differentiated else p.data  # type: ignore[union-attr]
        for p, differentiated in zip(parents, rule.differentiable)
    )
    _, locals_ = apply(rule, operands, VALUE_MATH, out=node)
    return (locals_[0], locals_[1] if len(locals_) > 1 else None)


def _check(parent: Value, total: Any, node: Value, local: Any, upstream: Any) -> None:
    value = total.data if type(total) is Value else total
    if math.isfinite(value):
        return
    local = local.data if type(local) is Value else local
    upstream = upstream.data if type(upstream) is Value else upstream
    raise NonFiniteError(
        "backward",
        value,
        f"the gradient of {describe_node(parent)} became {value} through "
        f"node {describe_node(node)} (op {node._op}, local derivative {local!r}, "
        f"upstream gradient {upstream!r})",
        parent.label,
    )
