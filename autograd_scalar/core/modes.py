"""What the engine does with each operation: record it, check it, or neither.

The mode is one small int in a context variable, so one lookup per operation
answers every question, and each thread and asyncio task has its own:

* :data:`RECORD`: build the graph (off under :func:`no_grad`);
* :data:`CHECK`: look for NaN and inf (on under :func:`detect_anomaly`);
* :data:`IEEE`: compute with IEEE-754 semantics instead of raising (set while
  the backward pass records its own graph, where ``1/0`` is the ``inf`` of an
  unbounded derivative, not a mistake of the user's).

A mode other than plain :data:`RECORD` sends ``+`` and ``*`` down the general
path of :func:`autograd_scalar.core.apply.apply`.

Comparisons of Values (``v > 0``) call the *comparison hook* when one is set
(:func:`watching_comparisons`): that is how recording a function for replay
refuses a Python branch on the data without the engine knowing about replay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "CHECK",
    "IEEE",
    "MODE",
    "RECORD",
    "ComparisonHook",
    "comparison_hook",
    "detect_anomaly",
    "enable_grad",
    "ieee_arithmetic",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "watching_comparisons",
]

#: The mode bit on while operations build the graph (cleared by :func:`no_grad`).
RECORD = 1
#: The mode bit on while operations look for NaN and inf (set by :func:`detect_anomaly`).
CHECK = 2
#: The mode bit on while operations compute with IEEE-754 semantics instead of raising.
IEEE = 4

#: The current mode bits (see the module docstring).
MODE: ContextVar[int] = ContextVar("autograd_scalar_mode", default=RECORD)

#: ``hook(op, left, right)``, called before a comparison of Values is answered.
ComparisonHook = Callable[[str, Any, Any], None]
_COMPARISON_HOOK: ContextVar[ComparisonHook | None] = ContextVar(
    "autograd_scalar_comparison_hook", default=None
)
comparison_hook = _COMPARISON_HOOK.get


@contextmanager
def _mode(set_bits: int = 0, clear_bits: int = 0) -> Iterator[None]:
    token = MODE.set((MODE.get() | set_bits) & ~clear_bits)
    try:
        yield
    finally:
        MODE.reset(token)


def no_grad() -> AbstractContextManager[None]:
    """Within this block operations build no graph: results are leaves.

    Thread- and task-safe (a context variable), and nestable.

    >>> from autograd_scalar import Value
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.is_leaf
    True
    """
    return _mode(clear_bits=RECORD)


def enable_grad() -> AbstractContextManager[None]:
    """Record the graph again inside a :func:`no_grad` block."""
    return _mode(set_bits=RECORD)


def detect_anomaly() -> AbstractContextManager[None]:
    """Check every result and gradient for NaN and inf inside this block.

    The first node that produces one raises
    :class:`~autograd_scalar.core.errors.NonFiniteError`, naming the node
    (label, op) and its inputs' values: in the forward pass, the operation
    whose result is not finite; in ``backward()``, the node whose gradient
    became non-finite and the node it came through. Costs time, so it is off
    by default.
    """
    return _mode(set_bits=CHECK)


def ieee_arithmetic() -> AbstractContextManager[None]:
    """Record, and compute with IEEE-754 semantics: ``x / 0`` is ``±inf`` and
    ``log(0)`` is ``-inf`` instead of an error (for the backward pass's own
    graph, where they are unbounded derivatives)."""
    return _mode(set_bits=RECORD | IEEE)


@contextmanager
def watching_comparisons(hook: ComparisonHook) -> Iterator[None]:
    """Call ``hook(op, left, right)`` before answering any comparison of
    Values in this block; the hook may raise to refuse it."""
    token = _COMPARISON_HOOK.set(hook)
    try:
        yield
    finally:
        _COMPARISON_HOOK.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph."""
    return bool(MODE.get() & RECORD)


def is_anomaly_enabled() -> bool:
    """Whether :func:`detect_anomaly` is active."""
    return bool(MODE.get() & CHECK)
