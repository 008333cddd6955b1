"""Record a one-example Value function once, replay it over a NumPy batch.

A scalar engine pays one Python object per node: the loss of a small MLP over
100 examples is some 65,000 nodes. But the graph is the same for every
example: only the numbers differ. So :func:`record` runs the function once,
on one example, keeps the graph, and compiles it into a program over arrays:
every node becomes a vector over the batch, the backward pass walks the same
recording in reverse, and the gradients of the parameters shared by all
examples are summed (or averaged) over the batch. It is
``jax.vmap(jax.value_and_grad(f))`` for recorded scalar graphs.

>>> from autograd_scalar.engine import Value
>>> w, b = Value(2.0, label="w"), Value(0.5, label="b")
>>> def loss(x, y):                    # one example: x, y are Values
...     return (w * x + b - y) ** 2
>>> rec = record(loss, 1.0, 3.0)       # record on one example
>>> rec.n_nodes, rec.params == [w, b]
(9, True)
>>> values, grads = rec.value_and_grad([1.0, 2.0, 3.0], [3.0, 4.0, 7.0])
>>> values.tolist()                    # one loss per example
[0.25, 0.25, 0.25]
>>> grads.tolist()                     # Σ over the batch of ∂loss/∂w, ∂loss/∂b
[-2.0, -1.0]

Which leaf is what:

* **per-example inputs**: the arguments named by ``batch_argnums`` (all of
  them by default). Record with one example (a number or a nested list of
  numbers); replay with an array whose first axis is the batch.
* **shared leaves**: every other leaf ``Value`` the function reaches (model
  weights passed as an argument or captured in a closure). Their current
  ``data`` is read at every replay, so an optimiser's updates are seen.
  Gradients are returned for ``params`` (default: all shared leaves).
* **constants** (op ``"const"``, the 2 in ``2 * x``) keep the number they had
  when recorded.

The graph must not depend on the data. Comparing Values while recording
(``if v > 0:``) raises :class:`~autograd_scalar.errors.DataDependentError`;
``relu`` and ``abs`` are recorded operations and are fine. A branch on
``v.data`` cannot be seen when it happens, so on the first replay the
function is recorded again on two other examples of the batch and the
graphs (operations, wiring, constants) and the values are compared; a
difference raises ``DataDependentError`` (``verify="always"`` re-checks
every call, ``verify="never"`` never).

How it is fast (values are the engine's, operation for operation; gradients
agree to rounding, some sums being taken in another order):

* nodes with the same operation, depth and kind of operands form one step,
  one NumPy call over a ``(nodes × batch)`` block; operands are gathered by
  slices where their rows are evenly spaced, else by index arrays, and
  gradients are scattered back with sums (by reshaping when an input is used
  once by every neuron of a layer);
* a chain of additions whose partial sums nothing else uses (the
  ``Σ wᵢxᵢ + b`` of a neuron) is one step that sums left to right in place;
* a node used only as an operand of ``+`` shares the gradient of the sum (it
  is exactly 1 · upstream), so such chains cost nothing in the backward pass;
* a layer's products ``w[j,k] · h[k]`` (shared weights, per-example inputs,
  added up per neuron) are one broadcast product forward, and their
  gradients' sums (over the batch, over the neurons) are matrix products;
* nodes that depend only on shared leaves and constants are computed once,
  not once per example, and broadcast;
* the work arrays of the last batch size are kept and reused.

micrograd's demo MLP (2→16→16→1) becomes 12 steps whatever the batch size:
``python benchmarks/bench_vectorize.py`` times it against micrograd, the
scalar engine and a hand-written NumPy forward/backward.

NumPy is an optional dependency: ``pip install "autograd_scalar[vectorize]"``.
"""

from __future__ import annotations

import inspect
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

from ..core.errors import DataDependentError, InvalidInputError
from ..core.rules import RULES, Rule
from ..core.value import _CHECK, _MODE, _RECORD, _TRACE, CONST, Value, _domain_error

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float64]

__all__ = ["Recording", "Replay", "batched_loss_and_grad", "record"]

Reduce = Literal["sum", "mean"]
Verify = Literal["first", "always", "never"]

_EXTRA = 'autograd_scalar.vectorize needs NumPy: pip install "autograd_scalar[vectorize]"'


def numpy_module() -> ModuleType:
    """NumPy, imported on first use so that the core never needs it."""
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - numpy is installed in CI
        raise ImportError(_EXTRA) from exc
    return numpy


# ------------------------------------------------------------ array rules
# The forward operations on arrays. They mirror rules.py's float forwards
# (sigmoid is evaluated the same overflow-free way); domain errors are not
# raised here but found afterwards, see _check_domain.
def _sigmoid(np: ModuleType, x: Any) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


_FORWARD: dict[str, Callable[[ModuleType, Any, Any, Any], Any]] = {
    "add": lambda np, x, y, out: np.add(x, y, out=out),
    "sub": lambda np, x, y, out: np.subtract(x, y, out=out),
    "mul": lambda np, x, y, out: np.multiply(x, y, out=out),
    "div": lambda np, x, y, out: np.divide(x, y, out=out),
    "neg": lambda np, x, y, out: np.negative(x, out=out),
    "pow": lambda np, x, n, out: np.power(x, n, out=out),
    "rpow": lambda np, x, c, out: np.power(c, x, out=out),
    "powv": lambda np, x, y, out: np.power(x, y, out=out),
    "exp": lambda np, x, y, out: np.exp(x, out=out),
    "log": lambda np, x, y, out: np.log(x, out=out),
    "sqrt": lambda np, x, y, out: np.sqrt(x, out=out),
    "tanh": lambda np, x, y, out: np.tanh(x, out=out),
    "sigmoid": lambda np, x, y, out: np.copyto(out, _sigmoid(np, x)),
    "relu": lambda np, x, y, out: np.maximum(x, 0.0, out=out),
    "sin": lambda np, x, y, out: np.sin(x, out=out),
    "cos": lambda np, x, y, out: np.cos(x, out=out),
    "abs": lambda np, x, y, out: np.abs(x, out=out),
}

