"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_scalar import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> loss = (a * b + a).tanh()
>>> loss.backward()
>>> round(a.grad, 6), round(b.grad, 6)
(-0.002682, 0.002682)
"""

from .check.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .core.errors import (
    AutogradError,
    DataDependentError,
    DomainError,
    InvalidInputError,
    NonFiniteError,
    OverflowError_,
    ShapeError,
    ZeroDivisionError_,
)
from .core.extend import CustomOp, OpDefinitionError, define_op, remove_op
from .core.functions import abs, cos, exp, log, relu, sigmoid, sin, sqrt, tanh
from .core.rules import RULES, Rule
from .core.value import (
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    zero_grad,
)
from .moved import install as _install_moved_modules
from .nn.module import MLP, Layer, Module, Neuron
from .nn.optim import SGD, Adam
from .nn.train import History, fit
from .transforms.forward import Dual, cost_table, count_ops, jvp
from .transforms.functional import grad, gradients, hessian, hvp, value_and_grad

_install_moved_modules(__name__)

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "SGD",
    "Adam",
    "AutogradError",
    "CustomOp",
    "DataDependentError",
    "Dual",
    "GradcheckError",
    "History",
    "Layer",
    "MLP",
    "Module",
    "Neuron",
    "OpDefinitionError",
    "DomainError",
    "InvalidInputError",
    "NonFiniteError",
    "OverflowError_",
    "Rule",
    "ShapeError",
    "Value",
    "ZeroDivisionError_",
    "__version__",
    "abs",
    "cos",
    "cost_table",
    "count_ops",
    "define_op",
    "detect_anomaly",
    "enable_grad",
    "exp",
    "fit",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jvp",
    "log",
    "no_grad",
    "relu",
    "remove_op",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "value_and_grad",
    "zero_grad",
]
