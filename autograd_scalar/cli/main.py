"""Command line: ``python -m autograd_scalar <command>`` (also installed as
``autograd-scalar``).

Commands:

* ``demo``: train an MLP on two moons and write pictures (see
  :mod:`autograd_scalar.cli.demo`);
* ``graph``: print an expression's gradients and draw its graph (see
  :mod:`autograd_scalar.cli.graph`; the diagrams need the ``[viz]`` extra);
* ``check``: check a hand-derived derivative and say what is wrong with it
  (see :mod:`autograd_scalar.cli.check`; exit status 1 when it is wrong).

Exit status, as argparse has it: 0 done, 2 bad input (with a one-line
``error:`` message and no traceback), 1 a failure after the input was
accepted, 130 the demo's training interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["main"]


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not x > 0.0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return x


def _nonnegative_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 0, got {text!r}") from None
    if not 0.0 <= x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number ≥ 0, got {text!r}")
    return x


def _sizes(text: str) -> list[int]:
    return [_positive_int(part) for part in text.split(",")]


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", default="autograd_scalar_output", help="output folder (default: %(default)s)"
    )
    parser.add_argument("--epochs", type=_positive_int, default=100, help="default: %(default)s")
    parser.add_argument(
        "--samples", type=_positive_int, default=100, help="two-moons points (default: %(default)s)"
    )
    parser.add_argument(
        "--noise", type=_nonnegative_float, default=0.1, help="default: %(default)s"
    )
    parser.add_argument(
        "--hidden", type=_sizes, default=[16, 16],
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )  # fmt: skip
    parser.add_argument(
        "--lr", type=_positive_float, default=1.0, help="initial learning rate (default: 1.0)"
    )
    parser.add_argument(
        "--l2", type=_nonnegative_float, default=1e-4, help="L2 penalty λ (default: 1e-4)"
    )
    parser.add_argument("--seed", type=int, default=0, help="data and weights (default: 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _check_folder(option: str, value: str) -> str | None:
    """Why ``value`` cannot be the output folder, or None if it can (it is
    created here, so that a bad one is reported before training)."""
    if "\0" in value:  # no file system takes it; os calls would raise ValueError
        return f"{option} {value!r}: a folder name cannot contain a NUL character"
    folder = Path(value)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{option} {value}: exists and is not a folder"
    except OSError as exc:
        return f"{option} {value}: cannot create the folder: {exc.strerror or exc}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{option} {value}: cannot write in the folder"
    return None


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    problem = _check_folder("--out", args.out)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    result = run_demo(
        args.out,
        samples=args.samples,
        noise=args.noise,
        hidden=args.hidden,
        epochs=args.epochs,
        lr=args.lr,
        l2=args.l2,
        seed=args.seed,
        progress=not args.no_progress,
    )
    return 130 if result.history.interrupted else 0


def _graph_module() -> tuple[ModuleType | None, str | None]:
    """The graph command's module, or why it cannot be imported."""
    try:
        # Imported only for this command, so `demo` never pays for it.
        return importlib.import_module("autograd_scalar.cli.graph"), None
    except ImportError as exc:
        return None, f"the graph command is not available: {exc}"


def _build_parser(graph_cli: ModuleType | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-scalar",
        description="A scalar reverse-mode autodiff engine for learning backpropagation.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="train an MLP on two moons; write its decision boundary and a neuron's graph",
        description="Train an MLP on two moons with a progress bar, print the accuracy, and "
        "write a decision-boundary picture and one neuron's forward/backward graph.",
    )
    _add_demo_arguments(demo)
    demo.set_defaults(handler=_run_demo)
    graph = commands.add_parser(
        "graph", help="print an expression's gradients and draw its computational graph"
    )
    if graph_cli is not None:
        graph_cli.add_arguments(graph)
        graph.set_defaults(handler=graph_cli.run)
    else:
        graph.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    from . import check as check_cli

    check = commands.add_parser(
        "check", help="check a hand-derived derivative and say what is wrong with it"
    )
    check_cli.add_arguments(check)
    check.set_defaults(handler=check_cli.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse's own exits included)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    graph_cli, problem = None, None
    if args_list and args_list[0] == "graph":
        graph_cli, problem = _graph_module()
        if problem is not None:
            print(f"autograd-scalar: error: {problem}", file=sys.stderr)
            return 2
        assert graph_cli is not None
        args_list[1:] = graph_cli.protect_expression(args_list[1:])
    elif args_list and args_list[0] == "check":
        from .check import protect_arguments

        args_list[1:] = protect_arguments(args_list[1:])
    parser = _build_parser(graph_cli)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, --version, or a usage error already reported
        code = exc.code
        return code if isinstance(code, int) else 0 if code is None else 2
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args))
