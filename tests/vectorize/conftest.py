"""The array libraries the replay tests run on: the fixture ``xp`` is a
:class:`Library` for NumPy, array-api-strict (writing in place where the
standard allows, and writing nothing in place, as for JAX's immutable
arrays) and PyTorch on the CPU, each skipped when not installed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest


@dataclass(frozen=True)
class Library:
    """How a test hands arrays to the replay and reads its results.

    ``asarray``: a NumPy array (or nested lists) as this library's float64
    array; ``numpy``: a result back as NumPy, after checking that it is this
    library's array (results come back in the input's library)."""

    name: str
    namespace: Any
    array_type: type

    def asarray(self, data: Any) -> Any:
        if self.name == "numpy":
            return np.asarray(data)
        return self.namespace.asarray(np.asarray(data, dtype=float), dtype=self.namespace.float64)

    def numpy(self, result: Any) -> np.ndarray:
        assert type(result) is self.array_type, (type(result), self.array_type)
        if self.name == "numpy":
            return result
        assert result.dtype == self.namespace.float64
        return np.from_dlpack(result)

    @property
    def is_numpy(self) -> bool:
        return self.name == "numpy"


LIBRARIES = ["numpy", "array_api_strict", "array_api_strict (copies)", "torch"]


@pytest.fixture(scope="session", params=LIBRARIES)
def xp(request: pytest.FixtureRequest) -> Iterator[Library]:
    name = request.param
    if name == "numpy":
        yield Library("numpy", np, np.ndarray)
        return
    pytest.importorskip("array_api_compat")
    if name == "torch":
        torch = pytest.importorskip("torch")
        yield Library("torch", torch, torch.Tensor)
        return
    strict = pytest.importorskip("array_api_strict")
    array_type = type(strict.asarray(0.0))
    if name == "array_api_strict":
        yield Library(name, strict, array_type)
        return
    import array_api_compat

    # as if the arrays were immutable (JAX): every write builds a new array
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(array_api_compat, "is_writeable_array", lambda x: False)
        yield Library(name, strict, array_type)
