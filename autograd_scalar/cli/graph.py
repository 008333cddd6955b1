"""The ``autograd-scalar graph`` command: an expression's gradients, and its diagram.

::

    autograd-scalar graph "tanh(w*x + b)" x=2 w=-3 b=1 -o g.svg --steps steps.html

prints the output and the gradient of every variable, writes the diagram
(``.svg``, ``.png`` or ``.dot`` from the suffix; ``.pdf`` too where the renderer
can write PDF, as Graphviz's ``dot`` can and ``graphviz-pure`` cannot) and, with
``--steps``, the step-through of the backward pass as one HTML file; with
``--explore``, the live explorer (:mod:`autograd_scalar.viz.explore`). The
expression is parsed safely (:mod:`autograd_scalar.expr`); it may start with
``-`` (``graph "-x*y" x=1 y=2``).

Exit status: 0 when everything was done; 2 when the command line cannot be
carried out as given (an expression that is not allowed, a bad name or value, an
output that cannot be written, a format or a diagram this installation cannot
produce), reported in one ``error:`` line (an expression's error adds the
expression with a caret under the culprit) before anything is computed,
printed or written; 1 when the expression was fine but computing its gradients
or drawing failed.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="graph")
>>> add_arguments(parser)
>>> run(parser.parse_args(["x * y", "x=3", "y=4"]))
name                     value                 gradient
L                         12.0                      1.0
x                          3.0                      4.0
y                          4.0                      3.0
0
"""

from __future__ import annotations

import argparse
import keyword
import math
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..core import AutogradError, Value, detect_anomaly
from ..expr import FUNCTIONS, evaluate

__all__ = [
    "DIAGRAM_SUFFIXES",
    "STEPS_SUFFIXES",
    "VIZ_HINT",
    "add_arguments",
    "parse_number",
    "protect_expression",
    "run",
]

#: The diagram format of each suffix ``-o`` accepts.
DIAGRAM_SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
#: The suffixes ``--steps`` accepts (it writes one HTML page).
STEPS_SUFFIXES = (".html", ".htm")
#: How to install what diagrams need.
VIZ_HINT = 'pip install "autograd_scalar[viz]"'

# What protect_expression() needs to know of the options below.
_VALUE_OPTIONS = (
    "--output", "--view", "--steps", "--steps-svg", "--params", "--max-nodes", "--explore",
)  # fmt: skip
_SHORT_OPTIONS = ("-o", "-h")  # -o takes a value (also glued on: -og.svg); -h does not
_LONG_OPTION = re.compile(r"--[A-Za-z][A-Za-z0-9_-]*")
_INFINITY = ("inf", "infinity")


def _node_limit(text: str) -> int:
    try:
        n = int(text)
    except ValueError:  # includes an integer too long to convert
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _pdf_renderer() -> str | None:
    """The name of the program that would render PDF, if there is one that might.

    Only a PATH look-up, no rendering: this runs whenever the parser is built.
    ``graphviz-pure`` is known not to write PDF.
    """
    try:
        from ..viz.render import find_executable

        name = Path(find_executable("pdf")).name
    except (ImportError, AutogradError):
        return None
    return None if name.startswith("graphviz-pure") else name


def _output_help() -> str:
    program = _pdf_renderer()
    if program is None:
        formats = ".svg, .png or .dot (.pdf needs a renderer that can, such as Graphviz's dot)"
    else:
        formats = f".svg, .png, .dot, or .pdf if {program} can write PDF"
    return f"write the diagram; the suffix gives the format: {formats}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``graph`` command's arguments to ``parser``."""
    parser.description = (
        "Evaluate an expression, print the gradient of every variable and draw its graph."
    )
    parser.epilog = (
        'An expression may start with "-", as in: graph "-x*y" x=1 y=2. '
        "Exit status: 0 done, 1 computing or drawing failed, 2 bad input (nothing done)."
    )
    parser.add_argument("expression", help='e.g. "tanh(w*x + b)"; quote it for the shell')
    parser.add_argument(
        "variables", nargs="*", metavar="NAME=VALUE", help="the variables, e.g. x=2 w=-3"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help=_output_help())
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
        "--explore",
        metavar="FILE.html",
        help="write a live explorer: sliders for the variables, every value and gradient "
        "recomputed in the page (one offline HTML file; needs no diagram renderer)",
    )
    parser.add_argument(
        "--params",
        metavar="NAMES",
        default="",
        help="comma-separated variables to draw as parameters (e.g. w,b); the rest are inputs",
    )
    parser.add_argument(
        "--max-nodes",
        type=_node_limit,
        default=None,
        metavar="N",
        help="draw graphs of up to N nodes",
    )


