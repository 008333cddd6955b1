"""The one graph ordering, and a plain walk.

:func:`topological_order` is the order every backward pass uses (the fast
driver, the general one with hooks, and so the diagrams and the step-through
that watch it): no other module sorts a graph.

It reads the node layout of :mod:`autograd_scalar.core.value` (``_p0``, ``_p1``:
the parents; ``grad``), which is the core's internal interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from .value import Value

__all__ = ["every_node", "topological_order", "walk"]

_EXIT = object()
_RUN_EXIT = object()


def topological_order(root: Value, *, keep_grads: bool = False) -> list[Value]:
    """The non-leaf nodes below ``root``, each before every node it uses
    (``root`` last, so that popping from the end walks output first).

    Contract: sets ``grad`` to 0 on every listed node (a backward pass resets
    them anyway); leaves are neither listed nor touched. With
    ``keep_grads=True`` their gradients are put back afterwards, for passes
    that must leave ``.grad`` alone (like a backward pass, such a pass must
    not run while another thread runs one over the same graph).

    An iterative depth-first search: no recursion limit. A node is marked
    when first expanded, through ``grad``: a fresh float object equal to 0.0,
    told apart by identity, so a reached node already holds a zero gradient
    and no visited set is needed. In a DAG a marked parent is always finished
    (otherwise it would be its own ancestor), so one mark suffices.

    Below an expanded node the stack keeps it and an ``_EXIT`` sentinel:
    popping the sentinel lists the node without reading it again. A node with
    two parents to expand pushes the first and goes straight on to the second
    (the one a pop would give next), or lists the second at once when it has
    nothing to expand itself; a node with one parent to expand leads
    straight on to it, and such a run of nodes (a chain) is kept in a list and
    listed at once, in reverse, when its end is done (``_RUN_EXIT``).

    >>> from autograd_scalar import Value
    >>> a = Value(2.0)
    >>> b = a * a
    >>> c = b + a
    >>> topological_order(c) == [b, c]
    True
    """
    if not keep_grads:
        return _order(root)
    saved = [(node, node.grad) for node in walk(root) if node._p0 is not None]
    try:
        return _order(root)
    finally:
        for node, grad in saved:
            node.grad = grad


def _order(root: Value) -> list[Value]:
    if root._p0 is None:
        return []
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
        run: list[Value] = []  # the chain above the node being expanded
        while True:
            node.grad = mark
            p0 = node._p0  # never None: only non-leaf nodes are expanded
            p1 = node._p1
            if p1 is not None and p1._p0 is not None and p1.grad is not mark:
                q0 = p1._p0
                q1 = p1._p1
                if (q0._p0 is None or q0.grad is mark) and (
                    q1 is None or q1._p0 is None or q1.grad is mark
                ):
                    # The second parent has nothing to expand (a product of a
                    # weight and an input): list it now, as its expansion would,
                    # and go on to the first.
                    p1.grad = mark
                    append(p1)
                elif p0._p0 is not None and p0.grad is not mark:
                    # Both parents to expand: the first waits on the stack.
                    if run:
                        run.append(node)
                        push(run)
                        push(run_exit)
                        run = []
                    else:
                        push(node)
                        push(exit_)
                    push(p0)
                    node = p1  # what would be popped next: go straight on to it
                    continue
                else:  # only the second to expand (a chain): go straight on
                    run.append(node)
                    node = p1
                    continue
            if p0._p0 is not None and p0.grad is not mark:  # the first only: a chain
                run.append(node)
                node = p0
                continue
            # only leaves or finished nodes below: list it, and the run above it
            append(node)
            if run:
                extend(reversed(run))
            break
    return order


def walk(root: Value) -> Iterator[Value]:
    """Every node ``root`` depends on, itself included, each once (no order
    promised; ``grad`` untouched)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for parent in (node._p0, node._p1):
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)


@overload
def every_node(root: Value, limit: None = None) -> list[Value]: ...
@overload
def every_node(root: Value, limit: int) -> list[Value] | None: ...
def every_node(root: Value, limit: int | None = None) -> list[Value] | None:
    """Every node of ``root``'s graph, leaves included, each after its parents
    (``root`` last), in a fixed order: depth first, the first operand before
    the second. For readers (diagrams, the chain rule written out), not for
    the backward pass; ``grad`` untouched. ``None`` once more than ``limit``
    nodes are reached (the walk stops there).

    >>> from autograd_scalar import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> [n.label or n.op for n in every_node(a * b + a)]
    ['a', 'b', 'mul', 'add']
    """
    expanded: set[int] = set()
    order: list[Value] = []
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in expanded:  # pushed twice, reached by two paths
            continue
        expanded.add(id(node))
        if limit is not None and len(expanded) > limit:
            return None
        stack.append((node, True))
        for parent in reversed(node.parents):  # reversed: the first operand comes first
            if id(parent) not in expanded:
                stack.append((parent, False))
    return order