# The local derivatives come from the rules themselves (rule.local with NumPy
# in place of math), so the derivative math lives in rules.py only. Four
# rules branch on a float with a Python ``if`` (or call math.log on the fixed
# operand); these are their array forms, checked against the float rules by
# tests/test_vectorize.py.
_LOCAL_OVERRIDES: dict[str, Callable[[ModuleType, Any, Any, Any], Any]] = {
    "relu": lambda np, x, y, out: np.greater(x, 0.0),  # 1 if x > 0 else 0
    "abs": lambda np, x, y, out: np.sign(x),  # 1, -1, or 0 at the kink
    "pow": lambda np, x, n, out: np.where(n != 0.0, n * x ** (n - 1.0), 0.0),
    "rpow": lambda np, x, c, out: out * np.log(c),
}

# Operations whose float forward can raise (domain, division by zero,
# overflow): their results are checked for NaN or inf made from finite operands.
_CHECKED = frozenset({"div", "pow", "rpow", "powv", "exp", "log", "sqrt"})


def array_local(np: ModuleType, rule: Rule, x: Any, y: Any, out: Any) -> tuple[Any, ...]:
    """The local derivatives of ``rule`` on arrays, one per differentiated operand."""
    override = _LOCAL_OVERRIDES.get(rule.name)
    if override is not None:
        return (override(np, x, y, out),)
    m = SimpleNamespace(exp=np.exp, log=np.log, sin=np.sin, cos=np.cos)
    local = rule.local(m, x, y, out)
    if rule.arity == 1 or rule.const_arg:
        return (local,)
    return tuple(local)


# ---------------------------------------------------------------- recording
@dataclass(frozen=True)
class _Graph:
    """One recording: the nodes in topological order and their wiring."""

    output: Value
    nodes: list[Value]  # parents before children, output last
    parents: list[tuple[int, ...]]  # positions in ``nodes``
    inputs: list[Value]  # the per-example input leaves, flattened in argument order


def _arg_names(f: Callable[..., Any], count: int) -> list[str]:
    try:
        names = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # builtins and some callables have no signature
        names = []
    return [names[i] if i < len(names) else f"arg{i}" for i in range(count)]


def _as_example(np: ModuleType, value: object, name: str) -> Any:
    """One example of a per-example argument, as a float array."""
    if isinstance(value, Value):
        value = value.data
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(
            "record", value, f"argument {name!r} must be a number or nested lists of numbers"
        ) from None
    if not np.isfinite(array).all():
        raise InvalidInputError("record", value, f"argument {name!r} is not finite")
    return array


def _trace(
    f: Callable[..., Any], args: Sequence[Any], batch_argnums: Sequence[int], names: list[str]
) -> _Graph:
    """Call ``f`` on one example with fresh input Values and collect the graph."""
    np = numpy_module()
    call_args = list(args)
    inputs: list[Value] = []
    for n in batch_argnums:
        example = _as_example(np, args[n], names[n])
        flat = [
            Value(float(v), label=f"{names[n]}[{i}]" if example.ndim else names[n])
            for i, v in enumerate(example.ravel())
        ]
        inputs.extend(flat)
        if example.ndim == 0:
            call_args[n] = flat[0]
        else:
            holder = np.empty(len(flat), dtype=object)
            holder[:] = flat
            call_args[n] = holder.reshape(example.shape).tolist()
    token = _MODE.set((_MODE.get() & _CHECK) | _RECORD | _TRACE)
    try:
        output = f(*call_args)
    finally:
        _MODE.reset(token)
    if not isinstance(output, Value):
        raise InvalidInputError(
            "record", output, f"the function must return a Value, got {type(output).__name__}"
        )
    nodes, parents = _topological(output)
    return _Graph(output, nodes, parents, inputs)


def _topological(root: Value) -> tuple[list[Value], list[tuple[int, ...]]]:
    """Every node below ``root``, parents first (iterative post-order DFS)."""
    position: dict[int, int] = {}
    nodes: list[Value] = []
    parents: list[tuple[int, ...]] = []
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in position:
            continue
        ps = node.parents
        if expanded or not ps:
            position[id(node)] = len(nodes)
            nodes.append(node)
            parents.append(tuple(position[id(p)] for p in ps))
            continue
        stack.append((node, True))
        for p in reversed(ps):  # first parent visited first
            if id(p) not in position:
                stack.append((p, False))
    return nodes, parents


