"""Tests of Module's names and parameter files: every bad file gives the
library's error naming the file and the problem, and leaves the model as it was."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from autograd_scalar.core.errors import (
    AutogradError,
    DomainError,
    OverflowError_,
    ShapeError,
)
from autograd_scalar.core.value import Value
from autograd_scalar.nn import MLP, Layer, Module, Neuron


def snapshot(net: Module) -> list[float]:
    return [p.data for p in net.parameters()]


# ------------------------------------------------------------- registration
class Affine(Module):
    item_names = {"units": "u"}

    def __init__(self) -> None:
        self.scale = Value(2.0)
        self.w = [Value(1.0), Value(-1.0)]
        self.units = (Neuron(1, seed=1), Neuron(1, seed=2))
        self.sizes = [1, 2]  # plain numbers are not parameters
        self.label_parameters()


def test_attributes_are_registered_in_the_order_they_are_assigned() -> None:
    m = Affine()
    assert [name for name, _ in m.named_parameters()] == [
        "scale", "w1", "w2", "u1.w1", "u1.b", "u2.w1", "u2.b"
    ]  # fmt: skip
    assert m.units[1].w[0].label == "u2.w1"
    m.scale = 3.0  # no longer a Value: no longer a parameter
    assert [name for name, _ in m.named_parameters()][0] == "w1"


def test_a_shared_parameter_is_listed_once() -> None:
    m = Affine()
    m.w = [m.w[0], m.w[0]]
    assert len(m.parameters()) == 1 + 1 + 4
    assert len(set(m.parameters())) == len(m.parameters())


def test_layer_and_neuron_names() -> None:
    assert [n for n, _ in Layer(2, 2).named_parameters()][:3] == ["n1.w1", "n1.w2", "n1.b"]
    assert [n for n, _ in Neuron(2).named_parameters()] == ["w1", "w2", "b"]


def test_the_old_import_paths_still_work() -> None:
    from autograd_scalar import MLP as top_level
    from autograd_scalar.nn.module import MLP as old_path

    assert old_path is MLP
    assert top_level is MLP


# --------------------------------------------------------------- round trips
def test_a_file_stores_the_architecture_and_round_trips(tmp_path: Path) -> None:
    net = MLP(2, [3, 1], activation="tanh", seed=1)
    path = tmp_path / "m.json"
    net.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == 2
    assert document["architecture"] == {
        "class": "MLP", "nin": 2, "sizes": [3, 1], "activations": ["tanh", "linear"]
    }  # fmt: skip
    assert list(document["parameters"])[:2] == ["L1.n1.w1", "L1.n1.w2"]
    other = MLP(2, [3, 1], activation="tanh", seed=2)
    other.load(path)
    assert snapshot(other) == snapshot(net)


def test_a_version_1_file_with_0_based_names_is_still_read(tmp_path: Path) -> None:
    """The format of the previous release, written out by hand."""
    old = {
        "format": "autograd_scalar.parameters",
        "version": 1,
        "parameters": {
            "layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": 2.0, "layers.0.neurons.0.b": 3.0,
            "layers.0.neurons.1.w.0": 4.0, "layers.0.neurons.1.w.1": 5.0, "layers.0.neurons.1.b": 6.0,
            "layers.1.neurons.0.w.0": 7.0, "layers.1.neurons.0.w.1": 8.0, "layers.1.neurons.0.b": 9.0,
        },
    }  # fmt: skip
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    net = MLP(2, [2, 1])
    net.load(path)
    assert net.layers[0].neurons[1].w[0].data == 4.0  # weight from input 1 to neuron 2 of layer 1
    assert net.layers[1].neurons[0].b.data == 9.0
    assert snapshot(net) == [float(v) for v in range(1, 10)]


# ------------------------------------------------------------------ bad files
def _bad_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    return path


def _valid_document() -> dict[str, object]:
    return {
        "format": "autograd_scalar.parameters",
        "version": 2,
        "architecture": {"class": "MLP", "nin": 1, "sizes": [1], "activations": ["linear"]},
        "parameters": {"L1.n1.w1": 0.5, "L1.n1.b": 0.25},
    }


def _with_parameter(text: str) -> bytes:
    """A valid file whose first weight is the JSON literal ``text``."""
    document = json.dumps(_valid_document()).replace("0.5", text, 1)
    return document.encode("utf-8")


BAD_FILES = {
    "non-UTF-8 bytes": (b'{"format": "\xff\xfe"}', ShapeError, "not a UTF-8 text file"),
    "a 10^400 integer": (_with_parameter("1" + "0" * 400), OverflowError_, "401 digits"),
    "a 5000-digit integer": (_with_parameter("7" * 5000), OverflowError_, "5000 digits"),
    "100,000-deep nesting": (b"[" * 100_000 + b"]" * 100_000, ShapeError, "nested too deeply"),
    "a float literal 1e400": (_with_parameter("1e400"), DomainError, "finite number, got inf"),
    "NaN": (_with_parameter("NaN"), DomainError, "finite number, got nan"),
    "a bool": (_with_parameter("true"), AutogradError, "real number, got True"),
    "no parameters entry": (
        json.dumps({k: v for k, v in _valid_document().items() if k != "parameters"}).encode(),
        ShapeError,
        'no "parameters" entry',
    ),
    "parameters not an object": (
        json.dumps({**_valid_document(), "parameters": [0.5, 0.25]}).encode(),
        ShapeError,
        "must be a JSON object",
    ),
    "another activation": (
        json.dumps(
            {
                **_valid_document(),
                "architecture": {"class": "MLP", "nin": 1, "sizes": [1], "activations": ["tanh"]},
            }
        ).encode(),
        ShapeError,
        r"another architecture: activations \['tanh'\] in the file, \['linear'\] here",
    ),
    "no architecture": (
        json.dumps({k: v for k, v in _valid_document().items() if k != "architecture"}).encode(),
        ShapeError,
        'no "architecture"',
    ),
    "a newer version": (
        json.dumps({**_valid_document(), "version": 3}).encode(),
        ShapeError,
        "reads versions 1 and 2",
    ),
    "a name given twice": (
        _with_parameter('0.5, "L1.n1.w1": 0.75'),
        ShapeError,
        "'L1.n1.w1' appears twice",
    ),
    "not JSON": (b"{not json", ShapeError, "not a JSON file"),
    "JSON but not a parameter file": (b"[1, 2]", ShapeError, "not a parameter file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gives_the_librarys_error_naming_it_and_changes_nothing(
    tmp_path: Path, case: str
) -> None:
    content, error, message = BAD_FILES[case]
    path = _bad_file(tmp_path, content)
    net = MLP(1, [1], seed=3)
    before = snapshot(net)
    with pytest.raises(error, match=message) as info:
        net.load(path)
    assert isinstance(info.value, AutogradError)
    assert str(path) in str(info.value)
    assert snapshot(net) == before


def test_the_valid_document_of_these_cases_does_load(tmp_path: Path) -> None:
    """The bad files above differ from a good one only by what they name."""
    net = MLP(1, [1])
    net.load(_bad_file(tmp_path, json.dumps(_valid_document()).encode()))
    assert snapshot(net) == [0.5, 0.25]


def test_a_model_with_a_nan_parameter_is_not_saved(tmp_path: Path) -> None:
    """save refuses what load would refuse, and leaves an existing file alone."""
    net = MLP(1, [2, 1], seed=0)
    path = tmp_path / "m.json"
    net.save(path)
    good = path.read_bytes()
    net.layers[0].neurons[1].w[0].data = math.nan
    with pytest.raises(DomainError, match=r"m.json: not written: the parameter is nan.*'L1.n2.w1'"):
        net.save(path)
    assert path.read_bytes() == good
    net.layers[0].neurons[1].w[0].data = math.inf
    with pytest.raises(DomainError, match="is inf"):
        net.save(tmp_path / "other.json")
    assert not (tmp_path / "other.json").exists()
