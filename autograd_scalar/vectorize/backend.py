"""Where the replay's array calls go: NumPy, or any array-API library.

The steps (:mod:`.steps`) compute with the operators and the functions of
the array API standard (``+``, ``*``, ``@``, ``.T``, and the rules' own
``m``). Everything else, the calls the standard does not have or does not
have in one form, goes through one :class:`Backend`:

* reading rows: ``a[rows]`` (NumPy), ``a[rows, ...]`` or
  ``xp.take(a, rows, axis=0)`` (the standard has no integer-array row index
  on a 2-D array);
* writing rows, the only in-place operations of the replay:

  - :meth:`Backend.write`: a value into a block of rows (``np.copyto``);
  - :meth:`Backend.commit`: a block computed with ``out=`` (NumPy: already
    there, nothing to do; elsewhere the block is written into the rows);
  - :meth:`Backend.add_rows`: ``a[rows] += term`` for distinct rows;

  ``store`` is a list ``[u, v]`` (see :data:`.steps.Store`), so a backend
  whose arrays cannot be written in place (JAX) puts a new array in the
  list instead;
* ``out=``: ``Backend.add``, ``Backend.multiply`` and ``Backend.matmul`` take an
  ``out`` block that NumPy writes into and other libraries ignore (their
  result is then committed);
* sums: over the batch (:meth:`~Backend.batch_sum`), over repeated tiles of
  rows (:meth:`~Backend.tile_sum`), over runs of equal rows
  (:meth:`~Backend.segment_sum`, NumPy's ``np.add.reduceat``), and
  ``Σ_batch a·b`` per row (:meth:`~Backend.row_dot`, NumPy's ``np.einsum``);
* checks: :meth:`~Backend.all_finite` and :meth:`~Backend.any` as Python
  bools, and :meth:`~Backend.errstate` around a replay (NumPy's
  ``np.errstate``: infinite derivatives are expected);
* :meth:`~Backend.port`: a compiled step made for another library. Plans are
  always compiled with NumPy (their index arrays are NumPy arrays); a
  backend converts them once per program.

Two implementations. :class:`NumpyBackend` makes exactly the calls the
replay made before backends existed (the default, and the fast path).
:class:`ArrayAPIBackend` runs on any namespace that
``array_api_compat.array_namespace`` returns (PyTorch, array-api-strict,
CuPy, JAX in principle), in the arrays' floating dtype and on their device:

* it writes in place only where the standard allows it (slices of a
  writeable array; integer-array rows for PyTorch and CuPy, which support
  them); otherwise a write builds a new array (a gather from the old rows
  and the new block), so immutable arrays (JAX) can work too, more slowly
  (the tests run this path on array-api-strict arrays taken as immutable;
  JAX itself is not among the tested libraries);
* runs of equal rows are summed by one gather into a ``(rows, longest run,
  batch)`` block, padded with zeros, and one sum;
* the error search (which example is outside a rule's domain) and rules
  written with ``math`` (applied example by example) run on NumPy copies.

Besides those rare paths, only the uniform column goes through NumPy (the
shared leaves' values in, the parameters' gradients out: one number per
leaf); the per-example blocks and every step's work stay in the input's
library. The NumPy-only ``out=`` forms of the rules (:func:`.steps.in_place`,
which needs ufuncs) are dropped by :meth:`~ArrayAPIBackend.port`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import operator
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from ..core.errors import InvalidInputError
from ..core.maths import Maths

__all__ = [
    "ArrayAPIBackend",
    "Backend",
    "NumpyBackend",
    "Segments",
    "backend_for",
    "is_foreign",
    "numpy_backend",
    "numpy_math",
    "numpy_module",
    "to_numpy",
]

_COMPAT = (
    "replaying on arrays other than NumPy's needs array-api-compat: "
    'pip install "autograd_scalar[arrays]"'
)


class Backend:
    """The calls of :mod:`.steps` and :mod:`.program` outside the array API
    standard's operators (see the module docstring for each one's contract).

    Attributes:
        name: the library (``"numpy"``, ``"torch"``, ...).
        key: what tells programs apart: one per library, dtype and device.
        xp: the array namespace.
        m: the rules' ``m`` on this library's arrays.
        add, multiply, matmul: ``f(a, b, out=block)``; the result, which is
            ``block`` for NumPy.
    """

    name: str
    key: tuple[str, ...]
    xp: Any
    m: Maths
    add: Callable[..., Any]
    multiply: Callable[..., Any]
    matmul: Callable[..., Any]
    #: ``rows(a, index)``: rows ``index`` (a slice or an index array) of the 2-D ``a``.
    rows: Callable[[Any, Any], Any]

    def reshape(self, a: Any, shape: tuple[int, ...]) -> Any:
        """``a`` with another shape (``-1``: what the size leaves)."""
        raise NotImplementedError

    def shape(self, x: Any) -> tuple[int, ...]:
        """The shape of an array, ``()`` of a Python number."""
        raise NotImplementedError

    # ---- writing (``store``: the list [u, v] of a step's arrays)
    def write(self, store: list[Any], kind: int, rows: Any, out: Any, value: Any) -> Any:
        """Write ``value`` (broadcast) into ``store[kind]``'s rows ``rows``,
        whose current block is ``out``; return the block written."""
        raise NotImplementedError

    def commit(self, store: list[Any], kind: int, rows: Any, block: Any) -> None:
        """Store ``block``, computed by ``add``, ``multiply`` or ``matmul`` with
        ``out=`` the rows' block (any shape of the same size)."""
        raise NotImplementedError

    def add_rows(self, store: list[Any], kind: int, rows: Any, term: Any) -> None:
        """``store[kind][rows] += term``; the rows are distinct."""
        raise NotImplementedError

    # ---- sums
    def batch_sum(self, term: Any) -> Any:
        """Σ over the batch (axis 1), keeping the axis."""
        raise NotImplementedError

    def tile_sum(self, term: Any, tiles: int) -> Any:
        """Σ of the ``tiles`` consecutive blocks of rows of ``term``."""
        raise NotImplementedError

    def segment_sum(self, term: Any, perm: Any, starts: Any) -> Any:
        """Σ of each run of rows, ``term[perm]`` being in runs that begin at
        ``starts`` (as :meth:`port` left them)."""
        raise NotImplementedError

    def row_dot(self, a: Any, b: Any) -> Any:
        """``Σ_batch a·b`` per row, as a column."""
        raise NotImplementedError

    # ---- checks
    def all_finite(self, block: Any) -> bool:
        """Whether every number of ``block`` is finite."""
        raise NotImplementedError

    def any(self, where: Any) -> bool:
        """Whether ``where`` (a boolean array, or a bool) holds anywhere."""
        raise NotImplementedError

    def errstate(self) -> contextlib.AbstractContextManager[Any]:
        """The context a replay runs in (IEEE results, no warnings)."""
        raise NotImplementedError

    # ---- programs
    def port(self, step: Any) -> Any:
        """A step compiled with NumPy, made to run on this backend. A field
        with a ``ported(backend)`` method (:class:`.steps.Scatter`) ports itself."""
        raise NotImplementedError

    def segments(self, perm: Any, starts: Any) -> Any:
        """A scatter plan's runs of equal rows (NumPy's ``perm`` and ``starts``,
        as :meth:`segment_sum` reads them) in this backend's form."""
        raise NotImplementedError

    def asarray(self, data: Any) -> Any:
        """Numbers (nested lists, a NumPy array) as a float array here."""
        raise NotImplementedError

    def empty(self, shape: tuple[int, int]) -> Any:
        """A float array of this shape, to be written."""
        raise NotImplementedError

    def zeros(self, shape: tuple[int, int]) -> Any:
        """A float array of zeros."""
        raise NotImplementedError

    def zeroed(self, a: Any) -> Any:
        """``a``, or an array like it, filled with zeros."""
        raise NotImplementedError

    def load_uniform(self, u: Any, constants: Any, rows: Any, values: Any) -> Any:
        """The uniform column: ``constants`` (a NumPy column) with
        ``values`` (NumPy floats) in rows ``rows`` (a slice, an index
        array, or ``None`` for none); returns it."""
        raise NotImplementedError

    def row_copy(self, a: Any, row: int) -> Any:
        """Row ``row`` of ``a``, a 1-D copy."""
        raise NotImplementedError

    def full(self, n: int, a: Any, row: int) -> Any:
        """``n`` copies of ``a[row, 0]``, 1-D."""
        raise NotImplementedError

    def gather(self, column: Any, rows: Any, mask: Any, every: Any) -> Any:
        """``column[rows, 0]`` where ``mask`` (NumPy), else 0: 1-D. ``every``:
        the same rows as a slice or index array when ``mask`` holds
        everywhere (one read), else ``None``."""
        raise NotImplementedError

    def transposed_head(self, a: Any, n: int) -> Any:
        """A copy of ``a[:n].T``."""
        raise NotImplementedError

    def concat(self, arrays: Sequence[Any], axis: int) -> Any:
        """The arrays joined along ``axis``."""
        raise NotImplementedError

    def columns(self, a: Any, start: int, stop: int) -> Any:
        """Columns ``start:stop`` of the 2-D ``a``."""
        raise NotImplementedError

    def input(self, data: Any, name: str) -> Any:
        """A batch argument as a float array of this backend; raises
        :class:`InvalidInputError` for anything else."""
        raise NotImplementedError


