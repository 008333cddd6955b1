"""The library's exceptions.

Every error raised for bad input or a numerical failure derives from
:class:`AutogradError`.  Each concrete class also derives from the built-in
exception a Python user would expect (``ValueError``, ``ZeroDivisionError``,
``OverflowError``, ``TypeError``, ``FloatingPointError``), so ``except
ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "AutogradError",
    "DataDependentError",
    "DomainError",
    "InvalidInputError",
    "NonFiniteError",
    "OverflowError_",
    "ShapeError",
    "ZeroDivisionError_",
]


def _describe(label: str | None) -> str:
    return f" (node {label!r})" if label else ""


def _rebuild(
    cls: type[AutogradError], op: str, value: object, message: str, label: str | None
) -> AutogradError:
    error = cls.__new__(cls)
    AutogradError.__init__(error, op, value, message, label)
    return error


class AutogradError(Exception):
    """Base class of every error this library raises on purpose.

    Attributes:
        op: the operation that failed (``"log"``, ``"div"``, ``"Value"``...).
        value: the offending input (a number, or a tuple for two operands).
        label: the label of the offending node, when it has one.
    """

    def __init__(self, op: str, value: object, message: str, label: str | None = None):
        self.op = op
        self.value = value
        self.label = label
        self.message = message
        super().__init__(f"{op}: {message}{_describe(label)}")

    def naming(self, label: str | None) -> AutogradError:
        """The same error, naming the node ``label`` (when it has none yet)."""
        if label is None or self.label is not None:
            return self
        return _rebuild(type(self), self.op, self.value, self.message, label)


class DomainError(AutogradError, ValueError):
    """An input outside the operation's domain: ``log(-1)``, ``sqrt(-4)``..."""


class ZeroDivisionError_(AutogradError, ZeroDivisionError):
    """Division by zero, or zero raised to a negative power."""


class OverflowError_(AutogradError, OverflowError):
    """A result too large for a float, e.g. ``exp(1000)``."""


class InvalidInputError(AutogradError, TypeError):
    """Data that is not a real number: a string, a complex number, a bool."""


class NonFiniteError(AutogradError, FloatingPointError):
    """A NaN or infinity found by :func:`autograd_scalar.detect_anomaly`."""


class ShapeError(AutogradError, ValueError):
    """Sequences of the wrong length or nesting: an input of the wrong size for
    a network, predictions and labels of different lengths, a parameter file
    that does not fit the model."""


class DataDependentError(AutogradError, ValueError):
    """A function whose graph depends on its input data, met while recording it
    for batched replay (:mod:`autograd_scalar.vectorize`): a comparison of
    Values, or a different graph for another example."""
