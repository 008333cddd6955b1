"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_scalar import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> loss = (a * b + a).tanh()
>>> loss.backward()
>>> round(a.grad, 6), round(b.grad, 6)
(-0.002682, 0.002682)

The package, by layer: :mod:`.core` (the rule table, ``Value``, the backward
pass), :mod:`.transforms` (``grad``, forward mode, cost counting), :mod:`.check`
(``gradcheck``, property-test strategies), :mod:`.nn` (networks, losses,
training), :mod:`.vectorize` (replay over a batch), :mod:`.viz` (diagrams),
:mod:`.cli` (the command line). The names most programs need are here.
"""

from typing import Any

from . import moved
from .check.chain import chain_rule
from .check.derivation import check_derivative
from .check.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .core.collector import hold_collector
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
from .core.functions import FUNCTIONS
from .core.modes import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from .core.rules import RULES, Rule
from .core.value import Value, zero_grad
from .nn import MLP, Layer, Module, Neuron
from .nn.optim import SGD, Adam
from .nn.train import History, fit
from .transforms.cost import cost_table, count_ops
from .transforms.forward import Dual, jvp
from .transforms.functional import grad, gradients, hessian, hvp, value_and_grad

moved.install(__name__)

# The elementary functions (exp, log, ..., one per rule with a method) are
# generated from the rule table: a new rule is exported with no edit here.
globals().update(FUNCTIONS)

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "SGD",
    "Adam",
    "AutogradError",
    "CustomOp",
    "DataDependentError",
    "DomainError",
    "Dual",
    "GradcheckError",
    "History",
    "InvalidInputError",
    "Layer",
    "MLP",
    "Module",
    "Neuron",
    "NonFiniteError",
    "OpDefinitionError",
    "OverflowError_",
    "Rule",
    "ShapeError",
    "Value",
    "ZeroDivisionError_",
    "__version__",
    "chain_rule",
    "check_derivative",
    "cost_table",
    "count_ops",
    "define_op",
    "detect_anomaly",
    "enable_grad",
    "fit",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "hold_collector",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jvp",
    "no_grad",
    "remove_op",
    "value_and_grad",
    "zero_grad",
    *sorted(FUNCTIONS),
]


def __getattr__(name: str) -> Any:
    """Tells type checkers that the generated functions exist (``exp``, ...)."""
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
