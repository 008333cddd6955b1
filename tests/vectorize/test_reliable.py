"""Replay at the edges: data-dependence found, errors on every call, pickling."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from autograd_scalar import Value
from autograd_scalar.core.errors import DataDependentError, DomainError
from autograd_scalar.vectorize import record
from autograd_scalar.vectorize.program import VERIFIED_EXAMPLES

from .conftest import Library

W = Value(0.5, label="w")


def branchy(x: Value) -> Value:
    # a Python branch on .data: the recording bakes in one side
    return W * x if x.data > 0 else (W * x).exp()


def test_a_branch_on_data_taken_by_one_example_is_found(xp: Library) -> None:
    """[1, -1, 2, 3]: the examples re-recorded (2 and 3) take the same branch
    as the recorded one; -1 alone takes the other. The scalar check finds it."""
    rec = record(branchy, 1.0)
    with pytest.raises(DataDependentError, match="batch example 1"):
        rec.value_and_grad(xp.asarray([1.0, -1.0, 2.0, 3.0]))


def test_every_example_of_a_batch_up_to_the_bound_is_checked(xp: Library) -> None:
    batch = np.ones(VERIFIED_EXAMPLES)
    batch[VERIFIED_EXAMPLES // 3] = -1.0  # any position
    rec = record(branchy, 1.0)
    with pytest.raises(DataDependentError, match=f"batch example {VERIFIED_EXAMPLES // 3}"):
        rec.value_and_grad(xp.asarray(batch))


def square_of_power(x: Value) -> Value:
    return (W * x) ** Value(2.0)


def test_a_domain_error_names_the_example_on_every_call(xp: Library) -> None:
    """(w·x) ** Value(2) needs w·x > 0: at x = -2 the engine raises, so must the
    replay, naming the example, on the first call and on later ones."""
    rec = record(square_of_power, 1.0)
    with pytest.raises(DomainError) as first:
        Value(0.0) + square_of_power(Value(-2.0))
    for _ in range(3):
        with pytest.raises(DomainError, match="batch example 1") as caught:
            rec.value_and_grad(xp.asarray([1.0, -2.0, 3.0, 4.0]))
        assert type(caught.value) is type(first.value)
        assert "x ** y" in str(caught.value)


def loss(x: Any, y: Any) -> Any:
    return (W * x - y) ** 2


def test_a_recording_pickles_and_replays_the_same(xp: Library) -> None:
    rec = record(loss, 1.0, 2.0)
    X, Y = xp.asarray([1.0, 2.0, 3.0]), xp.asarray([0.0, 1.0, 5.0])
    values, grads = rec.value_and_grad(X, Y)  # compiled and its work arrays made
    copy = pickle.loads(pickle.dumps(rec))
    values2, grads2 = copy.value_and_grad(X, Y)
    np.testing.assert_array_equal(xp.numpy(values), xp.numpy(values2))
    np.testing.assert_array_equal(xp.numpy(grads), xp.numpy(grads2))