def _compare(first: _Graph, other: _Graph, example: int) -> None:
    """Raise DataDependentError where ``other`` differs from ``first``."""
    where = f"recording on batch example {example} differs from the first recording"
    if len(first.nodes) != len(other.nodes):
        raise DataDependentError(
            "record",
            (len(first.nodes), len(other.nodes)),
            f"{where}: {len(first.nodes)} nodes against {len(other.nodes)}; the graph "
            "depends on the data (a Python branch on .data?)",
        )
    first_inputs = {id(v): i for i, v in enumerate(first.inputs)}
    other_inputs = {id(v): i for i, v in enumerate(other.inputs)}
    for k, (a, b) in enumerate(zip(first.nodes, other.nodes)):
        same = a.op == b.op and first.parents[k] == other.parents[k]
        if same and a.is_leaf:
            ia, ib = first_inputs.get(id(a)), other_inputs.get(id(b))
            if ia is not None or ib is not None:
                same = ia == ib
            elif a is not b:  # a constant, or a leaf made inside the function
                same = a.data == b.data
        if not same:
            raise DataDependentError(
                "record",
                (_describe(a), _describe(b)),
                f"{where} at node {k}: {_describe(a)} against {_describe(b)}; the graph "
                "depends on the data (a Python branch on .data, or a number taken from it?)",
                a.label,
            )


def _describe(node: Value) -> str:
    name = node.op or "leaf"
    if node.label:
        name += f" {node.label!r}"
    return f"{name}={node.data!r}" if node.is_leaf else name


# ---------------------------------------------------------------- compiling
_U, _V = 0, 1  # storage: uniform over the batch (one column) or varying (one per example)


def _index(np: ModuleType, rows: Sequence[int]) -> Any:
    """A slice when the rows are evenly spaced (a view, no copy), else an array."""
    if len(rows) == 1:
        return slice(rows[0], rows[0] + 1)
    step = rows[1] - rows[0]
    if step > 0 and all(rows[i + 1] - rows[i] == step for i in range(len(rows) - 1)):
        return slice(rows[0], rows[-1] + 1, step)
    return np.asarray(rows, dtype=np.intp)


@dataclass(frozen=True)
class _Scatter:
    """How to add contributions into gradient rows of one storage."""

    kind: int  # the storage of the rows
    select: Any  # None (one contribution per member), or which member each one comes from
    rows: Any  # slice or index array of distinct gradient rows
    perm: Any  # None, or the order that brings equal rows together
    starts: Any  # with perm: where each distinct row's run starts
    tiles: int  # > 0: the rows are ``tiles`` repeats of the distinct rows (no perm)

    def add(self, np: ModuleType, grads: tuple[Array, Array], term: Any, source: int) -> None:
        if self.kind == _U and source == _V:  # a shared operand: add over the batch
            term = term.sum(axis=1, keepdims=True)
        if self.select is not None:
            term = term[self.select]
        if self.tiles:
            term = term.reshape(self.tiles, -1, term.shape[1]).sum(axis=0)
        elif self.perm is not None:
            term = np.add.reduceat(term[self.perm], self.starts, axis=0)
        grads[self.kind][self.rows] += term


def _scatter_plan(np: ModuleType, kind: int, select: list[int] | None, rows: list[int]) -> _Scatter:
    chosen = None if select is None else _index(np, select)
    distinct = len(set(rows))
    if distinct == len(rows):
        return _Scatter(kind, chosen, _index(np, rows), None, None, 0)
    tiles = len(rows) // distinct
    if rows == rows[:distinct] * tiles:
        # e.g. each input of a layer, used once by every neuron: add the
        # tiles up (a reshape and a sum, no sorting)
        return _Scatter(kind, chosen, _index(np, rows[:distinct]), None, None, tiles)
    order = sorted(range(len(rows)), key=rows.__getitem__)
    starts = [0] + [i for i in range(1, len(order)) if rows[order[i]] != rows[order[i - 1]]]
    return _Scatter(
        kind,
        chosen,
        _index(np, sorted(set(rows))),
        np.asarray(order, dtype=np.intp),
        np.asarray(starts, dtype=np.intp),
        0,
    )


@dataclass(frozen=True)
class _Group:
    """Nodes of one operation at one depth, their results in consecutive rows."""

    rule: Rule
    kind: int  # storage of the results
    out: slice  # their value rows
    grad_rows: Any  # their gradient rows (slice or index array)
    operands: tuple[tuple[int, Any], ...]  # (storage, value rows) per operand
    scatters: tuple[_Scatter | None, ...]  # per operand; None: no gradient to pass
    nodes: tuple[int, ...]  # graph positions, for error messages

    def forward(self, np: ModuleType, store: tuple[Array, Array], graph: list[Value]) -> Any:
        (kx, ix), *rest = self.operands
        x = store[kx][ix]
        y = store[rest[0][0]][rest[0][1]] if rest else None
        out = store[self.kind][self.out]
        _FORWARD[self.rule.name](np, x, y, out)
        if self.rule.name in _CHECKED:
            _check_domain(np, self, x, y, out, graph)
        return x, y

    def backward(
        self, np: ModuleType, store: tuple[Array, Array], grads: tuple[Array, Array], saved: Any
    ) -> None:
        if not any(self.scatters):
            return
        x, y = saved
        upstream = grads[self.kind][self.grad_rows]
        locals_ = array_local(np, self.rule, x, y, store[self.kind][self.out])
        for local, plan in zip(locals_, self.scatters):
            if plan is None:
                continue
            if isinstance(local, float) and local == 1.0:
                plan.add(np, grads, upstream, self.kind)
            elif plan.kind == _U and self.kind == _V and np.shape(local) == upstream.shape:
                # Σ over the batch of local · upstream, without the product's block
                plan.add(np, grads, np.einsum("ij,ij->i", local, upstream)[:, None], _U)
            else:
                plan.add(np, grads, local * upstream, self.kind)


