"""The :class:`Module` base class: parameters, their names, and parameter files.

A module registers what it holds when it is assigned as an attribute, as
PyTorch's and minitorch's modules do: a :class:`~autograd_scalar.core.Value` is a
parameter, a :class:`Module` a submodule, and a list (or tuple) of either a row
of them. :meth:`Module.named_parameters` walks them in the order they were
assigned.

**Names.** A parameter's name is its path, numbered from 1 as the lecture notes
and the diagrams number things: an attribute is named by its own name (``b``),
the items of a list by a short prefix and their position (``w1``, ``w2``; the
prefix is the attribute's name unless :attr:`Module.item_names` gives a shorter
one: an MLP's ``layers`` are ``L1``, ``L2``, a layer's ``neurons`` ``n1``, ``n2``).
``L2.n1.w3`` is the weight from input 3 to neuron 1 of layer 2. The same names
are the nodes' labels (set by :meth:`Module.label_parameters`), the keys of
:meth:`Module.state_dict` and the keys of a saved file.

>>> from autograd_scalar.core import Value
>>> class Line(Module):
...     def __init__(self):
...         self.w = [Value(2.0), Value(-1.0)]
...         self.b = Value(0.5)
...         self.label_parameters()
>>> [name for name, _ in Line().named_parameters()]
['w1', 'w2', 'b']
>>> Line().w[1].label
'w2'

**Files.** :meth:`Module.save` writes JSON: the format's name and version, the
model's :meth:`Module.architecture` and the parameters by name. :meth:`Module.load`
checks all of it before changing anything: a file that cannot be read, does not
fit the model or holds a number that is not finite raises the library's error
naming the file, and leaves the model as it was. Only finite parameters are
saved (:meth:`Module.save` refuses a model with a NaN or an infinity, which
:meth:`Module.load` would refuse to read back). Files of version 1 (0-based names
such as ``layers.0.neurons.0.w.0``, no architecture) are still read.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from ..core import Value
from ..core.checks import finite_number
from ..core.errors import DomainError, OverflowError_, ShapeError

__all__ = ["FILE_FORMAT", "FILE_VERSION", "Module"]

#: The ``"format"`` entry of a parameter file.
FILE_FORMAT = "autograd_scalar.parameters"
#: The version :meth:`Module.save` writes; :meth:`Module.load` reads it and 1.
FILE_VERSION = 2

# More digits than any finite float has (1.8e308): such an integer cannot be a parameter.
_MAX_INT_DIGITS = 309


class Module:
    """Anything holding parameters: gives them with their names, zeroes their
    gradients, and saves them to / loads them from a JSON file.

    Subclasses assign their parameters and submodules as attributes; nothing
    else is needed (no ``super().__init__()`` call either). Every Value
    attribute is a parameter: keep fixed numbers as floats.
    """

    #: For a list attribute, the prefix of its items' names (default: the
    #: attribute's own name), e.g. ``{"neurons": "n"}`` names them ``n1``, ``n2``.
    item_names: ClassVar[Mapping[str, str]] = {}

    def __setattr__(self, name: str, value: object) -> None:
        children: dict[str, None] | None = self.__dict__.get("_children")
        if children is None:
            children = {}
            object.__setattr__(self, "_children", children)
        if _holds_parameters(value):
            children[name] = None  # a dict keeps the order of assignment
        else:
            children.pop(name, None)
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------ parameters
    def _entries(self, prefix: str = "", legacy: str = "") -> Iterator[tuple[str, str, Value]]:
        """``(name, version-1 name, parameter)`` for every parameter."""
        for attr in self.__dict__.get("_children", ()):
            value = getattr(self, attr)
            if isinstance(value, (Value, Module)):
                items: list[tuple[str, str, object]] = [(attr, attr, value)]
            else:
                short = self.item_names.get(attr, attr)
                items = [(f"{short}{i + 1}", f"{attr}.{i}", v) for i, v in enumerate(value)]
            for name, old, item in items:
                if isinstance(item, Value):
                    yield prefix + name, legacy + old, item
                elif isinstance(item, Module):
                    yield from item._entries(f"{prefix}{name}.", f"{legacy}{old}.")

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``(name, parameter)`` pairs in the order the attributes were assigned;
        a parameter held twice is given once, under its first name."""
        seen: set[int] = set()
        for name, _, p in self._entries():
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def parameters(self) -> list[Value]:
        """Every weight and bias, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaves accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def label_parameters(self) -> None:
        """Label every parameter with its name (``L2.n1.w3``), for diagrams and
        error messages. A module calls it at the end of its constructor, so the
        outermost module's names win."""
        for name, p in self.named_parameters():
            p.label = name

    def architecture(self) -> dict[str, Any]:
        """What a parameter file must come from besides the parameters' names,
        as a JSON object; :meth:`load` refuses a file whose architecture differs.
        Subclasses add what the names do not show (the activations)."""
        return {"class": type(self).__name__}

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: object, *, source: str = "state") -> None:
        """Set every parameter from ``state`` (a mapping of name → number).

        Every name must be present, with no extra ones, and every value a
        finite number; otherwise :class:`ShapeError` (or
        :class:`InvalidInputError` for a non-number, :class:`DomainError` for
        NaN or an infinity) is raised, naming ``source``, and the model is
        left unchanged.
        """
        if not isinstance(state, dict):
            raise ShapeError(
                "load", type(state).__name__,
                f"{source}: the parameters must be a JSON object (name: number), "
                f"got {type(state).__name__}",
            )  # fmt: skip
        named = dict(self.named_parameters())
        missing = [n for n in named if n not in state]
        extra = [n for n in state if n not in named]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)} parameter(s), first {missing[0]!r}")
            if extra:
                parts.append(f"{len(extra)} unknown name(s), first {extra[0]!r}")
            raise ShapeError(
                "load", (len(state), len(named)),
                f"{source} does not fit this model ({len(named)} parameters expected): "
                + "; ".join(parts),
            )  # fmt: skip
        values = {n: finite_number(state[n], "load", f"{source}: the parameter", n) for n in named}
        for name, p in named.items():  # only now, when everything checked out
            p.data = values[name]

    # ----------------------------------------------------------------- files
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the parameters to a JSON file.

        Raises :class:`DomainError` and writes nothing if a parameter is NaN or
        infinite (training diverged): :meth:`load` would refuse that file.
        """
        source = os.fspath(path)
        state = self.state_dict()
        for name, data in state.items():
            if not math.isfinite(data):
                raise DomainError(
                    "save", data,
                    f"{source}: not written: the parameter is {data!r}, and only finite "
                    "parameters can be saved (training diverged?)",
                    name,
                )  # fmt: skip
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "architecture": self.architecture(),
            "parameters": state,
        }
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by :meth:`save` (any version). A file that
        cannot be read or does not fit this model raises the library's error
        naming the file, and changes nothing. (A missing file raises the usual
        :class:`FileNotFoundError`.)"""
        source = os.fspath(path)
        with open(path, "rb") as f:
            raw = f.read()
        document = _parse(raw, source)
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ShapeError(
                "load", source,
                f'{source}: not a parameter file (expected a JSON object with "format": '
                f"{FILE_FORMAT!r})",
            )  # fmt: skip
        version = document.get("version")
        if version not in (1, FILE_VERSION) or isinstance(version, bool):
            raise ShapeError(
                "load", version,
                f"{source}: parameter file version {version!r}; this version of the library "
                f"reads versions 1 and {FILE_VERSION}",
            )  # fmt: skip
        if "parameters" not in document:
            raise ShapeError("load", source, f'{source}: the file has no "parameters" entry')
        state = document["parameters"]
        if version == 1:  # 0-based names, no architecture
            if isinstance(state, dict):
                new_name = {old: name for name, old, _ in self._entries()}
                state = {new_name.get(k, k): v for k, v in state.items()}
        else:
            self._check_architecture(document.get("architecture"), source)
        self.load_state_dict(state, source=source)

    def _check_architecture(self, saved: object, source: str) -> None:
        mine = self.architecture()
        if saved == mine:
            return
        if not isinstance(saved, dict):
            raise ShapeError(
                "load", source, f'{source}: the file has no "architecture" object to check'
            )
        keys = [k for k in {**mine, **saved} if saved.get(k) != mine.get(k)]
        shown = "; ".join(
            f"{k} {saved.get(k, '(none)')!r} in the file, {mine.get(k, '(none)')!r} here"
            for k in keys
        )
        raise ShapeError("load", source, f"{source} was saved from another architecture: {shown}")


