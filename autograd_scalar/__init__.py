"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_scalar import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> loss = (a * b + a).tanh()
>>> loss.backward()
>>> round(a.grad, 6), round(b.grad, 6)
(-0.002682, 0.002682)
"""

from .engine import (
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    zero_grad,
)
from .errors import (
    AutogradError,
    DomainError,
    InvalidInputError,
    NonFiniteError,
    OverflowError_,
    ZeroDivisionError_,
)
from .functions import abs, cos, exp, log, relu, sigmoid, sin, sqrt, tanh
from .rules import RULES, Rule

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "AutogradError",
    "DomainError",
    "InvalidInputError",
    "NonFiniteError",
    "OverflowError_",
    "Rule",
    "Value",
    "ZeroDivisionError_",
    "__version__",
    "abs",
    "cos",
    "detect_anomaly",
    "enable_grad",
    "exp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "log",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "zero_grad",
]
