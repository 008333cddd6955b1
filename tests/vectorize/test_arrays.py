"""The replay's array-library side: what each library's arrays give back,
bad inputs, the parameters' values given explicitly (``params=``) and
batches replayed in chunks (``chunk=``)."""

from __future__ import annotations

import random
import sys
from typing import Any

import numpy as np
import pytest

from autograd_scalar.core.errors import DomainError, InvalidInputError
from autograd_scalar.core.value import Value
from autograd_scalar.vectorize import backend as backend_module
from autograd_scalar.vectorize import record

from .conftest import Library
from .support import LOSSES, TOL, make_mlp, mlp

torch = pytest.importorskip("torch")
strict = pytest.importorskip("array_api_strict")


def _mlp_loss(seed: int = 0) -> tuple[Any, list[Value], np.ndarray, np.ndarray]:
    rng = random.Random(seed)
    layers = make_mlp(rng, [2, 5, 4, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    nrng = np.random.default_rng(seed)
    X = nrng.uniform(-2, 2, size=(37, 2))
    Y = nrng.choice([-1.0, 1.0], size=37)

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES["logistic"](mlp(layers, x, "tanh"), y)

    return record(f, X[0].tolist(), float(Y[0]), params=params), params, X, Y


def close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(np.abs(a - b) <= TOL * np.maximum(np.abs(b), 1.0)))


# ------------------------------------------------------------ libraries
def test_lists_and_numbers_go_with_the_other_arguments_library() -> None:
    w = Value(2.0)
    rec = record(lambda x, y: w * x - y, 1.0, 0.0)
    values, grads = rec.value_and_grad(torch.tensor([1.0, 2.0], dtype=torch.float64), [0.5, 0.5])
    assert type(values) is torch.Tensor and type(grads) is torch.Tensor
    assert values.tolist() == [1.5, 3.5] and grads.tolist() == [3.0]


def test_float32_arrays_replay_in_float32() -> None:
    rec, _, X, Y = _mlp_loss()
    expected, expected_grads = rec.value_and_grad(X, Y)
    values, grads = rec.value_and_grad(torch.tensor(X, dtype=torch.float32), torch.tensor(Y))
    assert values.dtype == torch.float64  # float32 and float64 arguments: float64
    values, grads = rec.value_and_grad(
        torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32)
    )
    assert values.dtype == grads.dtype == torch.float32
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads.numpy(), expected_grads, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "batch",
    [
        (torch.ones(3, 2, dtype=torch.float64), np.ones(3)),
        (torch.ones(3, 2, dtype=torch.float64), strict.ones(3, dtype=strict.float64)),
    ],
    ids=["torch and numpy", "torch and array-api-strict"],
)
def test_mixed_libraries_are_refused(batch: tuple[Any, ...]) -> None:
    rec = record(lambda x, y: x[0] * x[1] - y, [1.0, 2.0], 0.0)
    with pytest.raises(InvalidInputError, match="mix array libraries") as info:
        rec.run(*batch, verify="never")
    assert info.value.op == "replay"


@pytest.mark.parametrize(
    "array",
    [torch.ones(3, dtype=torch.int64), strict.ones(3, dtype=strict.int32), torch.ones(3) > 0],
    ids=["torch int64", "array-api-strict int32", "torch bool"],
)
def test_integer_arrays_are_refused_naming_the_dtype(array: Any) -> None:
    rec = record(lambda x: x * 2.0, 1.0)
    with pytest.raises(InvalidInputError, match="dtype.*floating") as info:
        rec.run(array, verify="never")
    assert info.value.op == "replay"


def test_a_missing_array_api_compat_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "array_api_compat", None)
    rec = record(lambda x: x * 2.0, 1.0)
    rec.run(np.ones(2))  # NumPy needs nothing more
    with pytest.raises(ImportError, match=r"autograd_scalar\[arrays\]"):
        rec.run(torch.ones(2, dtype=torch.float64))


def test_a_plan_is_compiled_once_and_ported_per_library() -> None:
    rec, _, X, Y = _mlp_loss()
    rec.value_and_grad(X, Y)
    rec.value_and_grad(torch.tensor(X), torch.tensor(Y))
    rec.value_and_grad(strict.asarray(X), strict.asarray(Y))
    assert len(rec._plans) == 1 and len(rec._programs) == 3
    backend = backend_module.backend_for([torch.tensor(X)])
    assert backend.name == "torch" and backend.writeable and backend.fancy


# ------------------------------------------------------------ params=
def test_params_given_equal_params_set_and_leave_the_values_alone(xp: Library) -> None:
    rec, params, X, Y = _mlp_loss(1)
    old = [p.data for p in params]
    new = np.random.default_rng(2).uniform(-1, 1, size=len(params))
    given = rec.run(xp.asarray(X), xp.asarray(Y), params=new.tolist(), input_grads=True)
    assert [p.data for p in params] == old  # not modified
    for p, value in zip(params, new.tolist()):
        p.data = value
    try:
        expected = rec.run(xp.asarray(X), xp.asarray(Y), input_grads=True)
    finally:
        for p, value in zip(params, old):
            p.data = value
    np.testing.assert_array_equal(xp.numpy(given.values), xp.numpy(expected.values))
    np.testing.assert_array_equal(xp.numpy(given.grads), xp.numpy(expected.grads))
    assert given.input_grads is not None and expected.input_grads is not None
    np.testing.assert_array_equal(xp.numpy(given.input_grads[0]), xp.numpy(expected.input_grads[0]))
    # as an array (of NumPy, or of the batch's library) too
    values, grads = rec.value_and_grad(xp.asarray(X), xp.asarray(Y), params=xp.asarray(new))
    np.testing.assert_array_equal(xp.numpy(grads), xp.numpy(expected.grads))


