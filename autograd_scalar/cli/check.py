"""The ``autograd-scalar check`` command: is a hand-derived derivative right?

::

    autograd-scalar check "(sigmoid(w*x + b) - y)**2" --wrt w \\
        --claim "2*(sigmoid(w*x + b) - y)*x" x=2 y=1

prints the verdict, the diagnosis of a wrong claim (a dropped path, a missing
factor, a sign error, a constant factor, the right formula at the wrong point)
and the table of points where the two differ (see
:func:`autograd_scalar.check_derivative`). ``NAME=VALUE`` fixes a variable;
``NAME=LOW..HIGH`` draws it from a range; the others are drawn from -2..2.
The expression and the claim may start with ``-``; variables may come before
or after the options.

Exit status: 0 the claim holds, 1 it does not, 2 bad input (one ``error:``
line, no traceback).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="check")
>>> add_arguments(parser)
>>> run(parser.parse_args(["x*x", "--wrt", "x", "--claim", "2*x", "--samples", "3"]))
right: the claim equals the engine's derivative. ∂f/∂x checked at 3 points (seed 0).
          x         engine        claimed  error
    1.37769    2.755374812    2.755374812      0
    1.03182    2.063635224    2.063635224      0
  -0.317714  -0.6354273534  -0.6354273534      0
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ..check.derivation import check_derivative
from ..core.errors import AutogradError
from .graph import parse_number

__all__ = ["add_arguments", "protect_arguments", "run"]

_VALUE_OPTIONS = ("--wrt", "--claim", "--samples", "--seed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` command's arguments to ``parser``."""
    parser.description = (
        "Check a hand-derived derivative of an expression against the engine at random "
        "points, and say what is wrong with it."
    )
    parser.epilog = (
        "NAME=VALUE fixes a variable, NAME=LOW..HIGH gives its range (default -2..2). "
        "Exit status: 0 the claim holds, 1 it does not, 2 bad input."
    )
    parser.add_argument("expression", help='the function, e.g. "(sigmoid(w*x + b) - y)**2"')
    parser.add_argument(
        "variables", nargs="*", metavar="NAME=VALUE", help="fixed values or ranges, e.g. x=2 y=0..1"
    )
    parser.add_argument("--wrt", required=True, metavar="NAME", help="the variable")
    parser.add_argument(
        "--claim", required=True, metavar="FORMULA", help="your derivative, in the same names"
    )
    parser.add_argument("--samples", type=_count, default=20, help="points (default: 20)")
    parser.add_argument("--seed", type=int, default=0, help="for the points (default: 0)")


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 10_000:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 10000, got {text!r}")
    return n


def protect_arguments(argv: Sequence[str]) -> list[str]:
    """The ``check`` command's arguments in an order argparse reads right.

    Options first, then ``--`` and the positional arguments (the expression
    and the variables), so that variables may follow the options and an
    expression starting with ``-`` is not taken for an option; an option's
    value that starts with ``-`` is glued on with ``=``.

    >>> protect_arguments(["-x*y", "--wrt", "x", "--claim", "-y", "y=2"])
    ['--wrt', 'x', '--claim=-y', '--', '-x*y', 'y=2']
    """
    options: list[str] = []
    positional: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            positional.extend(tokens[i + 1 :])
            break
        if token in _VALUE_OPTIONS and i + 1 < len(tokens):
            value = tokens[i + 1]
            options += [f"{token}={value}"] if value.startswith("-") else [token, value]
            i += 2
            continue
        if token.startswith("--") or token in ("-h",):
            options.append(token)
        else:
            positional.append(token)
        i += 1
    return [*options, "--", *positional] if positional else options


def _variables(pairs: list[str]) -> dict[str, float | tuple[float, float]]:
    out: dict[str, float | tuple[float, float]] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"expected NAME=VALUE or NAME=LOW..HIGH, got {pair!r}")
        if name in out:
            raise ValueError(f"variable {name!r} is given twice")
        low, dots, high = text.partition("..")
        out[name] = (
            (parse_number(name, low), parse_number(name, high))
            if dots
            else parse_number(name, text)
        )
    return out


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    """Run the command; returns the exit status (0 right, 1 wrong, 2 bad input)."""
    stream = stdout or sys.stdout
    try:
        result = check_derivative(
            args.expression.lstrip(" "),
            args.claim.lstrip(" "),
            wrt=args.wrt,
            samples=args.samples,
            seed=args.seed,
            at=_variables(args.variables),
        )
    except (AutogradError, ValueError) as exc:  # ExpressionError is both
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result, file=stream)
    return 0 if result.ok else 1
