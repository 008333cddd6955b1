"""Each rule's forward and local derivatives in JavaScript, for the explorer.

The live explorer (:mod:`.explore`) recomputes the forward and backward pass
in the page, so every operation it meets needs a JavaScript form next to its
Python one in :data:`autograd_scalar.core.rules.RULES`. :data:`JAVASCRIPT`
holds them by rule name: the forward, an expression in ``x`` (the first
operand) and ``y`` (the other: ``y``, ``n`` or ``c`` in the table), and the
local derivatives, an array literal in ``x``, ``y`` and ``out`` with ``null``
for a fixed operand, as the table writes them. Each is a transcription of the
Python rule, branch for branch (``m.where`` is ``?:``, ``m.step`` and
``m.sign`` are spelled out) so that the two agree to rounding; a test walks
the table and fails on a built-in rule without a form here, and a browser
test evaluates both on random inputs inside each domain.

(These strings belong in the :class:`~autograd_scalar.core.rules.Rule`
records themselves; until the core grows a ``js`` field they live here.)
"""

from __future__ import annotations

from ..core.errors import InvalidInputError
from ..core.rules import RULES

__all__ = ["JAVASCRIPT", "javascript_rule", "register_javascript"]

#: rule name -> (forward in x, y; local derivatives as a JS array in x, y, out).
JAVASCRIPT: dict[str, tuple[str, str]] = {
    "add": ("x + y", "[1, 1]"),
    "sub": ("x - y", "[1, -1]"),
    "mul": ("x * y", "[y, x]"),
    "div": ("x / y", "[1 / y, -out / y]"),
    "neg": ("-x", "[-1]"),
    "pow": ("Math.pow(x, y)", "[y === 0 ? 0 : y * Math.pow(x, y - 1), null]"),
    "rpow": ("Math.pow(y, x)", "[out * Math.log(y), null]"),
    "powv": ("Math.pow(x, y)", "[y * Math.pow(x, y - 1), out * Math.log(x)]"),
    "exp": ("Math.exp(x)", "[out]"),
    "log": ("Math.log(x)", "[1 / x]"),
    "sqrt": ("Math.sqrt(x)", "[0.5 / out]"),
    "tanh": ("Math.tanh(x)", "[1 - out * out]"),
    # the table's overflow-free form: exp(-|x|) ≤ 1
    "sigmoid": (
        "x >= 0 ? 1 / (1 + Math.exp(-Math.abs(x)))"
        " : Math.exp(-Math.abs(x)) / (1 + Math.exp(-Math.abs(x)))",
        "[out * (1 - out)]",
    ),
    "relu": ("Math.max(x, 0)", "[x > 0 ? 1 : (x <= 0 ? 0 : NaN)]"),
    "sin": ("Math.sin(x)", "[Math.cos(x)]"),
    "cos": ("Math.cos(x)", "[-Math.sin(x)]"),
    "abs": ("Math.abs(x)", "[x > 0 ? 1 : (x < 0 ? -1 : x * 0)]"),
}


def register_javascript(name: str, forward: str, local: str) -> None:
    """Give a custom operation (made with ``define_op``) its JavaScript form,
    so the explorer can recompute it: ``forward`` in ``x`` (and ``y``),
    ``local`` an array literal in ``x``, ``y`` and ``out``."""
    if name not in RULES:
        raise InvalidInputError("explore", name, f"there is no operation called {name!r}")
    JAVASCRIPT[name] = (forward, local)


def javascript_rule(name: str) -> str:
    """One rule as a JavaScript object literal ``{f: (x, y) => ..., d: (x, y, out) => [...]}``."""
    if name not in JAVASCRIPT:
        raise InvalidInputError(
            "explore",
            name,
            f"the operation {name!r} has no JavaScript form, so the page cannot recompute it; "
            "give it one with autograd_scalar.viz.explore_rules.register_javascript()",
        )
    forward, local = JAVASCRIPT[name]
    return f"{{f: (x, y) => ({forward}), d: (x, y, out) => ({local})}}"
