"""Diagrams of computational graphs and of backpropagation.

Needs the ``viz`` extra (``pip install "autograd_scalar[viz]"``): the
``graphviz`` package writes DOT and ``graphviz-pure`` renders it, so no system
Graphviz is required (see :mod:`autograd_scalar.viz.render`).

* :func:`draw_graph`: the scalar graph, forward or backward view.
* :func:`step_through`: the backward pass frame by frame, as HTML or SVG files.
* :func:`draw_network`: an MLP one node per neuron.
* :func:`render`: DOT source to SVG / PNG / PDF bytes.
"""

from .diagram import Diagram
from .graph import draw_graph
from .network import draw_network
from .render import RenderError, find_executable, render
from .steps import BackwardSteps, Frame, step_through
from .trace import DEFAULT_MAX_NODES, GraphTooLargeError

__all__ = [
    "DEFAULT_MAX_NODES",
    "BackwardSteps",
    "Diagram",
    "Frame",
    "GraphTooLargeError",
    "RenderError",
    "draw_graph",
    "draw_network",
    "find_executable",
    "render",
    "step_through",
]
