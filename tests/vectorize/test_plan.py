"""Tests for autograd_scalar.vectorize.plan: each compiling pass on its own,
then the steps they lead to."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from autograd_scalar.core.extend import define_op, remove_op
from autograd_scalar.core.value import CONST, Value
from autograd_scalar.vectorize import PerformanceWarning, record
from autograd_scalar.vectorize.backend import numpy_math
from autograd_scalar.vectorize.linear import Linear
from autograd_scalar.vectorize.plan import (
    CHAIN,
    Plan,
    assign_storage,
    compile_plan,
    find_aliases,
    find_chains,
    find_uses,
    lay_out,
    place_leaves,
)
from autograd_scalar.vectorize.record import Graph, arg_names, trace
from autograd_scalar.vectorize.steps import UNIFORM, VARYING, Chain, Group, Outer

from .conftest import Library
from .support import LOSSES, assert_matches_engine, make_mlp, mlp

U, V = UNIFORM, VARYING


def graph_of(f: Callable[..., Value], *args: Any, argnums: Sequence[int] = (0,)) -> Graph:
    return trace(np, f, args, argnums, arg_names(f, len(args)))


def position(graph: Graph, node: Value) -> int:
    return next(i for i, n in enumerate(graph.nodes) if n is node)


def plan_of(
    graph: Graph, params: Sequence[Value], input_grads: bool = False, layers: bool = True
) -> Plan:
    return compile_plan(np, numpy_math(), graph, params, input_grads, layers)


# A neuron as micrograd writes it: act = b; act = act + wᵢ·xᵢ, then tanh.
W = [Value(0.5, label="w0"), Value(-1.0, label="w1"), Value(2.0, label="w2")]
B = Value(0.25, label="b")


def neuron(x: list[Value]) -> Value:
    act = B
    for w, xi in zip(W, x):
        act = act + w * xi
    return act.tanh()


NEURON = graph_of(neuron, [1.0, 2.0, 3.0])


def nodes_by_op(graph: Graph, op: str) -> list[int]:
    """Positions of the nodes of ``op`` (in the engine's order, which lists
    a node's second operand's subgraph first)."""
    return [i for i, n in enumerate(graph.nodes) if n.op == op]


def node(graph: Graph, op: str, *operands: Value) -> int:
    """The position of the ``op`` node whose operands are ``operands``."""
    (found,) = [
        i
        for i, n in enumerate(graph.nodes)
        if n.op == op and all(any(p is v for p in n.parents) for v in operands)
    ]
    return found


def products_of(graph: Graph) -> list[int]:
    """The neuron's products w₀·x₀, w₁·x₁, w₂·x₂, in that order."""
    return [node(graph, "mul", w) for w in W]


def adds_of(graph: Graph) -> list[int]:
    """The neuron's additions, the first first."""
    return sorted(nodes_by_op(graph, "add"), key=lambda i: len(list(graph.nodes[i].walk())))


# ------------------------------------------------------------ 1. uses
def test_uses_count_each_operand_and_remember_the_consumer() -> None:
    graph = graph_of(lambda x: x * x + x, 2.0)
    uses = find_uses(graph)
    x = position(graph, graph.inputs[0])
    (mul,), (add,) = nodes_by_op(graph, "mul"), nodes_by_op(graph, "add")
    assert uses.count[x] == 3  # twice in x * x, once in + x
    assert uses.consumer[x] == add
    assert uses.count[mul] == 1 and uses.consumer[mul] == add
    assert uses.count[add] == 0 and uses.consumer[add] == -1


# ------------------------------------------------------------ 2. chains
def test_a_neurons_sum_is_one_chain_without_partial_sums() -> None:
    chains = find_chains(NEURON, find_uses(NEURON))
    adds = adds_of(NEURON)
    products = products_of(NEURON)
    end = adds[-1]
    assert [chains.internal[i] for i in adds] == [True, True, False]
    assert dict(chains.elements) == {end: (position(NEURON, B), *products)}
    assert chains.operands[end] == chains.elements[end]
    assert all(chains.end_of[i] == end for i in adds)
    tanh = nodes_by_op(NEURON, "tanh")[0]
    assert chains.operands[tanh] == NEURON.parents[tanh]


def test_a_partial_sum_used_elsewhere_ends_its_chain() -> None:
    def f(x: Value) -> Value:
        partial = (x + 1.0) + 2.0
        return (partial + 3.0) * partial

    graph = graph_of(f, 1.0)
    chains = find_chains(graph, find_uses(graph))
    first, partial, last = nodes_by_op(graph, "add")
    assert chains.internal[first] and not chains.internal[partial]
    assert set(chains.elements) == {partial}  # partial + 3.0 is a lone addition
    assert not chains.internal[last]