@dataclass(frozen=True)
class _Outer:
    """A layer's weights times its inputs: products ``w[j,k] · h[k]`` for
    every neuron j and input k, ``w`` shared and ``h`` per example, whose
    gradients arrive per neuron (each product is added into neuron j's sum).

    Forward: one broadcast product into the ``(J, K, batch)`` block, the
    engine's numbers. Backward: the product rule (∂/∂w = h, ∂/∂h = w) with its
    sums over the batch and over the neurons done as matrix products,
    instead of a ``(J·K × batch)`` block of terms: ∂/∂w[j,k] = Σ_b up[j]·h[k],
    ∂/∂h[k] = Σ_j w[j,k]·up[j]."""

    out: slice
    shape: tuple[int, int]  # (J, K)
    w_rows: Any  # value rows of w in u, j-major
    h_rows: Any  # value rows of the K inputs in v
    up_rows: Any  # gradient rows, in v, of what each neuron's products are added into
    w_plan: _Scatter | None  # gradient rows of w, j-major; None: not needed
    h_grad_rows: Any  # gradient rows of the K inputs, or None

    def forward(self, np: ModuleType, store: tuple[Array, Array], graph: list[Value]) -> Any:
        j, k = self.shape
        w = store[_U][self.w_rows].reshape(j, k, 1)
        out = store[_V][self.out]
        np.multiply(w, store[_V][self.h_rows][None], out=out.reshape(j, k, out.shape[1]))
        return None

    def backward(
        self, np: ModuleType, store: tuple[Array, Array], grads: tuple[Array, Array], saved: Any
    ) -> None:
        up = grads[_V][self.up_rows]  # (J, batch)
        if self.w_plan is not None:
            self.w_plan.add(np, grads, (up @ store[_V][self.h_rows].T).reshape(-1, 1), _U)
        if self.h_grad_rows is not None:
            w = store[_U][self.w_rows].reshape(self.shape)
            grads[_V][self.h_grad_rows] += w.T @ up


@dataclass(frozen=True)
class _Chain:
    """Chains of additions ``((a₀ + a₁) + a₂) + … + a_L`` (the Σ wᵢxᵢ + b of
    a neuron) of one length and depth, summed into their output rows in
    place, left to right: every partial sum is the engine's, bit for bit, and
    none gets a row of its own. (``np.add.accumulate`` over a block would do
    the same in one call but is several times slower on an outer axis.)"""

    kind: int
    out: slice
    grad_rows: Any
    elements: tuple[tuple[int, Any], ...]  # (storage, rows) of a₀, a₁, ... across the chains
    scatters: tuple[_Scatter, ...]  # each element's gradient is the chain's

    def forward(self, np: ModuleType, store: tuple[Array, Array], graph: list[Value]) -> Any:
        out = store[self.kind][self.out]
        (k0, r0), (k1, r1), *rest = self.elements
        np.add(store[k0][r0], store[k1][r1], out=out)
        for k, rows in rest:
            np.add(out, store[k][rows], out=out)
        return None

    def backward(
        self, np: ModuleType, store: tuple[Array, Array], grads: tuple[Array, Array], saved: Any
    ) -> None:
        if not self.scatters:
            return
        upstream = grads[self.kind][self.grad_rows]
        for plan in self.scatters:
            plan.add(np, grads, upstream, self.kind)


def _outer(
    np: ModuleType,
    members: list[int],
    out: slice,
    kinds: tuple[int, ...],
    parents: list[tuple[int, ...]],
    row: list[int],
    grad_row: list[int],
    passes: Callable[[int, int], bool],
) -> _Outer | None:
    """An :class:`_Outer` step for a group of ``w · h`` products, if its
    members are ``w[j,k] · h[k]`` neuron-major with one gradient row per neuron."""
    a = kinds.index(_U)
    b = 1 - a
    h = [row[parents[i][b]] for i in members]
    k = len(set(h))
    j = len(members) // k
    if j < 2 or h != h[:k] * j:
        return None
    up = [grad_row[i] for i in members]
    if any(up[n] != up[n - n % k] for n in range(len(up))):
        return None
    # Gradients go to every w (or h) if any needs one: the others' rows are not read.
    w_plan = None
    if any(passes(parents[i][a], i) for i in members):
        w_plan = _scatter_plan(np, _U, None, [grad_row[parents[i][a]] for i in members])
    h_grad = None
    if any(passes(parents[i][b], i) for i in members):
        h_grad = _index(np, [grad_row[parents[i][b]] for i in members[:k]])
    return _Outer(
        out,
        (j, k),
        _index(np, [row[parents[i][a]] for i in members]),
        _index(np, h[:k]),
        np.asarray(up[::k], dtype=np.intp),
        w_plan,
        h_grad,
    )


