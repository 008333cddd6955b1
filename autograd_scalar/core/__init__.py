"""The engine: rules, values, the backward pass, and the errors they raise.

Everything else in the package is built on what this subpackage exports.
"""

from .errors import (
    AutogradError,
    DataDependentError,
    DomainError,
    InvalidInputError,
    NonFiniteError,
    OverflowError_,
    ShapeError,
    ZeroDivisionError_,
)
from .rules import RULES, Rule
from .value import (
    CONST,
    Number,
    Value,
    constant,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    zero_grad,
)

__all__ = [
    "CONST",
    "RULES",
    "AutogradError",
    "DataDependentError",
    "DomainError",
    "InvalidInputError",
    "NonFiniteError",
    "Number",
    "OverflowError_",
    "Rule",
    "ShapeError",
    "Value",
    "ZeroDivisionError_",
    "constant",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "zero_grad",
]
