"""Record a one-example Value function once, replay it over a NumPy batch.

A scalar engine pays one Python object per node: the loss of a small MLP over
100 examples is some 65,000 nodes. But the graph is the same for every
example: only the numbers differ. So :func:`record` runs the function once,
on one example, keeps the graph, and compiles it into a program over arrays:
every node becomes a vector over the batch, the backward pass walks the same
recording in reverse, and the gradients of the parameters shared by all
examples are summed (or averaged) over the batch. It is
``jax.vmap(jax.value_and_grad(f))`` for recorded scalar graphs.

>>> from autograd_scalar import Value
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
(``if v > 0:``) raises :class:`~autograd_scalar.core.errors.DataDependentError`;
``relu`` and ``abs`` are recorded operations and are fine. A branch on
``v.data`` cannot be seen when it happens, so on the first replay the
function is recorded again on two other examples of the batch and the
graphs (operations, wiring, constants) are compared, and the function is
evaluated by the scalar engine on every example (up to
:data:`VERIFIED_EXAMPLES`, evenly spread in a larger batch) and its values
compared with the replay's; a difference raises ``DataDependentError``
(``verify="always"`` re-checks every call, ``verify="never"`` never).

The same answer as the engine: every step computes the rule table's own
``forward`` and ``local`` (:mod:`autograd_scalar.core.rules`) with a NumPy
``m``, so NaN propagates (``relu(nan)`` is NaN, and so is its derivative) and
an unbounded derivative is ``±inf`` (``sqrt`` at 0) as in the engine; where
the engine raises (``log`` of a negative, a division by zero, an overflow,
an operand outside the rule's domain) the replay raises the engine's error
for the first example concerned, naming it and the node. An operation made
with :func:`~autograd_scalar.define_op` replays like a built-in one; if its
forward is written with ``math`` on floats it is applied example by example,
and :func:`record` says so with a :class:`PerformanceWarning`.

How it is fast (values are the engine's, operation for operation, but for
a layer's sums; gradients agree to rounding, some sums being taken in
another order):

* nodes with the same operation, depth and kind of operands form one step,
  one NumPy call over a ``(nodes × batch)`` block; operands are gathered by
  slices where their rows are evenly spaced, else by index arrays, and
  gradients are scattered back with sums (by reshaping when an input is used
  once by every neuron of a layer);
* a chain of additions whose partial sums nothing else uses (the
  ``Σ wᵢxᵢ + b`` of a neuron) is one step that sums left to right in place;
* a node used only as an operand of ``+`` shares the gradient of the sum (it
  is exactly 1 · upstream), so such chains cost nothing in the backward pass;
* a layer's weighted sums ``b[j] + Σₖ w[j,k] · h[k]`` (shared weights and
  biases, per-example inputs) are one matrix product and a bias added
  forward, two matrix products and a sum backward
  (:mod:`autograd_scalar.vectorize.linear`); its products get no rows. A
  matrix product adds in an order of its own, so these sums can differ from
  the engine's in the last bits;
* other products ``w[j,k] · h[k]`` added up per neuron are one broadcast
  product forward, and their gradients' sums (over the batch, over the
  neurons) are matrix products;
* nodes that depend only on shared leaves and constants are computed once,
  not once per example, and broadcast;
* the work arrays of the last batch size are kept and reused; on NumPy the
  steps are bound to them (each operand's, result's and gradient's view
  taken once per batch size, a gradient term that is its rows' only one
  computed straight into them), and results are checked for values the
  engine would refuse once per stretch of the forward pass, not once per
  step (the steps are then checked one by one only if that check fails, so
  the error is the first step's, as before).

micrograd's demo MLP (2→16→16→1) becomes 9 steps whatever the batch size:
``python benchmarks/bench_vectorize.py`` times it against micrograd, the
scalar engine and a hand-written NumPy forward/backward.

NumPy is an optional dependency: ``pip install "autograd_scalar[vectorize]"``.
Batches of another array-API library (PyTorch tensors, CuPy, array-api-strict
arrays) replay in that library, on their device and in their floating dtype,
with ``pip install "autograd_scalar[arrays]"`` (:mod:`.backend`). ``chunk=``
replays a large batch a chunk at a time, ``params=`` takes the parameters'
values explicitly (for workers): see :meth:`Recording.run`.
"""