class _Program:
    """A recording compiled for arrays: built once per recording (and choice
    of gradients), run for any batch size.

    Values live in two arrays: ``u`` (one column) for the nodes that depend
    only on shared leaves and constants, ``v`` (one column per example) for
    the rest. Nodes of one operation, depth and operand kinds form a step
    (:class:`_Group`); chains of additions whose partial sums nothing else
    uses are one step (:class:`_Chain`), and so are a layer's products
    (:class:`_Outer`). Gradients have the values' layout, with one saving: a
    node whose only use is as an operand of ``+`` (or the left operand of
    ``-``) has exactly its consumer's gradient (1 · upstream, added to 0), so
    it shares the consumer's gradient row and passes nothing.
    """

    def __init__(self, graph: _Graph, params: list[Value], input_grads: bool) -> None:
        np = numpy_module()
        self.np = np
        nodes, parents = graph.nodes, graph.parents
        input_pos = {id(v): i for i, v in enumerate(graph.inputs)}
        param_ids = {id(p) for p in params}
        n = len(nodes)
        uses = [0] * n
        consumer = [-1] * n
        for i in range(n):
            for p in parents[i]:
                uses[p] += 1
                consumer[p] = i
        # A partial sum used only as the left operand of the next addition is
        # internal to a chain: it gets no row.
        internal = [
            nodes[i].op == "add" and uses[i] == 1 and nodes[consumer[i]].op == "add"
            and parents[consumer[i]][0] == i
            for i in range(n)
        ]  # fmt: skip
        elements: dict[int, list[int]] = {}  # chain end -> [a₀, a₁, ..., a_L]
        end_of = list(range(n))  # internal node -> its chain's end
        for i in reversed(range(n)):
            if internal[i]:
                end_of[i] = end_of[consumer[i]]
            elif nodes[i].op == "add" and internal[parents[i][0]]:
                chain = []
                c = i
                while internal[parents[c][0]]:
                    chain.append(parents[c][1])
                    c = parents[c][0]
                chain.extend((parents[c][1], parents[c][0]))
                elements[i] = chain[::-1]
        operands_of = [elements.get(i, list(parents[i])) for i in range(n)]

        kind = [_U] * n
        level = [0] * n
        needs = [False] * n  # the node depends on something we differentiate
        for i, node in enumerate(nodes):
            ps = operands_of[i]
            if ps:
                kind[i] = max(kind[p] for p in ps)
                level[i] = 1 + max(level[p] for p in ps)
                needs[i] = any(needs[p] for p in ps)
            elif id(node) in input_pos:
                kind[i] = _V
                needs[i] = input_grads
            else:
                needs[i] = id(node) in param_ids
        # alias[i] = c: node i shares the gradient row of c (a sum it is added into).
        alias = [-1] * n
        for i in range(n):
            c = consumer[i]
            if not parents[i] or internal[i] or uses[i] != 1:
                continue
            adds = nodes[c].op == "add" or (nodes[c].op == "sub" and parents[c][0] == i)
            if adds and kind[i] == kind[end_of[c]]:
                alias[i] = end_of[c]

        # Rows: inputs first (one transposed copy fills them), then leaves in
        # the order groups first use them, then each group's results together.
        row = [-1] * n
        size = [0, len(graph.inputs)]
        for i, node in enumerate(nodes):
            if id(node) in input_pos:
                row[i] = input_pos[id(node)]
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i in range(n):
            if operands_of[i] and not internal[i]:
                kinds = tuple(kind[p] for p in operands_of[i])
                op = "+chain" if i in elements else nodes[i].op
                groups.setdefault((level[i], op, kinds), []).append(i)

        def place(i: int) -> None:
            row[i] = size[kind[i]]
            size[kind[i]] += 1

        ordered = []
        for key in sorted(groups):
            members = groups[key]
            for i in members:
                for p in operands_of[i]:
                    if row[p] < 0:
                        place(p)
            if key[1] == "mul" and sorted(key[2]) == [_U, _V]:
                # weights before inputs, whichever side they are on: a layer's
                # products come out neuron-major, which _outer recognises
                members.sort(
                    key=lambda i: [row[p] for p in sorted(parents[i], key=kind.__getitem__)]
                )
            else:
                members.sort(key=lambda i: [row[p] for p in operands_of[i]])
            start = size[kind[members[0]]]
            for i in members:
                place(i)
            ordered.append((key, members, start))
        out = n - 1
        if row[out] < 0:  # the output is a leaf no operation uses
            place(out)
        grad_row = list(row)
        for i in reversed(range(n)):  # consumers come after their operands
            if alias[i] >= 0:
                grad_row[i] = grad_row[alias[i]]

        def passes(p: int, member: int) -> bool:
            """Whether the gradient must be added into operand ``p`` of ``member``."""
            return needs[p] and alias[p] != member

        self.steps: list[_Group | _Chain | _Outer] = []
        for (_, op, kinds), members, start in ordered:
            out_slice = slice(start, start + len(members))
            grad_rows = _index(np, [grad_row[i] for i in members])
            group_kind = kind[members[0]]
            if op == "+chain":
                scatters = []
                for k in (_U, _V):
                    targets = [
                        (j, operands_of[i][q])
                        for q, kq in enumerate(kinds)
                        if kq == k
                        for j, i in enumerate(members)
                        if passes(operands_of[i][q], i)
                    ]
                    if targets:
                        scatters.append(
                            _scatter_plan(
                                np, k, [j for j, _ in targets], [grad_row[p] for _, p in targets]
                            )
                        )
                terms = tuple(
                    (kq, _index(np, [row[operands_of[i][q]] for i in members]))
                    for q, kq in enumerate(kinds)
                )
                self.steps.append(_Chain(group_kind, out_slice, grad_rows, terms, tuple(scatters)))
                continue
            if op == "mul" and sorted(kinds) == [_U, _V]:
                outer = _outer(np, members, out_slice, kinds, parents, row, grad_row, passes)
                if outer is not None:
                    self.steps.append(outer)
                    continue
            rule = RULES[op]
            operands = []
            plans: list[_Scatter | None] = []
            for k, operand_kind in enumerate(kinds):
                rows_k = [row[parents[i][k]] for i in members]
                operands.append((operand_kind, _index(np, rows_k)))
                select = [j for j, i in enumerate(members) if passes(parents[i][k], i)]
                if (k == 1 and rule.const_arg) or not select:
                    plans.append(None)
                    continue
                plans.append(
                    _scatter_plan(
                        np,
                        operand_kind,
                        None if len(select) == len(members) else select,
                        [grad_row[parents[members[j]][k]] for j in select],
                    )
                )
            self.steps.append(
                _Group(
                    rule,
                    group_kind,
                    out_slice,
                    grad_rows,
                    tuple(operands),
                    tuple(plans),
                    tuple(members),
                )
            )
        self.size = (size[_U], size[_V])
        self.out = (kind[out], row[out])
        self.nodes = nodes

        # Uniform leaves: constants are fixed, shared leaves are read at each call.
        self.const_u = np.zeros((size[_U], 1))
        shared_rows: list[int] = []
        self.shared: list[Value] = []
        for i, node in enumerate(nodes):
            if not parents[i] and kind[i] == _U and row[i] >= 0:
                if node.op == CONST:
                    self.const_u[row[i], 0] = node.data
                else:
                    self.shared.append(node)
                    shared_rows.append(row[i])
        self.shared_rows = np.asarray(shared_rows, dtype=np.intp)
        position = {id(node): i for i, node in enumerate(nodes)}
        rows_of_params = [row[position[id(p)]] if id(p) in position else -1 for p in params]
        # -1: the output does not depend on this parameter; its gradient is 0
        self.param_rows = np.asarray(rows_of_params, dtype=np.intp)
        self.param_mask = self.param_rows >= 0
        self.n_inputs = len(graph.inputs)
        self._lock = threading.Lock()
        self._workspace: tuple[Array, Array, Array, Array] | None = None

    # ---------------------------------------------------------------- run
    def evaluate(
        self, inputs: Array, batch: int, seed: float, input_grads: bool
    ) -> tuple[Array, Array, Array | None]:
        """Values ``(batch,)``, parameter gradients and, if asked, input
        gradients ``(batch, n_inputs)``; ``inputs`` is ``(n_inputs, batch)``.

        The value and gradient arrays of the last batch size are kept and
        reused: allocating megabytes afresh each call costs more, at large
        batches, than the arithmetic. A concurrent call gets its own.
        """
        np = self.np
        owned = self._lock.acquire(blocking=False)
        try:
            if owned and self._workspace is not None and self._workspace[1].shape[1] == batch:
                u, v, gu, gv = self._workspace
                gu.fill(0.0)
                gv.fill(0.0)
            else:
                u = np.empty((self.size[_U], 1))
                v = np.empty((self.size[_V], batch))
                gu = np.zeros((self.size[_U], 1))
                gv = np.zeros((self.size[_V], batch))
                if owned:
                    self._workspace = (u, v, gu, gv)
            saved = self._forward(u, v, inputs)
            self._backward(u, v, gu, gv, saved, seed, batch)
            kind, row = self.out
            values = v[row].copy() if kind == _V else np.full(batch, u[row, 0])
            grads = np.zeros(len(self.param_rows))
            grads[self.param_mask] = gu[self.param_rows[self.param_mask], 0]
            per_input = gv[: self.n_inputs].T.copy() if input_grads else None
            return values, grads, per_input
        finally:
            if owned:
                self._lock.release()

    def _forward(self, u: Array, v: Array, inputs: Array) -> list[Any]:
        np = self.np
        np.copyto(u, self.const_u)
        if self.shared:
            u[self.shared_rows, 0] = np.fromiter(
                (v.data for v in self.shared), dtype=float, count=len(self.shared)
            )
        v[: self.n_inputs] = inputs
        store = (u, v)
        nodes = self.nodes
        return [step.forward(np, store, nodes) for step in self.steps]

    def _backward(
        self, u: Array, v: Array, gu: Array, gv: Array, saved: list[Any], seed: float, batch: int
    ) -> None:
        np = self.np
        grads = (gu, gv)
        kind, row = self.out
        if kind == _V:
            gv[row] = seed
        else:  # every example has the same value: the batch's seeds add up
            gu[row] = seed * batch
        store = (u, v)
        for step, kept in zip(reversed(self.steps), reversed(saved)):
            step.backward(np, store, grads, kept)