def test_params_of_a_recording_with_other_shared_leaves() -> None:
    """Shared leaves that are not params keep being read from their data."""
    w, b = Value(2.0), Value(1.0)
    rec = record(lambda x: w * x + b, 1.0, params=[w])
    values, grads = rec.value_and_grad(np.array([1.0, 2.0]), params=[3.0])
    assert values.tolist() == [4.0, 7.0] and grads.tolist() == [3.0]
    b.data = 0.0
    assert rec.value_and_grad(np.array([1.0, 2.0]), params=[3.0])[0].tolist() == [3.0, 6.0]


@pytest.mark.parametrize(
    ("params", "match"),
    [([1.0], "params has 1 values; the recording has 2"), ([["a", "b"]], "numbers")],
)
def test_params_of_the_wrong_length_are_refused(params: Any, match: str) -> None:
    w, b = Value(2.0), Value(1.0)
    rec = record(lambda x: w * x + b, 1.0)
    with pytest.raises(InvalidInputError, match=match):
        rec.value_and_grad(np.array([1.0, 2.0]), params=params)
    with pytest.raises(InvalidInputError, match="shape"):
        rec.value_and_grad(np.array([1.0, 2.0]), params=[[1.0, 2.0]])


# ------------------------------------------------------------ chunk=
@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("chunk", [1, 5, 36, 37, 1000])
def test_a_chunked_replay_equals_the_one_shot_replay(xp: Library, chunk: int, reduce: Any) -> None:
    rec, _, X, Y = _mlp_loss(3)
    whole = rec.run(xp.asarray(X), xp.asarray(Y), reduce=reduce, input_grads=True)
    parts = rec.run(xp.asarray(X), xp.asarray(Y), reduce=reduce, input_grads=True, chunk=chunk)
    # to rounding: a layer's matrix product may add in another order per batch size
    assert close(xp.numpy(parts.values), xp.numpy(whole.values))
    assert close(xp.numpy(parts.grads), xp.numpy(whole.grads))
    assert parts.input_grads is not None and whole.input_grads is not None
    for a, b in zip(parts.input_grads, whole.input_grads):
        assert close(xp.numpy(a), xp.numpy(b))


def test_backward_in_chunks_adds_the_batchs_gradients(xp: Library) -> None:
    rec, params, X, Y = _mlp_loss(4)
    for p in params:
        p.grad = 0.0
    loss = rec.backward(xp.asarray(X), xp.asarray(Y))
    expected = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    assert rec.backward(xp.asarray(X), xp.asarray(Y), chunk=8) == pytest.approx(loss, rel=TOL)
    assert [p.grad for p in params] == pytest.approx(expected, rel=TOL, abs=TOL)


def test_an_error_in_a_chunk_names_the_example_of_the_batch(xp: Library) -> None:
    rec = record(lambda x: x.log(), 1.0, params=[])
    X = np.ones(20)
    X[12] = -1.0
    with pytest.raises(DomainError) as info:
        rec.value_and_grad(xp.asarray(X), verify="never", chunk=5)
    assert info.value.message.endswith(", in batch example 12") and info.value.label == "x"


@pytest.mark.parametrize("chunk", [0, -3, 2.5, True])
def test_a_chunk_must_be_a_positive_int(chunk: Any) -> None:
    rec = record(lambda x: x * 2.0, 1.0)
    with pytest.raises(InvalidInputError, match="chunk"):
        rec.value_and_grad(np.ones(3), chunk=chunk)


# ------------------------------------------------------------ steps without the layer pass
def test_the_steps_without_layers_run_on_every_library(xp: Library) -> None:
    """Outer and Chain steps (what a layer becomes without find_layers) on
    each library give the NumPy numbers."""
    from autograd_scalar.vectorize.backend import numpy_math
    from autograd_scalar.vectorize.plan import compile_plan
    from autograd_scalar.vectorize.program import Program
    from autograd_scalar.vectorize.record import arg_names, trace
    from autograd_scalar.vectorize.steps import Chain, Outer

    rng = random.Random(5)
    layers = make_mlp(rng, [3, 4, 5, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]

    def f(x: list[Value], y: Value) -> Value:
        return LOSSES["hinge"](mlp(layers, x, "relu"), y)

    X = np.random.default_rng(5).uniform(-2, 2, size=(9, 3))
    Y = np.ones(9)
    graph = trace(np, f, [X[0].tolist(), 1.0], [0, 1], arg_names(f, 2))
    plan = compile_plan(np, numpy_math(), graph, params, True, layers=False)
    assert any(type(s) is Outer for s in plan.steps) and any(type(s) is Chain for s in plan.steps)
    inputs = np.concatenate([X, Y[:, None]], axis=1).T
    expected = Program(plan, backend_module.numpy_backend()).evaluate(inputs, 9, 1.0, True)
    backend = backend_module.backend_for([xp.asarray(X)])
    got = Program(plan, backend).evaluate(xp.asarray(inputs), 9, 1.0, True)
    for a, b in zip(got, expected):
        assert close(xp.numpy(a), b)