# ---------------------------------------------------------------- NumPy
class NumpyBackend(Backend):
    """Today's NumPy calls, unchanged: views and ``out=`` write in place."""

    def __init__(self, np: Any, m: Maths) -> None:
        self.np = np
        self.xp = np
        self.m = m
        self.name = "numpy"
        self.key = ("numpy",)
        self.add = np.add
        self.multiply = np.multiply
        self.matmul = np.matmul
        self.rows = operator.getitem  # a[rows], without a Python frame

    def reshape(self, a: Any, shape: tuple[int, ...]) -> Any:
        return a.reshape(shape)

    def shape(self, x: Any) -> tuple[int, ...]:
        shape: tuple[int, ...] = self.np.shape(x)
        return shape

    def write(self, store: list[Any], kind: int, rows: Any, out: Any, value: Any) -> Any:
        self.np.copyto(out, value)
        return out

    def commit(self, store: list[Any], kind: int, rows: Any, block: Any) -> None:
        pass  # out= wrote it

    def add_rows(self, store: list[Any], kind: int, rows: Any, term: Any) -> None:
        store[kind][rows] += term

    def batch_sum(self, term: Any) -> Any:
        return term.sum(axis=1, keepdims=True)

    def tile_sum(self, term: Any, tiles: int) -> Any:
        return term.reshape(tiles, -1, term.shape[1]).sum(axis=0)

    def segment_sum(self, term: Any, perm: Any, starts: Any) -> Any:
        return self.np.add.reduceat(term[perm], starts, axis=0)

    def row_dot(self, a: Any, b: Any) -> Any:
        # Σ over the batch of a · b, without the product's block
        return self.np.einsum("ij,ij->i", a, b)[:, None]

    def all_finite(self, block: Any) -> bool:
        """One pass, no temporary (NaN or inf anywhere makes the sum
        non-finite; a finite sum that overflows only costs the full check)."""
        return math.isfinite(block.sum())

    def any(self, where: Any) -> bool:
        return bool(self.np.any(where))

    def errstate(self) -> contextlib.AbstractContextManager[Any]:
        errstate: contextlib.AbstractContextManager[Any] = self.np.errstate(all="ignore")
        return errstate

    def port(self, step: Any) -> Any:
        return step

    def asarray(self, data: Any) -> Any:
        return self.np.asarray(data, dtype=float)

    def empty(self, shape: tuple[int, int]) -> Any:
        return self.np.empty(shape)

    def zeros(self, shape: tuple[int, int]) -> Any:
        return self.np.zeros(shape)

    def zeroed(self, a: Any) -> Any:
        a.fill(0.0)
        return a

    def load_uniform(self, u: Any, constants: Any, rows: Any, values: Any) -> Any:
        self.np.copyto(u, constants)
        if rows is not None:
            u[rows, 0] = values
        return u

    def row_copy(self, a: Any, row: int) -> Any:
        return a[row].copy()

    def full(self, n: int, a: Any, row: int) -> Any:
        return self.np.full(n, a[row, 0])

    def gather(self, column: Any, rows: Any, mask: Any, every: Any) -> Any:
        if every is not None:
            out = column[every, 0]
            return out.copy() if isinstance(every, slice) else out  # a view: copy it out
        out = self.np.zeros(len(rows))
        out[mask] = column[rows[mask], 0]
        return out

    def transposed_head(self, a: Any, n: int) -> Any:
        return a[:n].T.copy()

    def concat(self, arrays: Sequence[Any], axis: int) -> Any:
        return self.np.concatenate(arrays, axis=axis)

    def columns(self, a: Any, start: int, stop: int) -> Any:
        return a[:, start:stop]

    def input(self, data: Any, name: str) -> Any:
        try:
            return self.np.asarray(data, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(
                "replay", data, f"batch argument {name!r} must be an array of numbers"
            ) from None


# ------------------------------------------------------------ NumPy
_EXTRA = 'autograd_scalar.vectorize needs NumPy: pip install "autograd_scalar[vectorize]"'


def numpy_module() -> ModuleType:
    """NumPy, imported on first use so that the core never needs it."""
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - numpy is installed in CI
        raise ImportError(_EXTRA) from exc
    return numpy


_NUMPY_MATH: list[Maths] = []


def numpy_math() -> Maths:
    """The ``m`` of :mod:`autograd_scalar.core.maths` on NumPy arrays.

    IEEE-754 like :data:`~autograd_scalar.core.maths.IEEE_MATH` (run it under
    ``np.errstate(all="ignore")``), with NaN propagating through ``step``
    and ``sign`` as it does on floats."""
    if not _NUMPY_MATH:
        np = numpy_module()
        _NUMPY_MATH.append(
            Maths(
                exp=np.exp,
                log=np.log,
                sqrt=np.sqrt,
                tanh=np.tanh,
                sin=np.sin,
                cos=np.cos,
                abs=np.abs,
                pow=np.power,
                maximum=np.maximum,
                step=_step_of(np),
                sign=np.sign,
                where=np.where,
                isinf=np.isinf,
                floor=np.floor,
            )
        )
    return _NUMPY_MATH[0]


def _step_of(np: ModuleType) -> Callable[[Any], Any]:
    """The derivative of relu: 1 for x > 0, 0 for x ≤ 0, NaN for NaN, like
    the float ``step``, as ceil(clip(x, 0, 1)): two fast ufuncs, the second
    in place (``np.heaviside`` computes the same, many times slower, and
    ``np.sign`` is several times slower than these two). At x = -0.0 it is
    -0.0, which equals 0 and, added into a gradient, changes nothing."""

    clip = _clip_ufunc(np)

    def step(x: Any) -> Any:
        t = clip(x, 0.0, 1.0)
        if not isinstance(t, np.ndarray):  # a scalar operand
            return np.heaviside(x, 0.0)
        return np.ceil(t, out=t)

    return step


def _clip_ufunc(np: ModuleType) -> Any:
    """The ufunc behind ``np.clip``: the same numbers, without the Python
    wrapper that costs twice the ufunc's own time on a small block."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    clip = getattr(getattr(core, "umath", None), "clip", None)
    return clip if isinstance(clip, np.ufunc) else np.clip


_NUMPY: list[NumpyBackend] = []


def numpy_backend() -> NumpyBackend:
    """The NumPy backend (NumPy imported on first use)."""
    if not _NUMPY:
        _NUMPY.append(NumpyBackend(numpy_module(), numpy_math()))
    return _NUMPY[0]


def to_numpy(a: Any) -> Any:
    """A NumPy array of the same numbers (a view where the library allows it)."""
    np = numpy_module()
    if isinstance(a, np.ndarray):
        return a
    try:
        return np.from_dlpack(a)
    except (TypeError, RuntimeError, BufferError, AttributeError, ValueError):
        pass
    for host in ("cpu", "get"):  # a GPU array: PyTorch's .cpu(), CuPy's .get()
        if callable(getattr(a, host, None)):
            a = getattr(a, host)()
            break
    return np.asarray(a)


# ---------------------------------------------------------------- array API
def _compat() -> Any:
    try:
        import array_api_compat
    except ImportError as exc:
        raise ImportError(_COMPAT) from exc
    return array_api_compat


def array_math(xp: Any, dtype: Any, device: Any) -> Maths:
    """The rules' ``m`` on the arrays of namespace ``xp`` (like
    :func:`numpy_math`): Python numbers given to a two-operand
    function become 0-d arrays of the other operand's dtype."""

    def lift(value: Any, like: Any) -> Any:
        if hasattr(value, "shape"):
            return value
        kind = getattr(like, "dtype", None)
        floating = kind is not None and xp.isdtype(kind, "real floating")
        return xp.asarray(value, dtype=kind if floating else dtype, device=device)

    def two(f: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        return lambda a, b: f(lift(a, b), lift(b, a))

    def where(condition: Any, a: Any, b: Any) -> Any:
        return xp.where(condition, lift(a, b), lift(b, a))

    def step(x: Any) -> Any:
        # the derivative of relu, NaN for NaN: ceil(clip(x, 0, 1)), as on NumPy
        return xp.ceil(xp.clip(x, 0.0, 1.0))

    return Maths(
        exp=xp.exp,
        log=xp.log,
        sqrt=xp.sqrt,
        tanh=xp.tanh,
        sin=xp.sin,
        cos=xp.cos,
        abs=xp.abs,
        pow=two(xp.pow),
        maximum=two(xp.maximum),
        step=step,
        sign=xp.sign,
        where=where,
        isinf=xp.isinf,
        floor=xp.floor,
    )


@dataclasses.dataclass(frozen=True)
class Segments:
    """A scatter plan's runs of equal rows, for a library without
    ``reduceat``: ``index`` (flat, ``(runs, width)``) into the terms with one
    zero row appended, so each run is a gather and a sum
    (:meth:`ArrayAPIBackend.segment_sum`)."""

    index: Any
    runs: int
    width: int


class ArrayAPIBackend(Backend):
    """The replay on any array-API namespace, in one dtype, on one device."""

    def __init__(self, xp: Any, dtype: Any, device: Any, name: str) -> None:
        compat = _compat()
        self.xp = xp
        self.dtype = dtype
        self.device = device
        self.name = name
        self.m = array_math(xp, dtype, device)
        probe = xp.zeros((1, 1), dtype=dtype, device=device)
        self.writeable = bool(compat.is_writeable_array(probe))
        self.key = (name, str(dtype), str(device), "in place" if self.writeable else "copies")
        # integer-array row writes in place, where the library has them
        self.fancy = self.writeable and bool(
            compat.is_torch_namespace(xp) or compat.is_cupy_namespace(xp)
        )
        self._sources: dict[int, tuple[Any, int, Any]] = {}
        self.add = self._add
        self.multiply = self._multiply
        self.matmul = self._matmul
        self.rows = self._rows

    def _add(self, a: Any, b: Any, out: Any = None) -> Any:
        return a + b

    def _multiply(self, a: Any, b: Any, out: Any = None) -> Any:
        return a * b

    def _matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        return a @ b

    # ---- reading
    def _rows(self, a: Any, rows: Any) -> Any:
        if isinstance(rows, slice):
            return a[rows, ...]
        return self.xp.take(a, rows, axis=0)

    def reshape(self, a: Any, shape: tuple[int, ...]) -> Any:
        return self.xp.reshape(a, shape)

    def shape(self, x: Any) -> tuple[int, ...]:
        return tuple(getattr(x, "shape", ()))

    # ---- writing
    def _set(self, a: Any, rows: Any, block: Any) -> Any:
        xp = self.xp
        if getattr(block, "ndim", 2) != 2:
            block = xp.reshape(block, (-1, a.shape[1]))
        if self.writeable and (isinstance(rows, slice) or self.fancy):
            a[rows, ...] = block
            return a
        count = len(range(*rows.indices(a.shape[0]))) if isinstance(rows, slice) else rows.shape[0]
        block = xp.broadcast_to(block, (count, a.shape[1]))
        return xp.take(xp.concat([a, block], axis=0), self._source(a.shape[0], rows), axis=0)

    def _source(self, n: int, rows: Any) -> Any:
        """For each of ``n`` rows, where it comes from in ``concat([a, block])``."""
        cached = self._sources.get(id(rows))
        if cached is not None and cached[0] is rows and cached[1] == n:
            return cached[2]
        np = numpy_module()
        written = np.arange(n)[rows] if isinstance(rows, slice) else to_numpy(rows)
        source = np.arange(n)
        source[written] = n + np.arange(len(written))
        index = self.xp.asarray(source, device=self.device)
        self._sources[id(rows)] = (rows, n, index)
        return index

    def write(self, store: list[Any], kind: int, rows: Any, out: Any, value: Any) -> Any:
        xp = self.xp
        if not hasattr(value, "shape"):
            value = xp.asarray(value, dtype=self.dtype, device=self.device)
        block = xp.broadcast_to(value, out.shape)
        if block.dtype != self.dtype:
            block = xp.astype(block, self.dtype)
        store[kind] = self._set(store[kind], rows, block)
        return block

    def commit(self, store: list[Any], kind: int, rows: Any, block: Any) -> None:
        store[kind] = self._set(store[kind], rows, block)

    def add_rows(self, store: list[Any], kind: int, rows: Any, term: Any) -> None:
        a = store[kind]
        store[kind] = self._set(a, rows, self.rows(a, rows) + term)

    # ---- sums
    def batch_sum(self, term: Any) -> Any:
        return self.xp.sum(term, axis=1, keepdims=True)

    def tile_sum(self, term: Any, tiles: int) -> Any:
        xp = self.xp
        return xp.sum(xp.reshape(term, (tiles, -1, term.shape[1])), axis=0)

    def segment_sum(self, term: Any, perm: Any, starts: Any) -> Any:
        xp = self.xp
        batch = term.shape[1]
        padded = xp.concat([term, xp.zeros((1, batch), dtype=term.dtype, device=self.device)])
        gathered = xp.take(padded, perm.index, axis=0)
        return xp.sum(xp.reshape(gathered, (perm.runs, perm.width, batch)), axis=1)

    def row_dot(self, a: Any, b: Any) -> Any:
        return self.xp.sum(a * b, axis=1, keepdims=True)

    # ---- checks
    def all_finite(self, block: Any) -> bool:
        return bool(self.xp.isfinite(self.xp.sum(block)))

    def any(self, where: Any) -> bool:
        if not hasattr(where, "shape"):
            return bool(where)
        return bool(self.xp.any(where))

    def errstate(self) -> contextlib.AbstractContextManager[Any]:
        # NumPy's, for the libraries that compute with NumPy (array-api-strict)
        errstate: contextlib.AbstractContextManager[Any] = numpy_module().errstate(all="ignore")
        return errstate

    # ---- programs
    def port(self, step: Any) -> Any:
        return self._port(step)

    def _port(self, value: Any) -> Any:
        np = numpy_module()
        if isinstance(value, np.ndarray):
            return self.xp.asarray(value, device=self.device)
        if isinstance(value, tuple):
            return tuple(self._port(v) for v in value)
        ported = getattr(value, "ported", None)
        if ported is not None:  # a plan that knows its own form (steps.Scatter)
            return ported(self)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self._port(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.name != "rule"
            }
            if "write" in changes:
                changes["write"] = None  # NumPy's out= forms
            return dataclasses.replace(value, **changes)
        return value

    def segments(self, perm: Any, starts: Any) -> Segments:
        """The runs of ``perm`` (equal rows together, starting at ``starts``) as
        one padded index: a gather and a sum per run, with no ``reduceat``."""
        np = numpy_module()
        ends = np.append(starts[1:], len(perm))
        lengths = ends - starts
        width = int(lengths.max())
        index = np.full((len(starts), width), len(perm), dtype=np.intp)
        for r, (s, n) in enumerate(zip(starts.tolist(), lengths.tolist())):
            index[r, :n] = perm[s : s + n]
        return Segments(self.xp.asarray(index.ravel(), device=self.device), len(starts), width)

    def asarray(self, data: Any) -> Any:
        return self.xp.asarray(data, dtype=self.dtype, device=self.device)

    def empty(self, shape: tuple[int, int]) -> Any:
        return self.xp.empty(shape, dtype=self.dtype, device=self.device)

    def zeros(self, shape: tuple[int, int]) -> Any:
        return self.xp.zeros(shape, dtype=self.dtype, device=self.device)

    def zeroed(self, a: Any) -> Any:
        return self.xp.zeros(a.shape, dtype=self.dtype, device=self.device)

    def load_uniform(self, u: Any, constants: Any, rows: Any, values: Any) -> Any:
        column = constants.copy()
        if rows is not None:
            column[rows, 0] = values
        return self.asarray(column)

    def row_copy(self, a: Any, row: int) -> Any:
        return self.xp.asarray(a[row, :], copy=True)

    def full(self, n: int, a: Any, row: int) -> Any:
        return self.xp.broadcast_to(a[row, :], (n,)) * 1.0

    def gather(self, column: Any, rows: Any, mask: Any, every: Any) -> Any:
        np = numpy_module()
        values = np.zeros(len(rows))
        values[mask] = to_numpy(column)[rows[mask], 0]
        return self.asarray(values)

    def transposed_head(self, a: Any, n: int) -> Any:
        return self.xp.asarray(a[:n, :].T, copy=True)

    def concat(self, arrays: Sequence[Any], axis: int) -> Any:
        return self.xp.concat(list(arrays), axis=axis)

    def columns(self, a: Any, start: int, stop: int) -> Any:
        return a[:, start:stop]

    def input(self, data: Any, name: str) -> Any:
        xp = self.xp
        try:
            array = xp.asarray(data, device=self.device)
        except (TypeError, ValueError, RuntimeError):
            raise InvalidInputError(
                "replay", data, f"batch argument {name!r} must be an array of numbers"
            ) from None
        if not xp.isdtype(array.dtype, "real floating"):
            raise _not_floating(array.dtype, f"batch argument {name!r}")
        if array.dtype != self.dtype:
            array = xp.astype(array, self.dtype)
        return array


def _not_floating(dtype: Any, what: str) -> InvalidInputError:
    """The error for a batch argument (``what``) whose dtype is not real floating."""
    return InvalidInputError(
        "replay",
        dtype,
        f"{what} has dtype {dtype}; the replay computes with real floating-point numbers: "
        "convert it (float64 for the engine's precision)",
    )


_BACKENDS: dict[tuple[str, ...], ArrayAPIBackend] = {}


def is_foreign(value: Any) -> bool:
    """Whether ``value`` is an array of a library other than NumPy that the
    array API covers (PyTorch, CuPy, JAX, array-api-strict, ...). Lists,
    numbers, NumPy arrays and other objects (a pandas Series, a Dask array)
    take the NumPy path, converted with ``np.asarray``."""
    kind = type(value)
    library = kind.__module__.partition(".")[0]
    if library in ("numpy", "dask", "builtins", "pandas"):
        return False
    return library in ("torch", "cupy", "jax", "jaxlib") or hasattr(kind, "__array_namespace__")


def backend_for(arrays: Sequence[Any]) -> Backend:
    """The backend for a replay's batch arguments: NumPy's unless one of
    them is another library's array (see :func:`is_foreign`); then every
    array must be of that library, on one device, with a floating dtype."""
    foreign = [a for a in arrays if is_foreign(a)]
    if not foreign:
        return numpy_backend()
    compat = _compat()
    libraries = sorted(
        {type(a).__module__.partition(".")[0] for a in arrays if hasattr(a, "shape")}
    )
    try:
        xp = compat.array_namespace(*foreign)
    except TypeError:
        xp = None
    if xp is None or len(libraries) > 1:
        raise InvalidInputError(
            "replay",
            libraries,
            f"the batch arguments mix array libraries ({', '.join(libraries)}); give them all "
            "as arrays of one library (values and gradients come back in it)",
        )
    devices = {str(compat.device(a)) for a in foreign}
    if len(devices) > 1:
        raise InvalidInputError(
            "replay",
            sorted(devices),
            f"the batch arguments are on several devices ({', '.join(sorted(devices))}); "
            "move them to one",
        )
    for a in foreign:
        if not xp.isdtype(a.dtype, "real floating"):
            raise _not_floating(a.dtype, "a batch argument")
    dtype = xp.result_type(*(a.dtype for a in foreign))
    device = compat.device(foreign[0])
    name = libraries[0] if libraries else getattr(xp, "__name__", "array")
    key = (name, str(dtype), str(device), str(bool(compat.is_writeable_array(foreign[0]))))
    backend = _BACKENDS.get(key)
    if backend is None or backend.xp is not xp:
        backend = _BACKENDS[key] = ArrayAPIBackend(xp, dtype, device, name)
    return backend