def _check_domain(np: ModuleType, g: _Group, x: Any, y: Any, out: Any, nodes: list[Value]) -> None:
    """Raise the engine's error for the first example where the operation
    made NaN or inf from finite operands (log of a negative, division by 0...)."""
    bad = ~np.isfinite(out) & np.isfinite(x)
    if y is not None:
        bad &= np.isfinite(y)
    if not bad.any():
        return
    rule = g.rule
    for r, c in zip(*np.nonzero(bad)):
        xf = float(np.broadcast_to(x, out.shape)[r, c])
        yf = None if y is None else float(np.broadcast_to(y, out.shape)[r, c])
        try:
            rule.forward(xf) if y is None else rule.forward(xf, yf)
        except (ValueError, ArithmeticError) as exc:
            value: Any = xf if y is None else (xf, yf)
            node = nodes[g.nodes[r]]
            parent = node.parents[-1] if rule.name == "div" else node.parents[0]
            label = parent.label or node.label
            base = _domain_error(rule, value, exc, None)
            text = str(base).split(": ", 1)[1]
            raise type(base)(rule.name, value, f"{text}, in batch example {c}", label) from None


# ---------------------------------------------------------------- public API
@dataclass(frozen=True)
class Replay:
    """The result of replaying a recording over a batch.

    Attributes:
        values: the function's value for each example, shape ``(batch,)``.
        grads: ∂(sum or mean of ``values``)/∂param for each of the
            recording's ``params``, shape ``(len(params),)``.
        input_grads: when asked for, per batch argument, the gradient with
            respect to each example's inputs, shape ``(batch, *example shape)``
            (the gradient of the same sum or mean).
    """

    values: Array
    grads: Array
    input_grads: tuple[Array, ...] | None = None