from __future__ import annotations

import math
import re
import threading
import warnings
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from ..core.errors import AutogradError, DataDependentError, InvalidInputError
from ..core.modes import no_grad
from ..core.value import CONST, Value
from .backend import (
    Backend,
    NumpyBackend,
    backend_for,
    is_foreign,
    numpy_backend,
    numpy_math,
    numpy_module,
    to_numpy,
)
from .linear import Linear
from .plan import Plan, compile_plan
from .record import Graph, arg_names, as_example, compare, trace
from .steps import UNIFORM, VARYING, Array, Chain, Group, Outer, Scatter, index

if TYPE_CHECKING:
    from ..export.recording import TorchRecording

__all__ = [
    "PerformanceWarning",
    "Program",
    "Recording",
    "Replay",
    "batched_loss_and_grad",
    "numpy_module",
    "record",
]

#: How many examples of a batch the first replay checks against the scalar
#: engine (all of them in a batch up to this size; see Recording.verify).
VERIFIED_EXAMPLES = 1024

Reduce = Literal["sum", "mean"]
Verify = Literal["first", "always", "never"]


class PerformanceWarning(UserWarning):
    """A recording that replays slower than it could: an operation made with
    :func:`~autograd_scalar.define_op` whose forward is written with ``math``
    on floats is applied example by example."""


