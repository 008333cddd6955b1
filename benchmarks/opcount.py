"""Counting the NumPy array operations of one step (bench_vectorize.py --ops).

What counts as one operation: a ufunc call (an operator such as ``a + b``, a
function such as ``np.maximum``, a reduction such as ``a.sum()``, a ufunc
method such as ``np.add.reduceat``, ``a @ b``), another NumPy function given
an array (``np.copyto``, ``np.einsum``), a gather by an index array, a write
into an array (``a[rows] += t``, ``a[:] = b``), ``fill``, ``copy``, and the
making of an array (``np.zeros``, ``np.fromiter``). Views (slices, reshapes,
``.T``) are not operations: they move no data.

How: the step's arrays are made :class:`Counted` (an ndarray subclass whose
hooks count, then run plain NumPy), and what they produce stays counted;
arrays made from scratch are counted through a profile hook on NumPy's
built-in functions. A counted step runs slower: count, never time, with it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

_STATE = {"count": 0, "depth": 0, "on": False}


def _plain(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, Counted) else x


def _tick() -> None:
    if _STATE["on"] and _STATE["depth"] == 0:
        _STATE["count"] += 1


@contextmanager
def _inside() -> Iterator[None]:
    _STATE["depth"] += 1
    try:
        yield
    finally:
        _STATE["depth"] -= 1


class Counted(np.ndarray):  # type: ignore[type-arg]
    """An array whose operations are counted (see the module's doc)."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        _tick()
        with _inside():
            if "out" in kwargs:
                kwargs["out"] = tuple(_plain(x) for x in kwargs["out"])
                return getattr(ufunc, method)(*map(_plain, inputs), **kwargs)
            result = getattr(ufunc, method)(*map(_plain, inputs), **kwargs)
        return result.view(Counted) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        _tick()
        with _inside():
            return super().__array_function__(func, types, args, kwargs)

    def __getitem__(self, key: Any) -> Any:
        keys = key if isinstance(key, tuple) else (key,)
        if any(isinstance(k, (np.ndarray, list)) for k in keys):
            _tick()
        with _inside():
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _tick()
        with _inside():
            super().__setitem__(key, value)

    def fill(self, value: Any) -> None:
        _tick()
        super().fill(value)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        _tick()
        with _inside():
            return super().copy(*args, **kwargs)


def counted(a: Any) -> Any:
    """``a`` as a :class:`Counted` view (an array), or ``a`` itself."""
    return a.view(Counted) if isinstance(a, np.ndarray) else a


_MAKERS = {"zeros", "empty", "ones", "fromiter", "array", "asarray", "concatenate"}


def _profile(frame: Any, event: str, arg: Any) -> None:
    if event == "c_call" and getattr(arg, "__name__", None) in _MAKERS:
        module = getattr(arg, "__module__", None) or ""
        if module.startswith("numpy") and _STATE["depth"] == 0:
            _tick()


def count_ops(run: Callable[[], Any]) -> int:
    """The array operations of ``run()`` (on arrays already :func:`counted`)."""
    _STATE.update(count=0, depth=0, on=True)
    sys.setprofile(_profile)
    try:
        run()
    finally:
        sys.setprofile(None)
        _STATE["on"] = False
    return _STATE["count"]
