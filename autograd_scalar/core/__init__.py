"""The engine: the rule table, values, the backward pass, and their errors.

Its modules, in the order a reader meets them:

* :mod:`.rules`: the table, one :class:`Rule` per operation (the single source of truth);
* :mod:`.maths`: the ``m`` namespaces rules compute with (floats, IEEE floats);
* :mod:`.apply`: the one way to apply a rule (result, local derivatives, errors);
* :mod:`.value`: the :class:`Value` node;
* :mod:`.reference`: the backward pass in a dozen lines;
* :mod:`.graph` and :mod:`.backward`: the ordering and the driver, fast and watchable;
* :mod:`.modes`: ``no_grad``, ``detect_anomaly``, and the hooks of other layers;
* :mod:`.collector`: ``hold_collector``, the cyclic garbage collector kept out of a training loop;
* :mod:`.functions`: ``exp(x)`` and friends, generated from the table;
* :mod:`.extend`: ``define_op`` for operations of your own;
* :mod:`.checks` and :mod:`.errors`: argument checks and the library's exceptions.

Everything else in the package is built on what this subpackage exports.
"""

from .backward import Watcher, backward, gradients
from .collector import hold_collector
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
from .graph import topological_order, walk
from .modes import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from .reference import backward_reference
from .rules import RULES, Domain, Rule
from .value import CONST, Number, Value, constant, zero_grad

__all__ = [
    "CONST",
    "RULES",
    "AutogradError",
    "DataDependentError",
    "Domain",
    "DomainError",
    "InvalidInputError",
    "NonFiniteError",
    "Number",
    "OverflowError_",
    "Rule",
    "ShapeError",
    "Value",
    "Watcher",
    "ZeroDivisionError_",
    "backward",
    "backward_reference",
    "constant",
    "detect_anomaly",
    "enable_grad",
    "gradients",
    "hold_collector",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
    "walk",
    "zero_grad",
]