def _holds_parameters(value: object) -> bool:
    if isinstance(value, (Value, Module)):
        return True
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, (Value, Module)) for v in value)
    return False


class _HugeInteger(Exception):
    def __init__(self, digits: int) -> None:
        self.digits = digits


def _json_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:  # before int(): Python refuses to convert > 4300 digits
        raise _HugeInteger(digits)
    return int(text)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:  # json keeps the last silently: which one was meant?
            raise ValueError(f"the name {key!r} appears twice in one object")
        document[key] = value
    return document


def _parse(raw: bytes, source: str) -> object:
    """The JSON document in ``raw``, or the library's error naming ``source``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShapeError(
            "load", source,
            f"{source}: not a UTF-8 text file (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
        ) from None  # fmt: skip
    try:
        return json.loads(text, parse_int=_json_int, object_pairs_hook=_refuse_duplicates)
    except _HugeInteger as exc:
        raise OverflowError_(
            "load", source,
            f"{source}: an integer of {exc.digits} digits is too large for a float "
            "(the largest is about 1.8e308)",
        ) from None  # fmt: skip
    except RecursionError:
        raise ShapeError(
            "load", source, f"{source}: not a parameter file (JSON nested too deeply to read)"
        ) from None
    except ValueError as exc:  # json.JSONDecodeError, or a duplicate name
        raise ShapeError("load", source, f"{source}: not a JSON file: {exc}") from None


# The layers lived in this module before version 0.2 split it: keep their old
# import path working without a circular import (layers.py imports Module from here).
_MOVED_TO_LAYERS = ("ACTIVATIONS", "MLP", "Layer", "Neuron", "Scalar")


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_LAYERS:
        from . import layers

        return getattr(layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