# ------------------------------------------------------------ 3. storage
def test_storage_kinds_levels_and_what_needs_a_gradient() -> None:
    w, unused = Value(3.0), Value(4.0)

    def f(x: Value) -> Value:
        return (w * 2.0).exp() * x + unused.data

    graph = graph_of(f, 1.0)
    chains = find_chains(graph, find_uses(graph))
    storage = assign_storage(graph, chains, [w], input_grads=False)
    by = {n.op or "leaf": i for i, n in enumerate(graph.nodes)}
    x = position(graph, graph.inputs[0])
    shared_mul, outer_mul = nodes_by_op(graph, "mul")
    assert storage.kind[position(graph, w)] == U and storage.kind[x] == V
    assert storage.kind[shared_mul] == storage.kind[by["exp"]] == U  # computed once
    assert storage.kind[outer_mul] == storage.kind[by["add"]] == V
    assert [storage.level[i] for i in (x, shared_mul, by["exp"], outer_mul)] == [0, 1, 2, 3]
    assert storage.needs[by["exp"]] and not storage.needs[x]
    assert assign_storage(graph, chains, [w], input_grads=True).needs[x]


# ------------------------------------------------------------ 4. aliases
def test_terms_of_a_sum_share_its_gradient_row() -> None:
    def f(x: Value, y: Value) -> Value:
        twice = x * y
        return (x.exp() + twice) - y.exp() * twice

    graph = graph_of(f, 1.0, 2.0, argnums=(0, 1))
    uses = find_uses(graph)
    chains = find_chains(graph, uses)
    aliases = find_aliases(graph, uses, chains, assign_storage(graph, chains, [], True))
    x, y = graph.inputs
    (add,), (sub,) = nodes_by_op(graph, "add"), nodes_by_op(graph, "sub")
    exp_x, exp_y = node(graph, "exp", x), node(graph, "exp", y)
    twice = node(graph, "mul", x, y)
    product = node(graph, "mul", graph.nodes[exp_y])
    assert aliases.of[exp_x] == add  # used once, added: exactly the sum's gradient
    assert aliases.of[add] == sub  # the left operand of a subtraction too
    assert aliases.of[product] == -1  # the right one is negated
    assert aliases.of[twice] == -1  # used twice
    assert aliases.of[exp_y] == -1  # a factor, not a term
    assert all(aliases.of[position(graph, v)] == -1 for v in graph.inputs)  # leaves never


def test_terms_of_a_chain_share_the_chains_row() -> None:
    uses = find_uses(NEURON)
    chains = find_chains(NEURON, uses)
    aliases = find_aliases(NEURON, uses, chains, assign_storage(NEURON, chains, W, False))
    end = adds_of(NEURON)[-1]
    assert [aliases.of[i] for i in products_of(NEURON)] == [end] * 3


# ------------------------------------------------------------ 5. rows
def test_layout_puts_inputs_first_and_each_group_together() -> None:
    uses = find_uses(NEURON)
    chains = find_chains(NEURON, uses)
    storage = assign_storage(NEURON, chains, W, False)
    aliases = find_aliases(NEURON, uses, chains, storage)
    layout = lay_out(NEURON, chains, storage, aliases)
    inputs = [position(NEURON, v) for v in NEURON.inputs]
    products = products_of(NEURON)
    adds = adds_of(NEURON)
    assert [layout.row[i] for i in inputs] == [0, 1, 2]
    assert sorted(layout.row[i] for i in products) == [3, 4, 5]  # one block of the varying rows
    assert [layout.row[i] for i in adds[:-1]] == [-1, -1]  # partial sums have no row
    assert [layout.grad_row[i] for i in products] == [layout.row[adds[-1]]] * 3
    assert [(g.op, g.kinds, len(g.members)) for g in layout.groups] == [
        ("mul", (U, V), 3),
        (CHAIN, (U, V, V, V), 1),
        ("tanh", (V,), 1),
    ]
    assert layout.size == (4, 8)  # u: w0..w2 and b; v: 3 inputs, 3 products, sum, tanh


