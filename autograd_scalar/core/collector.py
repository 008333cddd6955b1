"""Keeping Python's cyclic garbage collector out of a training loop: :func:`hold_collector`.

Reference counting frees a graph of :class:`~autograd_scalar.core.value.Value`
nodes as soon as it is dropped: the engine makes no reference cycles (except
``backward(create_graph=True)``, see there). The cyclic collector has nothing
to find in our graphs, yet it runs anyway: it starts a collection of the young
objects every 700 new container objects (Python's default), and a graph of
tens of thousands of nodes is tens of thousands of them. Each collection
traverses the live nodes, moves them to older generations, and now and then a
full collection traverses every live object of the process, so the cost grows
with whatever else the process holds (a big import, a dataset). In a training
step of a small MLP that is about a quarter of the time.

:func:`hold_collector` raises the threshold of the youngest generation (to
:data:`HELD_THRESHOLD` new container objects, net of those freed) while a
block runs, and puts the thresholds back when it ends. The collector stays
on: a step's graph is built and freed within the threshold, so no collection
starts; cycles of your own are still found, later (by the first collection
after the block, or during it once that many objects pile up).

:func:`autograd_scalar.fit` (so the demo) and :func:`autograd_scalar.vectorize.record`
hold the collector while they run. In a loop of your own:

>>> import gc
>>> from autograd_scalar import Value, hold_collector
>>> before = gc.get_threshold()
>>> w = Value(0.5)
>>> with hold_collector():
...     for step in range(3):
...         loss = (w * w + w).relu()
...         loss.backward()
...         w.data -= 0.1 * w.grad
...         w.grad = 0.0
>>> gc.get_threshold() == before
True

The thresholds are one setting of the whole process, so the holding is
counted for the whole process, not per thread: the first block to enter
saves them, the last one to leave (in whatever order, from whatever thread)
restores them, also when an exception leaves the block. Nested blocks do
nothing more. If you change the thresholds yourself inside the block
(``gc.set_threshold``), yours are kept. The collector's enabled state
(``gc.disable()``) and ``gc.freeze()`` are never touched.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["HELD_THRESHOLD", "hold_collector", "is_collector_held"]

#: The youngest generation's threshold while the collector is held: more than
#: the nodes of a typical training step's graph (Python's default is 700).
HELD_THRESHOLD = 100_000

_lock = threading.Lock()
_depth = 0  # blocks inside hold_collector(), in every thread
_saved: tuple[int, int, int] | None = None  # the thresholds to put back
_held: tuple[int, int, int] | None = None  # the thresholds set while held


@contextmanager
def hold_collector() -> Iterator[None]:
    """Within this block the cyclic garbage collector starts no collection
    before :data:`HELD_THRESHOLD` new container objects (see the module
    docstring); the thresholds are restored when the outermost block ends.

    A threshold of 0 (automatic collection off) or already above
    :data:`HELD_THRESHOLD` is left as it is.
    """
    _enter()
    try:
        yield
    finally:
        _leave()


def is_collector_held() -> bool:
    """Whether some block (in any thread) is inside :func:`hold_collector`."""
    return _depth > 0


def _enter() -> None:
    global _depth, _saved, _held
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            first, second, third = _saved
            if 0 < first < HELD_THRESHOLD:
                gc.set_threshold(HELD_THRESHOLD, second, third)
            _held = gc.get_threshold()
        _depth += 1


def _leave() -> None:
    global _depth, _saved, _held
    with _lock:
        _depth -= 1
        if _depth == 0:
            # Someone who set thresholds of their own inside the block keeps them.
            if _saved is not None and gc.get_threshold() == _held:
                gc.set_threshold(*_saved)
            _saved = _held = None