# ---------------------------------------------------------------- running
class Program:
    """A compiled :class:`~.plan.Plan` and the arrays it runs on: built once
    per recording, choice of gradients and backend (array library, dtype,
    device), run for any batch size."""

    def __init__(self, plan: Plan, backend: Backend) -> None:
        np = numpy_module()
        self.np = np
        self.be = backend
        self.m = backend.m
        self.plan = plan
        self.steps = tuple(backend.port(step) for step in plan.steps)
        leaves = plan.leaves
        self.const_u = np.zeros((plan.size[UNIFORM], 1))
        for row, number in leaves.constants:
            self.const_u[row, 0] = number
        self.shared = leaves.shared
        # slices where the rows are evenly spaced (they mostly are): no index arrays
        self.shared_rows = index(np, leaves.shared_rows) if leaves.shared_rows else None
        self.param_rows = np.asarray(leaves.param_rows, dtype=np.intp)
        self.param_mask = self.param_rows >= 0
        #: every parameter reached: its gradients are read in one gather
        self.param_index = (
            index(np, leaves.param_rows)
            if leaves.param_rows and bool(self.param_mask.all())
            else None
        )
        # which shared leaf is which parameter: values given with params=
        shared_of_row = {row: k for k, row in enumerate(leaves.shared_rows)}
        pairs = [
            (shared_of_row[row], i)
            for i, row in enumerate(leaves.param_rows)
            if row in shared_of_row
        ]
        self.shared_given = np.asarray([k for k, _ in pairs], dtype=np.intp)
        self.param_given = np.asarray([i for _, i in pairs], dtype=np.intp)
        #: the shared leaves are the parameters, in their order: params= is their values
        self.params_are_shared = len(pairs) == len(self.shared) == len(leaves.param_rows) and all(
            k == i for k, i in pairs
        )
        self._lock = threading.Lock()
        self._workspace: tuple[Array, Array, Array, Array] | None = None
        #: the steps bound to the workspace's arrays (NumPy): (those arrays, the binding)
        self._bound: tuple[tuple[Array, ...], _BoundProgram] | None = None
        #: the scatter plans that write their gradient rows alone (see _sole_writers)
        self.sole: set[int] | None = None

    def shared_values(self, params: Array | None) -> Any:
        """The shared leaves' values: their ``data``, or for the parameters
        among them, ``params`` (in the recording's ``params`` order)."""
        np = self.np
        if params is not None and self.params_are_shared:
            return params  # loaded into the uniform column as it is
        if params is not None and len(self.shared_given) == len(self.shared):
            values = np.empty(len(self.shared))
        else:
            values = np.fromiter(
                (leaf.data for leaf in self.shared), dtype=float, count=len(self.shared)
            )
        if params is not None:
            values[self.shared_given] = params[self.param_given]
        return values

    def evaluate(
        self, inputs: Array, batch: int, seed: float, input_grads: bool, shared: Any = None
    ) -> tuple[Array, Array, Array | None]:
        """Values ``(batch,)``, parameter gradients and, if asked, input
        gradients ``(batch, n_inputs)``; ``inputs`` is ``(n_inputs, batch)``,
        ``shared`` the shared leaves' values (:meth:`shared_values`; by default
        their ``data``).

        The value and gradient arrays of the last batch size are kept and
        reused: allocating megabytes afresh each call costs more, at large
        batches, than the arithmetic. A concurrent call gets its own.
        """
        be = self.be
        size = self.plan.size
        if shared is None:
            shared = self.shared_values(None)
        owned = self._lock.acquire(blocking=False)
        try:
            if owned and self._workspace is not None and self._workspace[1].shape[1] == batch:
                u, v, gu, gv = self._workspace
                gu = be.zeroed(gu)
                gv = be.zeroed(gv)
            else:
                u = be.empty((size[UNIFORM], 1))
                v = be.empty((size[VARYING], batch))
                gu = be.zeros((size[UNIFORM], 1))
                gv = be.zeros((size[VARYING], batch))
            store, grads = [u, v], [gu, gv]
            bound = self._bound_to(store, grads) if owned else None
            if bound is not None:
                bound.run(store, inputs, shared, seed, batch)
            else:
                saved = self._forward(store, inputs, shared)
                self._backward(store, grads, saved, seed, batch)
            if owned:
                self._workspace = (store[UNIFORM], store[VARYING], grads[UNIFORM], grads[VARYING])
                if bound is not None:
                    self._bound = (self._workspace, bound)
            u, v, gu, gv = store[UNIFORM], store[VARYING], grads[UNIFORM], grads[VARYING]
            kind, row = self.plan.out
            values = be.row_copy(v, row) if kind == VARYING else be.full(batch, u, row)
            param_grads = be.gather(gu, self.param_rows, self.param_mask, self.param_index)
            n_inputs = self.plan.n_inputs
            per_input = be.transposed_head(gv, n_inputs) if input_grads else None
            return values, param_grads, per_input
        finally:
            if owned:
                self._lock.release()

    def _bound_to(self, store: list[Array], grads: list[Array]) -> _BoundProgram | None:
        """The program bound to these (NumPy, reused) arrays, bound on their
        first use; ``None`` on another backend."""
        if not isinstance(self.be, NumpyBackend):
            return None
        if self._bound is not None:
            arrays, bound = self._bound
            if all(a is b for a, b in zip(arrays, (*store, *grads))):
                return bound
        return _BoundProgram(self, store, grads)

    def _forward(self, store: list[Array], inputs: Array, shared: Array) -> list[Any]:
        be, m = self.be, self.m
        store[UNIFORM] = be.load_uniform(store[UNIFORM], self.const_u, self.shared_rows, shared)
        rows = slice(0, self.plan.n_inputs)
        be.write(store, VARYING, rows, be.rows(store[VARYING], rows), inputs)
        return [step.forward(be, m, store) for step in self.steps]

    def _backward(
        self, store: list[Array], grads: list[Array], saved: list[Any], seed: float, batch: int
    ) -> None:
        be, m = self.be, self.m
        kind, row = self.plan.out
        rows = slice(row, row + 1)
        # every example of a uniform output has the same value: the batch's seeds add up
        seeds = seed if kind == VARYING else seed * batch
        be.write(grads, kind, rows, be.rows(grads[kind], rows), seeds)
        for step, kept in zip(reversed(self.steps), reversed(saved)):
            step.backward(be, m, store, grads, kept)


