"""Diagrams of computational graphs and of backpropagation.

Needs the ``viz`` extra (``pip install "autograd_scalar[viz]"``): the
``graphviz`` package writes DOT and ``graphviz-pure`` renders it, so no system
Graphviz is required (see :mod:`autograd_scalar.viz.render`).

* :func:`draw_graph`: the scalar graph, forward or backward view.
* :func:`step_through`: the forward pass node by node, then the backward pass
  gradient by gradient, as HTML or SVG files.
* :func:`draw_network`: an MLP one node per neuron; ``view="backward"`` draws
  the reverse network of amplifiers, and :func:`network_steps` steps through
  it layer by layer.
* :func:`explore`: one offline HTML page to move the inputs and watch every
  value and gradient change, and to predict gradients.
* :func:`render`: DOT source to SVG / PNG / PDF bytes.

Every diagram of an output shows the gradients computed for that output by
the engine's backward driver, never the nodes' stored ``.grad`` unless asked
(``stored_grads=True``), so all views of a graph agree.
"""

from .diagram import Diagram
from .explore import explore
from .graph import draw_graph
from .network import NetworkSteps, draw_network, network_steps, reverse_network
from .render import RenderError, find_executable, render
from .steps import BackwardSteps, ForwardFrame, Frame, step_through
from .trace import DEFAULT_MAX_NODES, GraphTooLargeError

__all__ = [
    "DEFAULT_MAX_NODES",
    "BackwardSteps",
    "Diagram",
    "ForwardFrame",
    "Frame",
    "GraphTooLargeError",
    "NetworkSteps",
    "RenderError",
    "draw_graph",
    "draw_network",
    "explore",
    "find_executable",
    "network_steps",
    "render",
    "reverse_network",
    "step_through",
]