# ------------------------------------------------------------ 6. steps
def test_layers_products_become_matrix_products(xp: Library) -> None:
    """Without the layer pass, micrograd's layout is still recognised (two
    layers' products are one Outer step each, whichever side the weight is
    on); with it, each layer is one Linear step; both match the engine."""
    rng = random.Random(7)
    layers = make_mlp(rng, [3, 4, 5, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]
    X = np.random.default_rng(7).uniform(-2, 2, size=(9, 3))
    Y = np.ones(9)
    for swap in (False, True):

        def f(x: list[Value], y: Value, swap: bool = swap) -> Value:
            return LOSSES["hinge"](mlp(layers, x, "relu", swap), y)

        graph = graph_of(f, X[0].tolist(), 1.0, argnums=(0, 1))
        plan = plan_of(graph, params, True, layers=False)
        assert sum(type(s) is Outer for s in plan.steps) == 2
        assert not any(type(s) is Linear for s in plan.steps)
        plan = plan_of(graph, params, True)
        assert [s.shape for s in plan.steps if type(s) is Linear] == [(4, 3), (5, 4), (1, 5)]
        assert not any(type(s) in (Outer, Chain) for s in plan.steps)
        assert_matches_engine(f, [X, Y], params, "mean", xp)


def test_products_not_summed_per_neuron_are_not_taken_for_a_layer(xp: Library) -> None:
    """w[j,k]·x[k] for every j, k, but each product through its own tanh:
    the gradients do not arrive per neuron, so no matrix product applies."""
    w = [[Value(0.1 * (j + 1) - 0.2 * k) for k in range(3)] for j in range(2)]
    params = [p for row in w for p in row]

    def f(x: list[Value]) -> Value:
        return sum(((w[j][k] * x[k]).tanh() for j in range(2) for k in range(3)), Value(0.0))

    X = np.random.default_rng(3).uniform(-2, 2, size=(5, 3))
    plan = plan_of(graph_of(f, X[0].tolist()), params, True)
    assert not any(type(s) is Outer for s in plan.steps)
    assert_matches_engine(f, [X], params, xp=xp)


def test_micrograds_mlp_is_nine_steps() -> None:
    """The benchmark's network (2→16→16→1, ReLU, SVM loss) keeps its shape:
    3 layers (one matrix product each), 2 of ReLU, then the loss's 4 steps;
    without the layer pass, 12: 3 layers of products, 3 of sums, 2 ReLU, 4."""
    rng = random.Random(1)
    layers = make_mlp(rng, [2, 16, 16, 1])
    params = [p for layer in layers for neuron in layer for p in neuron]

    def hinge(x: list[Value], y: Value) -> Value:
        return LOSSES["hinge"](mlp(layers, x, "relu"), y)

    graph = graph_of(hinge, [0.5, -0.5], 1.0, argnums=(0, 1))
    before = plan_of(graph, params, layers=False)
    assert [type(s).__name__ for s in before.steps].count("Outer") == 2  # the last layer: J = 1
    assert len(before.steps) == 12 and sum(isinstance(s, Chain) for s in before.steps) == 3
    plan = plan_of(graph, params)
    assert [s.shape for s in plan.steps if isinstance(s, Linear)] == [(16, 2), (16, 16), (1, 16)]
    assert len(plan.steps) == 9
    relus = [s for s in plan.steps if isinstance(s, Group) and s.rule.name == "relu"]
    assert len(relus) == 3 and all(s.write is not None for s in relus)  # in place
    assert not any(isinstance(s, (Chain, Outer)) for s in plan.steps)
    assert plan.vectorized
    # the products get no rows: x0, x1, y; 16 + 16 + 1 sums; 16 + 16 ReLUs; the loss's 4
    assert plan.size[VARYING] == before.size[VARYING] - (16 * 2 + 16 * 16 + 16) == 72


# ------------------------------------------------------------ 7. leaves
def test_leaves_constants_shared_values_and_parameter_rows() -> None:
    w, b, unused = Value(3.0, label="w"), Value(1.0, label="b"), Value(9.0)
    graph = graph_of(lambda x: w * x + b * 0.5, 2.0)
    uses = find_uses(graph)
    chains = find_chains(graph, uses)
    storage = assign_storage(graph, chains, [w, b, unused], False)
    layout = lay_out(graph, chains, storage, find_aliases(graph, uses, chains, storage))
    leaves = place_leaves(graph, storage, layout, [w, b, unused])
    constant = next(i for i, n in enumerate(graph.nodes) if n.op == CONST)
    assert leaves.constants == ((layout.row[constant], 0.5),)
    assert set(leaves.shared) == {w, b}
    assert leaves.param_rows[:2] == tuple(layout.row[position(graph, p)] for p in (w, b))
    assert leaves.param_rows[2] == -1  # not reached: its gradient is 0


def test_a_rule_written_with_math_makes_the_plan_run_example_by_example() -> None:
    cube = define_op("cube_math", lambda x: math.pow(x, 3), lambda m, x, y, out: 3.0 * x * x)
    try:
        graph = graph_of(lambda x: cube(x) * 2.0, 2.0)
        plan = plan_of(graph, [])
        (group,) = [s for s in plan.steps if isinstance(s, Group) and s.rule.name == "cube_math"]
        assert group.write is None and not plan.vectorized
        with pytest.warns(PerformanceWarning, match="cube_math"):
            rec = record(lambda x: cube(x) * 2.0, 2.0)
        assert rec.run(np.array([1.0, 2.0]), input_grads=True).input_grads is not None
    finally:
        remove_op("cube_math")