#: Gaps of at most this many numbers between the rows a bound program checks
#: for non-finite results are checked with them (one sum over a little more
#: memory costs less than one more call).
_CHECK_GAP = 8192


class _BoundProgram:
    """A program's steps bound to one workspace (NumPy's arrays, written in
    place and reused while the batch size stays the same): each step's
    operand, result and gradient views are taken once (:meth:`.steps.Group.bind`),
    not at every call, and the forwards of Groups that only need to look
    for non-finite results (no domain to test) are checked together: one
    sum over their rows per segment of the forward pass instead of one per
    step. Only when a sum is not finite are the steps checked one by one,
    first to last, so the error raised is the one the step-by-step forward
    raises (the engine's, for the first example concerned)."""

    def __init__(self, program: Program, store: list[Array], grads: list[Array]) -> None:
        be, m = program.be, program.m
        plan = program.plan
        self.program = program
        self.grads = grads
        self.inputs = store[VARYING][: plan.n_inputs]
        kind, row = plan.out
        self.seed = grads[kind][row : row + 1]
        self.seed_kind = kind
        batch = store[VARYING].shape[1]
        if program.sole is None:  # the same for every batch size: found once
            program.sole = _sole_writers(program.steps, grads, plan.out)
        sole = program.sole
        segments: list[tuple[list[Callable[[], Any]], list[tuple[int, Group]], list[Any]]] = []
        forwards: list[Callable[[], Any]] = []
        checked: list[tuple[int, Group]] = []
        backwards: list[Callable[[Any], None]] = []
        for i, step in enumerate(program.steps):
            if isinstance(step, Group) and step.checks_at_once and forwards:
                # its forward may raise: the steps before it are checked first
                segments.append((forwards, checked, _check_blocks(store, checked, batch)))
                forwards, checked = [], []
            bind = getattr(step, "bind", None)
            if bind is not None:
                forward, backward = bind(be, store, grads, lambda p: id(p) in sole)
                if isinstance(step, Group) and not step.checks_at_once:
                    checked.append((i, step))
            else:
                forward = partial(step.forward, be, m, store)
                backward = partial(step.backward, be, m, store, grads)
            forwards.append(forward)
            backwards.append(backward)
        segments.append((forwards, checked, _check_blocks(store, checked, batch)))
        self.segments = tuple((tuple(f), tuple(c), tuple(b)) for f, c, b in segments)
        self.backwards = tuple(reversed(backwards))
        self.np = program.np

    def run(self, store: list[Array], inputs: Array, shared: Any, seed: float, batch: int) -> None:
        program = self.program
        be = program.be
        np = self.np
        store[UNIFORM] = be.load_uniform(
            store[UNIFORM], program.const_u, program.shared_rows, shared
        )
        np.copyto(self.inputs, inputs)
        saved: list[Any] = []
        total, finite = np.add.reduce, math.isfinite
        for forwards, checked, blocks in self.segments:
            for forward in forwards:
                saved.append(forward())
            if checked and not all(finite(total(block, axis=None)) for block in blocks):
                for i, group in checked:
                    group.check(be, saved[i], store)
        # every example of a uniform output has the same value: the batch's seeds add up
        np.copyto(self.seed, seed if self.seed_kind == VARYING else seed * batch)
        for backward, kept in zip(self.backwards, reversed(saved)):
            backward(kept)


def _sole_writers(steps: Sequence[Any], grads: list[Array], out: tuple[int, int]) -> set[int]:
    """The ``id`` of each scatter plan whose gradient rows no other plan,
    step or the seed writes: its term can be written into them (they start
    at zero) instead of added. Empty when a step's writes are not known."""
    writes: list[tuple[Scatter | None, int, Any]] = []
    for step in steps:
        if isinstance(step, (Group, Chain)):
            plans = list(step.scatters)
        elif isinstance(step, Linear):
            plans = [step.w_plan, step.h_plan, step.b_plan]
        elif isinstance(step, Outer):
            plans = [step.w_plan]
            if step.h_grad_rows is not None:
                writes.append((None, VARYING, step.h_grad_rows))
        else:
            return set()
        writes += [(p, p.kind, p.rows) for p in plans if p is not None]
    counts: Counter[tuple[int, int]] = Counter([out])
    rows_of = []
    for _, kind, rows in writes:
        if isinstance(rows, slice):
            listed = list(range(*rows.indices(grads[kind].shape[0])))
        else:
            listed = [int(r) for r in rows.tolist()]
        rows_of.append(listed)
        counts.update((kind, r) for r in listed)
    return {
        id(plan)
        for (plan, kind, _), listed in zip(writes, rows_of)
        if plan is not None and all(counts[kind, r] == 1 for r in listed)
    }