def protect_expression(argv: Sequence[str]) -> list[str]:
    """The ``graph`` command's arguments, with an expression that starts with
    ``-`` (``"-x*y"``) made safe from argparse, which would take it for an option.

    The expression is the first argument that is neither an option nor an
    option's value. If it starts with ``-`` and does not look like an option,
    it gets a leading space, which argparse does not read as an option and
    :func:`run` strips.

    >>> protect_expression(["-o", "g.svg", "-x*y", "x=1", "y=2"])
    ['-o', 'g.svg', ' -x*y', 'x=1', 'y=2']
    >>> protect_expression(["x*y", "-o", "g.svg"])
    ['x*y', '-o', 'g.svg']
    """
    out = list(argv)
    i = 0
    while i < len(out):
        token = out[i]
        if token == "--" or not token.startswith("-") or token == "-":
            return out  # argparse reads the expression as it is
        if token[:2] in _SHORT_OPTIONS:
            i += 2 if token == "-o" else 1
        elif _LONG_OPTION.fullmatch(token.partition("=")[0]):
            # A known option, an abbreviation of one (argparse accepts those),
            # or an unknown one that argparse will report.
            takes_value = "=" not in token and any(o.startswith(token) for o in _VALUE_OPTIONS)
            i += 2 if takes_value else 1
        else:
            out[i] = " " + token
            return out
    return out


