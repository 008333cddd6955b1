"""Each rule's JavaScript form, for the explorer, read from the rule table.

The live explorer (:mod:`.explore`) recomputes the forward and backward pass
in the page, so every operation it meets needs a JavaScript form next to its
Python one: each :class:`~autograd_scalar.core.rules.Rule` carries it in
``rule.js`` (the forward, an expression in ``x`` and ``y``, the other operand;
the local derivatives, an array literal in ``x``, ``y`` and ``out`` with
``null`` for a fixed operand), transcribed branch for branch (``m.where`` is
``?:``, ``m.step`` and ``m.sign`` spelled out) so that the two agree to
rounding. A test walks the table and fails on a built-in rule without one,
and a browser test evaluates both on random inputs inside each domain.
A custom operation gets one with ``define_op(..., js=(forward, local))``.
"""

from __future__ import annotations

import dataclasses

from ..core import rules
from ..core.errors import InvalidInputError
from ..core.rules import RULES

__all__ = ["javascript_forms", "javascript_rule", "register_javascript"]


def javascript_forms() -> dict[str, tuple[str, str]]:
    """Every rule's JavaScript form, by rule name (rules without one left out)."""
    return {name: rule.js for name, rule in RULES.items() if rule.js is not None}


def register_javascript(name: str, forward: str, local: str) -> None:
    """Give an operation made with ``define_op`` its JavaScript form afterwards
    (``define_op(..., js=(forward, local))`` does it at once)."""
    if name not in RULES:
        raise InvalidInputError("explore", name, f"there is no operation called {name!r}")
    if name in rules.BUILTIN:
        raise InvalidInputError(
            "explore", name, f"{name!r} is a built-in: its form is in the table"
        )
    rules.register(dataclasses.replace(RULES[name], js=(forward, local)))


def javascript_rule(name: str) -> str:
    """One rule as a JavaScript object literal ``{f: (x, y) => ..., d: (x, y, out) => [...]}``."""
    rule = RULES.get(name)
    if rule is None or rule.js is None:
        raise InvalidInputError(
            "explore",
            name,
            f"the operation {name!r} has no JavaScript form, so the page cannot recompute it; "
            "give it one with define_op(..., js=(forward, local))",
        )
    forward, local = rule.js
    return f"{{f: (x, y) => ({forward}), d: (x, y, out) => ({local})}}"