def _check_blocks(store: list[Array], checked: list[tuple[int, Group]], batch: int) -> list[Any]:
    """Views covering the result rows of the ``checked`` groups (consecutive
    rows each): runs of rows merged where the gap between them is small (see
    :data:`_CHECK_GAP`)."""
    blocks = []
    for kind in (UNIFORM, VARYING):
        width = batch if kind == VARYING else 1
        merged: list[list[int]] = []
        for start, stop in sorted((g.out.start, g.out.stop) for _, g in checked if g.kind == kind):
            if merged and (start - merged[-1][1]) * width <= _CHECK_GAP:
                merged[-1][1] = max(merged[-1][1], stop)
            else:
                merged.append([start, stop])
        blocks += [store[kind][start:stop] for start, stop in merged]
    return blocks


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


def _values(example: Any) -> Any:
    """An example (a number or nested lists of numbers) as Values."""
    if isinstance(example, list):
        return [_values(item) for item in example]
    return Value(example)


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
        graph: Graph,
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
        self._shapes = [as_example(np, args[n], names[n]).shape for n in batch_argnums]
        self._plans: dict[bool, Plan] = {}
        self._programs: dict[tuple[bool, tuple[str, ...]], Program] = {}
        self._verified = False

    def __repr__(self) -> str:
        ops = ", ".join(f"{op}: {k}" for op, k in self.ops.most_common())
        return (
            f"Recording({self.n_nodes} nodes, {len(self.params)} params, "
            f"{self.n_steps} array steps; {ops})"
        )

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (to send a recording to worker processes): the compiled
        programs, with their lock and work arrays, are left out and compiled
        again on first use. The recorded function must itself be picklable
        (a module-level function with ``pickle``, any function with ``cloudpickle``)."""
        state = self.__dict__.copy()
        state["_plans"] = {}
        state["_programs"] = {}
        return state

    def _program(self, input_grads: bool, backend: Backend | None = None) -> Program:
        """The program for these gradients on ``backend`` (NumPy's by
        default): the plan is compiled once, with NumPy, then ported."""
        be = numpy_backend() if backend is None else backend
        key = (input_grads, be.key)
        program = self._programs.get(key)
        if program is None:
            plan = self._plans.get(input_grads)
            if plan is None:
                plan = compile_plan(
                    numpy_module(), numpy_math(), self._graph, self.params, input_grads
                )
                self._plans[input_grads] = plan
            program = Program(plan, be)
            self._programs[key] = program
        return program

    @property
    def n_steps(self) -> int:
        return len(self._program(False).steps)

    def _batch(self, batch_args: tuple[Any, ...]) -> tuple[Array, int, list[Any], Backend]:
        if len(batch_args) != len(self.batch_argnums):
            raise InvalidInputError(
                "replay",
                len(batch_args),
                f"expected {len(self.batch_argnums)} batch arguments "
                f"({', '.join(self._names[n] for n in self.batch_argnums)}), "
                f"got {len(batch_args)}",
            )
        np = numpy_module()
        # float64 NumPy arrays, the common case: NumPy's backend, the arrays as they are
        plain = all(type(a) is np.ndarray and a.dtype == np.float64 for a in batch_args)
        be = numpy_backend() if plain else backend_for(batch_args)
        arrays = []
        batch = 1 if not batch_args else -1
        for n, shape, data in zip(self.batch_argnums, self._shapes, batch_args):
            name = self._names[n]
            array = data if plain else be.input(data, name)
            if tuple(array.shape[1:]) != shape or array.ndim != len(shape) + 1:
                raise InvalidInputError(
                    "replay",
                    array.shape,
                    f"batch argument {name!r} must have shape (batch, {', '.join(map(str, shape))})"
                    f" to match the recorded example, got {tuple(array.shape)}",
                )
            if batch >= 0 and array.shape[0] != batch:
                raise InvalidInputError(
                    "replay",
                    array.shape,
                    f"batch argument {name!r} has {array.shape[0]} examples, the first had {batch}",
                )
            batch = array.shape[0]
            # NaN and infinite inputs are replayed as the engine computes them
            # (Value(nan) is a number there too): NaN propagates, and an operand
            # outside a rule's domain (sin(inf)) raises the engine's error.
            arrays.append(array)
        if batch == 0:
            raise InvalidInputError("replay", 0, "the batch is empty")
        flat = [be.reshape(a, (batch, -1)) for a in arrays]
        inputs = be.concat(flat, axis=1).T if flat else be.empty((0, batch))
        return inputs, batch, arrays, be

    def verify(
        self, *batch_args: Any, examples: Sequence[int] | None = None, chunk: int | None = None
    ) -> None:
        """Record the function again on other examples of a batch and check
        that the graph is the same (operations, wiring, constants, leaves)
        and gives the same value. Raises :class:`DataDependentError` if not.

        ``examples``: which examples to record again and check (default: the
        middle one and the last, and then the value check below).

        By default, the function itself is evaluated, by the scalar engine, on every
        example of a batch of up to :data:`VERIFIED_EXAMPLES` examples (on as
        many, evenly spread, in a larger one), and each value must equal the
        replay's. So a Python branch on ``.data`` that any of those examples
        takes differently is always found (the guarantee is for those
        examples: in a batch larger than that, an example between them that
        alone takes another branch can go unseen). ``chunk``: as in :meth:`run`.
        """
        _, batch, arrays, _ = self._batch(batch_args)
        arrays = [to_numpy(a) for a in arrays]  # examples taken out one by one
        finite = _finite_examples(arrays, batch)
        if examples is not None:
            chosen = list(examples)
        else:  # recorded again at finite points only, as record() records
            chosen = sorted({int(finite[len(finite) // 2]), int(finite[-1])}) if finite.size else []
        for i in chosen:
            if not 0 <= i < batch:
                raise InvalidInputError("verify", i, f"no example {i} in a batch of {batch}")
            if i not in finite:
                raise InvalidInputError(
                    "verify",
                    i,
                    f"example {i} has an input that is not finite: it cannot be "
                    "recorded again (NaN and inf replay, but graphs are recorded at numbers)",
                )
        values = to_numpy(self.run(*batch_args, verify="never", chunk=chunk).values)
        for i in chosen:
            args = list(self._args)
            for n, array in zip(self.batch_argnums, arrays):
                args[n] = array[i].tolist()
            other = trace(numpy_module(), self._f, args, self.batch_argnums, self._names)
            compare(self._graph, other, i)
            expected, got = other.output.data, float(values[i])
            if not math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12):
                raise DataDependentError(
                    "record",
                    (expected, got),
                    f"the replay gives {got!r} for batch example {i} but the function gives "
                    f"{expected!r}; the graph depends on the data",
                )
        if examples is None:
            self._compare_values(values, arrays, batch)
        self._verified = True

    def _compare_values(self, values: Array, arrays: list[Any], batch: int) -> None:
        """Evaluate the function on (up to VERIFIED_EXAMPLES of) the examples
        with the scalar engine and compare with the replay's values."""
        count = min(batch, VERIFIED_EXAMPLES)
        picked = sorted({round(k * (batch - 1) / max(1, count - 1)) for k in range(count)})
        for i in picked:
            args = list(self._args)
            for n, array in zip(self.batch_argnums, arrays):
                args[n] = _values(array[i].tolist())  # f takes Values, as when recorded
            with no_grad():
                out = self._f(*args)
            expected = out.data if isinstance(out, Value) else float(out)
            got = float(values[i])
            same = math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12) or (
                math.isnan(expected) and math.isnan(got)
            )
            if not same:
                raise DataDependentError(
                    "record",
                    (expected, got),
                    f"the replay gives {got!r} for batch example {i} but the function gives "
                    f"{expected!r}: the graph depends on the data (a Python branch on .data?); "
                    "write the branch with relu, abs or m.where-style rules",
                )

    def run(
        self,
        *batch_args: Any,
        reduce: Reduce = "sum",
        input_grads: bool = False,
        verify: Verify = "first",
        params: Any = None,
        chunk: int | None = None,
    ) -> Replay:
        """Values and gradients over a batch; see :class:`Replay`.

        Args:
            batch_args: one array per per-example argument, batch first:
                NumPy arrays or nested lists (NumPy results), or arrays of
                another array-API library (PyTorch, array-api-strict, ...;
                results of that library, dtype and device; needs the
                ``[arrays]`` extra).
            reduce: the gradients are those of the ``"sum"`` or the ``"mean"``
                of the values over the batch.
            input_grads: also return per-example input gradients.
            verify: re-record on other examples to check that the graph does
                not depend on the data: on the ``"first"`` call, on
                ``"always"``, or ``"never"``.
            params: the parameters' values, one number per entry of
                the recording's ``params`` in that order, used instead of their ``data``
                (which is left alone): a worker holding a recording replays
                with the values it is sent. (``verify`` checks the function
                with the Values' own ``data``.)
            chunk: replay at most this many examples at a time, adding the
                gradients chunk by chunk: the memory of one chunk instead of
                the whole batch, the same results (to rounding).
        """
        if reduce not in ("sum", "mean"):
            raise InvalidInputError("replay", reduce, "reduce must be 'sum' or 'mean'")
        if chunk is not None and (
            isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1
        ):
            raise InvalidInputError("replay", chunk, "chunk must be a positive int (examples)")
        given = self._param_values(params)
        if verify == "always" or (verify == "first" and not self._verified):
            self.verify(*batch_args, chunk=chunk)
        inputs, batch, _, be = self._batch(batch_args)
        program = self._program(input_grads, be)
        shared = program.shared_values(given)
        seed = 1.0 if reduce == "sum" else 1.0 / batch
        size = batch if chunk is None else min(chunk, batch)
        if size == batch:  # one part
            with be.errstate():  # inf derivatives (sqrt at 0) are expected
                values, grads, flat = program.evaluate(inputs, batch, seed, input_grads, shared)
            if flat is None:
                return Replay(values, grads)
            return Replay(values, grads, self._per_input(be, flat, batch))
        parts = []
        with be.errstate():
            for start in range(0, batch, size):
                stop = min(start + size, batch)
                columns = inputs if size == batch else be.columns(inputs, start, stop)
                try:
                    parts.append(program.evaluate(columns, stop - start, seed, input_grads, shared))
                except AutogradError as error:
                    raise _shifted(error, start) from None
        values, grads, flat = parts[0]
        if len(parts) > 1:
            values = be.concat([p[0] for p in parts], axis=0)
            for p in parts[1:]:
                grads = grads + p[1]
            if flat is not None:
                flat = be.concat([p[2] for p in parts], axis=0)
        if flat is None:
            return Replay(values, grads)
        return Replay(values, grads, self._per_input(be, flat, batch))

    def _per_input(self, be: Backend, flat: Array, batch: int) -> tuple[Array, ...]:
        """The input gradients ``(batch, n_inputs)`` split per batch argument."""
        per_input = []
        start = 0
        for shape in self._shapes:
            size = math.prod(shape)
            per_input.append(be.reshape(be.columns(flat, start, start + size), (batch, *shape)))
            start += size
        return tuple(per_input)

    def _param_values(self, params: Any) -> Any:
        """``params=`` as NumPy floats, one per parameter, or ``None``."""
        if params is None:
            return None
        np = numpy_module()
        try:
            values = np.asarray(to_numpy(params) if is_foreign(params) else params, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(
                "replay", params, "params must be numbers, one per parameter (Recording.params)"
            ) from None
        if values.shape != (len(self.params),):
            count = values.size if values.ndim == 1 else f"shape {values.shape}"
            raise InvalidInputError(
                "replay",
                values.shape,
                f"params has {count} values; the recording has {len(self.params)} "
                "parameters (Recording.params: give their values in that order)",
            )
        return values

    def value_and_grad(
        self,
        *batch_args: Any,
        reduce: Reduce = "sum",
        verify: Verify = "first",
        params: Any = None,
        chunk: int | None = None,
    ) -> tuple[Array, Array]:
        """``(values, grads)``: the value for each example, and the gradient of
        their sum (or mean) with respect to ``params``, in order (see :meth:`run`)."""
        result = self.run(*batch_args, reduce=reduce, verify=verify, params=params, chunk=chunk)
        return result.values, result.grads

    def to_torch(self, dtype: Any = None) -> TorchRecording:
        """The recording as a ``torch.nn.Module`` whose ``forward`` is generated,
        readable PyTorch code, one line per node (``module.code``); parameters
        are ``nn.Parameter`` objects named after their labels, float64 unless
        ``dtype`` (a floating-point ``torch.dtype``) says otherwise. See
        :mod:`autograd_scalar.export.recording`; needs the ``torch`` extra."""
        from ..export.recording import to_torch

        title = f"{getattr(self._f, '__name__', 'f')}({', '.join(self._names)})"
        inputs = [self._names[n] for n in self.batch_argnums]
        return to_torch(self._graph, self.params, inputs, self._shapes, dtype, title)

    def backward(
        self,
        *batch_args: Any,
        reduce: Reduce = "mean",
        verify: Verify = "first",
        params: Any = None,
        chunk: int | None = None,
    ) -> float:
        """Add the batch's gradients into each parameter's ``grad`` (as
        ``Value.backward()`` does for leaves) and return the sum or mean of
        the values: a drop-in for a batch loss's ``backward()``."""
        result = self.run(*batch_args, reduce=reduce, verify=verify, params=params, chunk=chunk)
        for p, g in zip(self.params, to_numpy(result.grads).tolist()):
            p.grad += g
        values = to_numpy(result.values)
        total = float(values.sum())
        return total if reduce == "sum" else total / len(values)


_EXAMPLE = re.compile(r", in batch example (\d+)$")


def _shifted(error: AutogradError, offset: int) -> AutogradError:
    """An error of a chunk's replay, naming the example in the whole batch."""
    found = _EXAMPLE.search(error.message)
    if found is None or not offset:
        return error
    message = f"{error.message[: found.start()]}, in batch example {int(found[1]) + offset}"
    return type(error)(error.op, error.value, message, error.label)


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
    names = arg_names(f, len(args))
    graph = trace(numpy_module(), f, args, argnums, names)
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
    _warn_if_slow(graph)
    return Recording(f, args, argnums, names, graph, chosen)


def _warn_if_slow(graph: Graph) -> None:
    """Say once per recording which operations replay example by example."""
    slow = sorted({r.name for r in (node.rule for node in graph.nodes) if r and not r.vectorizes})
    if slow:
        warnings.warn(
            f"{', '.join(slow)}: the forward is written with math on floats, so the replay "
            "applies it example by example, much slower than on arrays. Write it with m "
            "(define_op(name, lambda m, x: ..., ...), using m.exp, m.log, m.where, ...) "
            "to replay it on whole arrays",
            PerformanceWarning,
            stacklevel=3,  # the caller of record()
        )


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


def _finite_examples(arrays: list[Any], batch: int) -> Any:
    """The indices of the examples whose batch inputs are all finite."""
    np = numpy_module()
    ok = np.ones(batch, dtype=bool)
    for array in arrays:
        ok &= np.isfinite(np.reshape(array, (batch, -1))).all(axis=1)
    return np.flatnonzero(ok)
