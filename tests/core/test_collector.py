"""hold_collector: the cyclic collector kept out of a loop, and put back exactly."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from autograd_scalar import Value, hold_collector
from autograd_scalar.core import collector
from autograd_scalar.core.collector import HELD_THRESHOLD, is_collector_held


@pytest.fixture(autouse=True)
def default_collector() -> Iterator[None]:
    """Each test starts and ends with the collector as Python sets it."""
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    yield
    gc.set_threshold(*saved)
    (gc.enable if enabled else gc.disable)()
    assert not is_collector_held()


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def cycle() -> weakref.ref[Cycle]:
    return weakref.ref(Cycle())


def test_holding_raises_the_first_threshold_and_restores_all_three() -> None:
    gc.set_threshold(500, 7, 3)
    with hold_collector():
        assert gc.get_threshold() == (HELD_THRESHOLD, 7, 3)
        assert gc.isenabled()
        assert is_collector_held()
    assert gc.get_threshold() == (500, 7, 3)
    assert gc.isenabled()


def test_nested_blocks_restore_once_the_outermost_ends() -> None:
    with hold_collector():
        with hold_collector():
            assert gc.get_threshold()[0] == HELD_THRESHOLD
        assert gc.get_threshold()[0] == HELD_THRESHOLD
    assert gc.get_threshold() == (700, 10, 10)


def test_an_exception_restores_the_thresholds() -> None:
    with pytest.raises(ZeroDivisionError), hold_collector(), hold_collector():
        1 / 0  # noqa: B018
    assert gc.get_threshold() == (700, 10, 10)
    assert not is_collector_held()


def test_disabled_or_higher_thresholds_are_left_alone() -> None:
    gc.set_threshold(0)
    with hold_collector():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
    gc.set_threshold(10 * HELD_THRESHOLD, 10, 10)
    with hold_collector():
        assert gc.get_threshold()[0] == 10 * HELD_THRESHOLD
    gc.set_threshold(700, 10, 10)
    gc.disable()
    with hold_collector():
        assert not gc.isenabled()
    assert not gc.isenabled() and gc.get_threshold() == (700, 10, 10)


def test_thresholds_set_inside_the_block_are_kept() -> None:
    with hold_collector():
        gc.set_threshold(1234, 5, 6)
    assert gc.get_threshold() == (1234, 5, 6)


def test_freezing_is_not_touched() -> None:
    frozen = gc.get_freeze_count()
    with hold_collector():
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == frozen


def test_blocks_in_two_threads_restore_when_the_last_one_leaves() -> None:
    """The thresholds are the process's: interleaved blocks of two threads
    (A enters, B enters, A leaves, B leaves) must not leave them held."""
    entered, a_left = threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def b() -> None:
        with hold_collector():
            entered.set()
            a_left.wait(5)
            seen.append(gc.get_threshold())

    with hold_collector():
        thread = threading.Thread(target=b)
        thread.start()
        entered.wait(5)
    a_left.set()
    thread.join(5)
    assert seen == [(HELD_THRESHOLD, 10, 10)]  # A's leaving did not release B's hold
    assert gc.get_threshold() == (700, 10, 10)


def test_cycles_made_while_held_are_collected_afterwards() -> None:
    before = cycle()
    with hold_collector():
        during = cycle()
        x = Value(1.5)
        for _ in range(3):
            y = x * x + x
            y.backward()
    after = cycle()
    gc.collect()
    assert before() is None and during() is None and after() is None


def test_after_the_block_the_collector_runs_by_itself_again() -> None:
    with hold_collector():
        pass
    ref = cycle()
    gc.collect()  # start from empty young generations
    ref = cycle()
    junk = [[i] for i in range(5_000)]  # thousands of new containers: collections start
    assert ref() is None
    del junk


def values_alive() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


def test_a_graph_is_freed_by_reference_counting_while_held() -> None:
    gc.collect()
    alive = values_alive()
    with hold_collector():
        x = Value(2.0)
        y = x
        for _ in range(1_000):
            y = y * x + 1.0
        y.backward()
        assert values_alive() > alive + 1_000
        del y
        assert values_alive() == alive + 1  # x only: no collection was needed


def test_the_module_state_is_clean_after_use() -> None:
    with hold_collector():
        pass
    assert collector._depth == 0 and collector._saved is None