def _shown(text: str) -> str:
    """``text`` quoted for a one-line message, shortened if long."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"


def parse_number(name: str, text: str) -> float:
    """The finite float a command line gives for variable ``name``, or a
    ``ValueError`` saying what is wrong with ``text`` (shared by the commands)."""
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"the value of {name} is not a number: {_shown(text)}") from None
    if math.isnan(x) or (math.isinf(x) and text.strip().lstrip("+-").lower() in _INFINITY):
        raise ValueError(f"the value of {name} must be a finite number, got {_shown(text)}")
    if math.isinf(x):  # a finite number too large for a float: float() rounded it up
        raise ValueError(
            f"the value of {name}, {_shown(text)}, is too large for a float "
            f"(the largest is about {sys.float_info.max:.1e})"
        )
    return x


def _variables(pairs: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    seen: set[str] = set()
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"expected NAME=VALUE, got {_shown(pair)}")
        # Python reads names in NFKC form (the expression's "ｘ" is "x"): compare those.
        key = unicodedata.normalize("NFKC", name)
        if not name.isidentifier() or keyword.iskeyword(key):
            raise ValueError(f"{_shown(name)} is not a valid variable name (in {_shown(pair)})")
        if key in FUNCTIONS:
            raise ValueError(f"{name} is a function, so it cannot be a variable name")
        if key in seen:
            raise ValueError(f"variable {name!r} is given twice")
        seen.add(key)
        out[name] = parse_number(name, text)
    return out


def _check_place(option: str, value: str, *, folder: bool) -> None:
    """Refuse an output that cannot be written: a missing or read-only folder,
    a file where a folder is wanted or the other way round."""
    if "\0" in value:  # no file system takes it; os calls would raise ValueError
        raise ValueError(f"{option} {value!r}: a file name cannot contain a NUL character")
    path = Path(value)
    try:
        if folder:
            if path.exists() and not path.is_dir():
                raise ValueError(f"{option} {value}: exists and is not a folder")
            existing = path
            while not existing.exists():  # save_svgs() creates the missing folders
                existing = existing.parent
        else:
            if path.is_dir():
                raise ValueError(f"{option} {value}: is a folder, not a file")
            existing = path.parent
            if not existing.exists():
                raise ValueError(f"{option} {value}: the folder {existing} does not exist")
        if not existing.is_dir():
            raise ValueError(f"{option} {value}: {existing} is not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(f"{option} {value}: cannot write in the folder {existing}")
        if not folder and path.exists() and not os.access(path, os.W_OK):
            raise ValueError(f"{option} {value}: the file is not writable")
    except OSError as exc:  # e.g. a name too long for the file system
        raise ValueError(f"{option} {value}: {exc.strerror or exc}") from None


def _check_viz(option: str, value: str) -> None:
    """Refuse a diagram without the viz extra: one line, with the install command."""
    try:
        from ..viz.diagram import require_graphviz

        require_graphviz()
    except ImportError as exc:
        missing = exc.name or "graphviz"
        raise ValueError(
            f"{option} {value}: diagrams need the viz extra, which is not installed "
            f"({missing} is missing): {VIZ_HINT}"
        ) from None


def _check_renderer(option: str, value: str, fmt: str) -> None:
    """Refuse a format no renderer here can write, before any work is done."""
    from ..viz.render import ENV_VAR, RenderError, find_executable, render

    try:
        program = find_executable(fmt)
    except RenderError as exc:
        raise ValueError(f"{option} {value}: {exc}") from None
    if fmt != "pdf":
        return  # every renderer found writes SVG and PNG
    # Only trying tells whether this renderer writes PDF (graphviz-pure does not;
    # a Graphviz dot built without cairo does not either).
    try:
        works = render("digraph { a }", "pdf", executable=program, timeout=30.0).startswith(b"%PDF")
    except RenderError:
        works = False
    if not works:
        raise ValueError(
            f"{option} {value}: {Path(program).name} cannot write PDF; write .svg or .png, "
            f"or install Graphviz (whose dot can) or set {ENV_VAR} to a program that can"
        )


def _check_outputs(args: argparse.Namespace) -> None:
    """Check every output the command is asked for, so that a bad one is
    reported before anything is computed or printed."""
    wanted = [
        (option, value)
        for option, value in (("-o", args.output), ("--steps", args.steps),
                              ("--steps-svg", args.steps_svg))
        if value
    ]  # fmt: skip
    explorer = [("--explore", args.explore)] if getattr(args, "explore", None) else []
    if explorer and Path(args.explore).suffix.lower() not in STEPS_SUFFIXES:
        raise ValueError(f"--explore {args.explore}: the explorer is an .html page")
    first: dict[str, str] = {}
    for option, value in wanted + explorer:
        where = os.path.abspath(value)
        if where in first:
            raise ValueError(f"{option} {value}: {first[where]} writes there too")
        first[where] = option
    for option, value in explorer:  # the explorer draws itself: no renderer needed
        _check_place(option, value, folder=False)
    if not wanted:
        return
    formats: dict[str, tuple[str, str]] = {}  # format -> the option that wants it
    if args.output:
        suffix = Path(args.output).suffix.lower()
        fmt = DIAGRAM_SUFFIXES.get(suffix)
        if fmt is None:
            # Offer .pdf only where it may work (the check below makes sure).
            usable = [s for s, f in DIAGRAM_SUFFIXES.items() if f != "pdf" or _pdf_renderer()]
            got = f"unknown suffix {suffix!r}" if suffix else "no suffix to tell the format"
            raise ValueError(f"-o {args.output}: {got}: use {', '.join(usable)}")
        if fmt != "dot":
            formats[fmt] = ("-o", args.output)
    if args.steps:
        if Path(args.steps).suffix.lower() not in STEPS_SUFFIXES:
            raise ValueError(f"--steps {args.steps}: the step-through is an .html page")
        formats.setdefault("svg", ("--steps", args.steps))
    if args.steps_svg:
        formats.setdefault("svg", ("--steps-svg", args.steps_svg))
    for option, value in wanted:
        _check_place(option, value, folder=option == "--steps-svg")
    _check_viz(*wanted[0])
    for fmt, (option, value) in formats.items():
        _check_renderer(option, value, fmt)


def _table(out: Value, inputs: dict[str, Value], stream: TextIO) -> None:
    # the output is L, as every diagram and the step-through name it
    rows = [("L", out.data, out.grad)] + [(n, v.data, v.grad) for n, v in inputs.items()]
    width = max(len(name) for name, _, _ in rows) + 2
    width = max(width, 6)
    print(f"{'name':<{width}}{'value':>24} {'gradient':>24}", file=stream)
    for name, data, grad in rows:
        print(f"{name:<{width}}{data!r:>24} {float(grad)!r:>24}", file=stream)


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    """Run the command; returns the exit status (0, 1 on a failure, 2 on bad input)."""
    out_stream = stdout or sys.stdout
    try:
        _check_outputs(args)
        values = _variables(args.variables)
        inputs = {name: Value(v, label=name) for name, v in values.items()}
        params = [name.strip() for name in args.params.split(",") if name.strip()]
        unknown = [name for name in params if name not in inputs]
        if unknown:
            raise ValueError(f"--params names undeclared variables: {', '.join(unknown)}")
        # The leading space protect_expression() may have added means nothing.
        out = evaluate(args.expression.lstrip(" "), inputs)
    except (AutogradError, ValueError) as exc:  # ExpressionError is both
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
        from ..viz import DEFAULT_MAX_NODES, GraphTooLargeError, draw_graph, step_through

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
    if getattr(args, "explore", None):
        from ..viz.explore import explore
        from ..viz.trace import DEFAULT_MAX_NODES

        try:
            limit = args.max_nodes if args.max_nodes is not None else DEFAULT_MAX_NODES
            explore(out, args.explore, params=[inputs[n] for n in params], max_nodes=limit)
        except (AutogradError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {args.explore} (the live explorer)", file=out_stream)
    return 0
