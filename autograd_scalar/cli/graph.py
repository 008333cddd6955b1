"""The ``autograd-scalar graph`` command: an expression's gradients, and its diagram.

::

    autograd-scalar graph "tanh(w*x + b)" x=2 w=-3 b=1 -o g.svg --steps steps.html

prints the output and the gradient of every variable, writes the diagram
(``.svg``, ``.png``, ``.pdf`` or ``.dot``, from the suffix) and, with ``--steps``,
the step-through of the backward pass as one HTML file. The expression is
parsed safely (:mod:`autograd_scalar.expr`): an expression that is not allowed
prints the reason with a caret under the culprit, and the command exits with 2.
Exit status 1 means the expression was fine but computing or drawing failed.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="graph")
>>> add_arguments(parser)
>>> run(parser.parse_args(["x * y", "x=3", "y=4"]))
name                     value                 gradient
f                         12.0                      1.0
x                          3.0                      4.0
y                          4.0                      3.0
0
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from ..core.errors import AutogradError
from ..core.modes import detect_anomaly
from ..core.value import Value
from ..expr import ExpressionError, evaluate

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``graph`` command's arguments to ``parser``."""
    parser.description = (
        "Evaluate an expression, print the gradient of every variable and draw its graph."
    )
    parser.add_argument("expression", help='e.g. "tanh(w*x + b)"; quote it for the shell')
    parser.add_argument(
        "variables", nargs="*", metavar="NAME=VALUE", help="the variables, e.g. x=2 w=-3"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the diagram (.svg, .png, .pdf or .dot)"
    )
    parser.add_argument(
        "--view",
        choices=("forward", "backward"),
        default="forward",
        help="the forward pass (values) or the backward pass (gradients); default forward",
    )
    parser.add_argument(
        "--steps", metavar="FILE.html", help="write a step-through of the backward pass"
    )
    parser.add_argument(
        "--steps-svg", metavar="FOLDER", help="write the step-through as numbered SVG files"
    )
    parser.add_argument(
        "--params",
        metavar="NAMES",
        default="",
        help="comma-separated variables to draw as parameters (e.g. w,b); the rest are inputs",
    )
    parser.add_argument(
        "--max-nodes", type=int, default=None, help="draw graphs up to this many nodes"
    )


def _variables(pairs: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"expected NAME=VALUE, got {pair!r}")
        if name in out:
            raise ValueError(f"variable {name!r} is given twice")
        try:
            out[name] = float(text)
        except ValueError:
            raise ValueError(f"the value of {name} is not a number: {text!r}") from None
    return out


def _table(out: Value, inputs: dict[str, Value], stream: TextIO) -> None:
    rows = [("f", out.data, out.grad)] + [(n, v.data, v.grad) for n, v in inputs.items()]
    width = max(len(name) for name, _, _ in rows) + 2
    width = max(width, 6)
    print(f"{'name':<{width}}{'value':>24} {'gradient':>24}", file=stream)
    for name, data, grad in rows:
        print(f"{name:<{width}}{data!r:>24} {float(grad)!r:>24}", file=stream)


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    """Run the command; returns the exit status (0, 1 on a failure, 2 on bad input)."""
    out_stream = stdout or sys.stdout
    try:
        values = _variables(args.variables)
        inputs = {name: Value(v, label=name) for name, v in values.items()}
        params = [name.strip() for name in args.params.split(",") if name.strip()]
        unknown = [name for name in params if name not in inputs]
        if unknown:
            raise ValueError(f"--params names undeclared variables: {', '.join(unknown)}")
        out = evaluate(args.expression, inputs)
    except (ExpressionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if out.label is None:
        out.label = "f"
    try:
        with detect_anomaly():
            out.backward()
    except AutogradError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _table(out, inputs, out_stream)
    if args.output or args.steps or args.steps_svg:
        from ..viz.graph import draw_graph
        from ..viz.steps import step_through
        from ..viz.trace import DEFAULT_MAX_NODES, GraphTooLargeError

        limit = args.max_nodes if args.max_nodes is not None else DEFAULT_MAX_NODES
        try:
            if args.output:
                chosen = [inputs[name] for name in params]
                draw_graph(out, view=args.view, params=chosen, max_nodes=limit).save(args.output)
                print(f"wrote {args.output}", file=out_stream)
            if args.steps or args.steps_svg:
                steps = step_through(out, params=[inputs[n] for n in params], max_nodes=limit)
                if args.steps:
                    steps.save_html(args.steps)
                    print(f"wrote {args.steps} ({len(steps)} steps)", file=out_stream)
                if args.steps_svg:
                    steps.save_svgs(args.steps_svg)
                    print(f"wrote {len(steps)} SVG files in {args.steps_svg}", file=out_stream)
        except (AutogradError, ValueError, OSError) as exc:
            hint = " (here: --max-nodes)" if isinstance(exc, GraphTooLargeError) else ""
            print(f"error: {exc}{hint}", file=sys.stderr)
            return 1
    return 0