class Recording:
    """A function of one example, recorded once, replayable over a batch.

    Made by :func:`record`. Attributes:

    * ``output``: the recorded output :class:`Value` (draw it with
      ``autograd_scalar.viz.draw_graph(rec.output)``).
    * ``n_nodes``: the number of nodes of one example's graph (leaves included).
    * ``ops``: a :class:`collections.Counter` of the operations recorded.
    * ``params``: the shared leaves whose gradients are returned.
    * ``n_steps``: the number of array steps the replay makes (each one NumPy
      operation forward, at most a few backward).
    """

    def __init__(
        self,
        f: Callable[..., Any],
        args: tuple[Any, ...],
        batch_argnums: tuple[int, ...],
        names: list[str],
        graph: _Graph,
        params: list[Value],
    ) -> None:
        self._f = f
        self._args = args
        self._names = names
        self.batch_argnums = batch_argnums
        self._graph = graph
        self.params = params
        self.output = graph.output
        self.n_nodes = len(graph.nodes)
        self.ops: Counter[str] = Counter(node.op or "leaf" for node in graph.nodes)
        np = numpy_module()
        self._shapes = [_as_example(np, args[n], names[n]).shape for n in batch_argnums]
        self._programs: dict[bool, _Program] = {}
        self._verified = False

    def __repr__(self) -> str:
        ops = ", ".join(f"{op}: {k}" for op, k in self.ops.most_common())
        return (
            f"Recording({self.n_nodes} nodes, {len(self.params)} params, "
            f"{self.n_steps} array steps; {ops})"
        )

    def _program(self, input_grads: bool) -> _Program:
        program = self._programs.get(input_grads)
        if program is None:
            program = _Program(self._graph, self.params, input_grads)
            self._programs[input_grads] = program
        return program

    @property
    def n_steps(self) -> int:
        return len(self._program(False).steps)

    def _batch(self, batch_args: tuple[Any, ...]) -> tuple[Array, int, list[Any]]:
        np = numpy_module()
        if len(batch_args) != len(self.batch_argnums):
            raise InvalidInputError(
                "replay",
                len(batch_args),
                f"expected {len(self.batch_argnums)} batch arguments "
                f"({', '.join(self._names[n] for n in self.batch_argnums)}), "
                f"got {len(batch_args)}",
            )
        arrays = []
        batch = 1 if not batch_args else -1
        for n, shape, data in zip(self.batch_argnums, self._shapes, batch_args):
            name = self._names[n]
            try:
                array = np.asarray(data, dtype=float)
            except (TypeError, ValueError):
                raise InvalidInputError(
                    "replay", data, f"batch argument {name!r} must be an array of numbers"
                ) from None
            if array.shape[1:] != shape or array.ndim != len(shape) + 1:
                raise InvalidInputError(
                    "replay",
                    array.shape,
                    f"batch argument {name!r} must have shape (batch, {', '.join(map(str, shape))})"
                    f" to match the recorded example, got {array.shape}",
                )
            if batch >= 0 and array.shape[0] != batch:
                raise InvalidInputError(
                    "replay",
                    array.shape,
                    f"batch argument {name!r} has {array.shape[0]} examples, the first had {batch}",
                )
            batch = array.shape[0]
            if not np.isfinite(array).all():
                bad = int(np.nonzero(~np.isfinite(array.reshape(batch, -1)).all(axis=1))[0][0])
                raise InvalidInputError(
                    "replay",
                    array[bad].tolist(),
                    f"batch argument {name!r} is not finite in batch example {bad}",
                )
            arrays.append(array)
        if batch == 0:
            raise InvalidInputError("replay", 0, "the batch is empty")
        flat = [a.reshape(batch, -1) for a in arrays]
        inputs = np.concatenate(flat, axis=1).T if flat else np.empty((0, batch))
        return inputs, batch, arrays

    def verify(self, *batch_args: Any, examples: Sequence[int] | None = None) -> None:
        """Record the function again on other examples of a batch and check
        that the graph is the same (operations, wiring, constants, leaves)
        and gives the same value. Raises :class:`DataDependentError` if not.

        ``examples``: which examples (default: the middle one and the last).
        """
        _, batch, arrays = self._batch(batch_args)
        chosen = examples if examples is not None else sorted({batch // 2, batch - 1})
        for i in chosen:
            if not 0 <= i < batch:
                raise InvalidInputError("verify", i, f"no example {i} in a batch of {batch}")
        values = self.run(*batch_args, verify="never").values
        for i in chosen:
            args = list(self._args)
            for n, array in zip(self.batch_argnums, arrays):
                args[n] = array[i].tolist()
            other = _trace(self._f, args, self.batch_argnums, self._names)
            _compare(self._graph, other, i)
            expected, got = other.output.data, float(values[i])
            if not math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12):
                raise DataDependentError(
                    "record",
                    (expected, got),
                    f"the replay gives {got!r} for batch example {i} but the function gives "
                    f"{expected!r}; the graph depends on the data",
                )
        self._verified = True

    def run(
        self,
        *batch_args: Any,
        reduce: Reduce = "sum",
        input_grads: bool = False,
        verify: Verify = "first",
    ) -> Replay:
        """Values and gradients over a batch; see :class:`Replay`.

        Args:
            batch_args: one array per per-example argument, batch first.
            reduce: the gradients are those of the ``"sum"`` or the ``"mean"``
                of the values over the batch.
            input_grads: also return per-example input gradients.
            verify: re-record on other examples to check that the graph does
                not depend on the data: on the ``"first"`` call, on
                ``"always"``, or ``"never"``.
        """
        if reduce not in ("sum", "mean"):
            raise InvalidInputError("replay", reduce, "reduce must be 'sum' or 'mean'")
        if verify == "always" or (verify == "first" and not self._verified):
            self.verify(*batch_args)
        np = numpy_module()
        inputs, batch, _ = self._batch(batch_args)
        program = self._program(input_grads)
        seed = 1.0 if reduce == "sum" else 1.0 / batch
        with np.errstate(all="ignore"):  # inf derivatives (sqrt at 0) are expected
            values, grads, flat = program.evaluate(inputs, batch, seed, input_grads)
        if flat is None:
            return Replay(values, grads)
        per_input = []
        start = 0
        for shape in self._shapes:
            size = math.prod(shape)
            per_input.append(flat[:, start : start + size].reshape((batch, *shape)))
            start += size
        return Replay(values, grads, tuple(per_input))

    def value_and_grad(
        self, *batch_args: Any, reduce: Reduce = "sum", verify: Verify = "first"
    ) -> tuple[Array, Array]:
        """``(values, grads)``: the value for each example, and the gradient of
        their sum (or mean) with respect to ``params``, in order (see :meth:`run`)."""
        result = self.run(*batch_args, reduce=reduce, verify=verify)
        return result.values, result.grads

    def backward(
        self, *batch_args: Any, reduce: Reduce = "mean", verify: Verify = "first"
    ) -> float:
        """Add the batch's gradients into each parameter's ``grad`` (as
        ``Value.backward()`` does for leaves) and return the sum or mean of
        the values: a drop-in for a batch loss's ``backward()``."""
        result = self.run(*batch_args, reduce=reduce, verify=verify)
        for p, g in zip(self.params, result.grads.tolist()):
            p.grad += g
        total = float(result.values.sum())
        return total if reduce == "sum" else total / len(result.values)


def record(
    f: Callable[..., Any],
    *args: Any,
    batch_argnums: int | Sequence[int] | None = None,
    params: Iterable[Value] | None = None,
) -> Recording:
    """Record ``f`` on one example, for replay over batches.

    Args:
        f: a function of one example that builds and returns a scalar Value.
        args: the example's arguments.
        batch_argnums: which arguments are per-example inputs (numbers or
            nested lists of numbers; ``f`` receives Values in their place).
            All of them by default. Other arguments are passed unchanged.
        params: the shared leaf Values to differentiate (default: every leaf
            ``f`` reaches that is neither an input nor a constant).

    Raises:
        DataDependentError: ``f`` compared Values while being recorded.
    """
    if batch_argnums is None:
        argnums = tuple(range(len(args)))
    elif isinstance(batch_argnums, int):
        argnums = (batch_argnums,)
    else:
        argnums = tuple(batch_argnums)
    for n in argnums:
        if not 0 <= n < len(args):
            raise InvalidInputError(
                "record", n, f"batch_argnums {n} is out of range for {len(args)} arguments"
            )
    names = _arg_names(f, len(args))
    graph = _trace(f, args, argnums, names)
    input_ids = {id(v) for v in graph.inputs}
    if params is None:
        chosen = [
            node
            for node in graph.nodes
            if node.is_leaf and node.op != CONST and id(node) not in input_ids
        ]
    else:
        chosen = list(params)
        for p in chosen:
            if not isinstance(p, Value) or not p.is_leaf or p.op == CONST:
                raise InvalidInputError(
                    "record",
                    p,
                    "params must be leaf Values (inputs or parameters, not results of operations)",
                    p.label if isinstance(p, Value) else None,
                )
    return Recording(f, args, argnums, names, graph, chosen)


# ---------------------------------------------------------------- training
_CACHE: OrderedDict[tuple[int, tuple[int, ...], tuple[int, ...]], tuple[Any, Recording]] = (
    OrderedDict()
)


def batched_loss_and_grad(
    params: Sequence[Value],
    loss_fn: Callable[[Any, Any], Value],
    X: Any,
    y: Any,
    *,
    reduce: Reduce = "mean",
) -> float:
    """The batch loss of a per-example ``loss_fn(x, y)``, with its gradient
    added into each parameter's ``grad``: the vectorised equivalent of
    building ``mean(loss_fn(x, y) for x, y in batch)`` and calling
    ``backward()``. For a training loop (``fit``).

    The recording is made on the first example and kept for later calls with
    the same ``loss_fn``, ``params`` and example shapes.

    >>> from autograd_scalar.engine import Value
    >>> w = [Value(0.5), Value(-0.5)]
    >>> def loss(x, y):
    ...     return (w[0] * x[0] + w[1] * x[1] - y) ** 2
    >>> batched_loss_and_grad(w, loss, [[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0])
    1.25
    >>> [p.grad for p in w]
    [-0.5, -1.5]
    """
    np = numpy_module()
    xs = np.asarray(X, dtype=float)
    ys = np.asarray(y, dtype=float)
    key = (id(loss_fn), tuple(id(p) for p in params), (*xs.shape[1:], -1, *ys.shape[1:]))
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not loss_fn:
        rec = record(loss_fn, xs[0].tolist(), ys[0].tolist(), params=params)
        _CACHE[key] = (loss_fn, rec)
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    else:
        rec = entry[1]
    return rec.backward(xs, ys, reduce=reduce)
