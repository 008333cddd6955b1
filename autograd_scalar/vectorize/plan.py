"""Compiling a recorded graph into array steps: a sequence of named passes.

:func:`compile_plan` runs them in order; each returns a small frozen record
that the next ones read, and that a test can check on its own:

1. :func:`find_uses`: how often each node is used, and by which node;
2. :func:`find_chains`: chains of additions whose partial sums nothing else
   uses (the ``Σ wᵢxᵢ + b`` of a neuron), one step each, no rows inside;
3. :func:`assign_storage`: each node's storage (uniform over the batch, or
   varying), its depth, and whether a gradient must reach it; then
   :func:`find_layers`: the chains that are a layer's weighted sums
   (``b[j] + Σₖ w[j,k]·h[k]``, shared ``w``, per-example ``h``), one matrix
   product each (:class:`~autograd_scalar.vectorize.linear.Linear`), their
   products given no rows;
4. :func:`find_aliases`: nodes that share a gradient row with the sum they
   are added into (their gradient is exactly the sum's);
5. :func:`lay_out`: groups of nodes (one rule, depth and kind of operands)
   and the value and gradient rows of every node;
6. :func:`build_steps`: the array steps (:mod:`.steps`, :mod:`.linear`) of each group;
7. :func:`place_leaves`: where constants, shared leaves and parameters live.

The positions used throughout are those of :attr:`.record.Graph.nodes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, ModuleType

from ..core.errors import InvalidInputError
from ..core.maths import Maths
from ..core.rules import Rule
from ..core.value import CONST, Value
from .linear import Linear
from .record import Graph
from .steps import (
    UNIFORM,
    VARYING,
    Chain,
    Group,
    Outer,
    Scatter,
    Step,
    in_place,
    index,
    scatter_plan,
)

__all__ = [
    "CHAIN",
    "LINEAR",
    "Aliases",
    "Chains",
    "GroupSpec",
    "LayerSpec",
    "Layers",
    "Layout",
    "Leaves",
    "Plan",
    "PlanStep",
    "Storage",
    "Uses",
    "assign_storage",
    "build_steps",
    "compile_plan",
    "find_aliases",
    "find_chains",
    "find_layers",
    "find_uses",
    "lay_out",
    "in_row_order",
    "linear_step",
    "outer_step",
    "place_leaves",
]

#: The op of a group of chains of additions (not a rule name: those are identifiers).
CHAIN = "+chain"
#: The op of a layer's weighted sums, one matrix product (see :func:`find_layers`).
LINEAR = "+linear"

#: Any step of a plan.
PlanStep = Step | Linear


# ------------------------------------------------------------ 1. uses
@dataclass(frozen=True)
class Uses:
    """``count[i]``: how many times node i is an operand; ``consumer[i]``: the
    last node that uses it (-1: none)."""

    count: tuple[int, ...]
    consumer: tuple[int, ...]


def find_uses(graph: Graph) -> Uses:
    n = len(graph.nodes)
    count = [0] * n
    consumer = [-1] * n
    for i, ps in enumerate(graph.parents):
        for p in ps:
            count[p] += 1
            consumer[p] = i
    return Uses(tuple(count), tuple(consumer))


# ------------------------------------------------------------ 2. chains
@dataclass(frozen=True)
class Chains:
    """Chains of additions ``((a₀ + a₁) + a₂) + … + a_L``.

    Attributes:
        internal: per node, whether it is a partial sum inside a chain (used
            only as the left operand of the next addition): it gets no row.
        elements: chain end -> ``(a₀, a₁, …, a_L)``.
        end_of: per node, its chain's end if internal, else itself.
        operands: per node, what its step reads: its chain's elements for a
            chain end, else its parents.
    """

    internal: tuple[bool, ...]
    elements: Mapping[int, tuple[int, ...]]
    end_of: tuple[int, ...]
    operands: tuple[tuple[int, ...], ...]


def find_chains(graph: Graph, uses: Uses) -> Chains:
    nodes, parents = graph.nodes, graph.parents
    n = len(nodes)
    internal = [
        nodes[i].op == "add"
        and uses.count[i] == 1
        and nodes[uses.consumer[i]].op == "add"
        and parents[uses.consumer[i]][0] == i
        for i in range(n)
    ]
    elements: dict[int, tuple[int, ...]] = {}
    end_of = list(range(n))
    for i in reversed(range(n)):  # consumers first, so end_of is known above
        if internal[i]:
            end_of[i] = end_of[uses.consumer[i]]
        elif nodes[i].op == "add" and internal[parents[i][0]]:
            chain = []
            c = i
            while internal[parents[c][0]]:
                chain.append(parents[c][1])
                c = parents[c][0]
            chain.extend((parents[c][1], parents[c][0]))
            elements[i] = tuple(reversed(chain))
    operands = tuple(elements.get(i, parents[i]) for i in range(n))
    return Chains(tuple(internal), MappingProxyType(elements), tuple(end_of), operands)


# ------------------------------------------------------------ 3. storage
@dataclass(frozen=True)
class Storage:
    """Per node: ``kind`` (:data:`.steps.UNIFORM`: it depends only on shared
    leaves and constants, one value for the batch; :data:`.steps.VARYING`:
    one per example), ``level`` (its depth, counting a chain as one step),
    ``needs`` (it depends on something differentiated, so a gradient must
    reach it)."""

    kind: tuple[int, ...]
    level: tuple[int, ...]
    needs: tuple[bool, ...]


def assign_storage(
    graph: Graph, chains: Chains, params: Sequence[Value], input_grads: bool
) -> Storage:
    input_ids = {id(v) for v in graph.inputs}
    param_ids = {id(p) for p in params}
    n = len(graph.nodes)
    kind = [UNIFORM] * n
    level = [0] * n
    needs = [False] * n
    for i, node in enumerate(graph.nodes):
        ps = chains.operands[i]
        if ps:
            kind[i] = max(kind[p] for p in ps)
            level[i] = 1 + max(level[p] for p in ps)
            needs[i] = any(needs[p] for p in ps)
        elif id(node) in input_ids:
            kind[i] = VARYING
            needs[i] = input_grads
        else:
            needs[i] = id(node) in param_ids
    return Storage(tuple(kind), tuple(level), tuple(needs))


# ------------------------------------------------------------ 3½. layers
@dataclass(frozen=True)
class LayerSpec:
    """One layer: ``J`` chains ``b[j] + Σₖ w[j,k]·h[k]`` over the same inputs.

    Attributes:
        ends: the chains' ends (the neurons' sums), in the order of the graph.
        weights: per neuron, its ``K`` weights ``w[j,k]``, in the chain's order.
        inputs: the ``K`` inputs ``h[k]``, the same for every neuron.
        biases: per neuron, its bias, or ``None``: the chains have none.
    """

    ends: tuple[int, ...]
    weights: tuple[tuple[int, ...], ...]
    inputs: tuple[int, ...]
    biases: tuple[int, ...] | None


@dataclass(frozen=True)
class Layers:
    """``layers``: the layers found; ``of[i]``: the layer whose sum node i is
    (-1: none); ``absorbed[i]``: node i is a product computed inside a layer's
    matrix product, so it gets no row (like a chain's partial sum)."""

    layers: tuple[LayerSpec, ...]
    of: tuple[int, ...]
    absorbed: tuple[bool, ...]


def find_layers(graph: Graph, uses: Uses, chains: Chains, storage: Storage) -> Layers:
    """Chains whose elements are products ``w · h`` (in either order; ``w``
    uniform, ``h`` varying, each product used only by its chain) and at most
    one uniform bias, first or last; those of one depth, bias position and
    sequence of inputs ``h`` are one layer. Any other chain (an extra
    varying term, a product of two varying operands, a bias in the middle)
    is left to the :class:`.steps.Chain` and :class:`.steps.Outer` steps."""
    nodes, parents, kind = graph.nodes, graph.parents, storage.kind
    n = len(nodes)

    def factors(p: int) -> tuple[int, int] | None:
        """``(w, h)`` of a product only its chain uses, else ``None``."""
        if nodes[p].op != "mul" or uses.count[p] != 1 or chains.internal[p]:
            return None
        a, b = parents[p]
        if (kind[a], kind[b]) == (UNIFORM, VARYING):
            return a, b
        if (kind[a], kind[b]) == (VARYING, UNIFORM):
            return b, a
        return None

    found: dict[tuple[int, int, tuple[int, ...]], list[tuple[int, tuple[int, ...], int]]] = {}
    for end in sorted(chains.elements):
        terms = list(chains.elements[end])
        where = 0  # the bias: 0 none, 1 first, 2 last
        bias = -1
        if kind[terms[0]] == UNIFORM:
            where, bias = 1, terms.pop(0)
        elif kind[terms[-1]] == UNIFORM:
            where, bias = 2, terms.pop()
        pairs = [factors(p) for p in terms]
        if not all(pairs):
            continue
        ws = tuple(pair[0] for pair in pairs if pair)
        hs = tuple(pair[1] for pair in pairs if pair)
        found.setdefault((storage.level[end], where, hs), []).append((end, ws, bias))
    of = [-1] * n
    absorbed = [False] * n
    layers: list[LayerSpec] = []
    for (_, where, hs), neurons in sorted(found.items(), key=lambda item: item[1][0][0]):
        for end, _, bias in neurons:
            of[end] = len(layers)
            for p in chains.elements[end]:
                absorbed[p] = p != bias  # the products
        layers.append(
            LayerSpec(
                tuple(end for end, _, _ in neurons),
                tuple(ws for _, ws, _ in neurons),
                hs,
                tuple(b for _, _, b in neurons) if where else None,
            )
        )
    return Layers(tuple(layers), tuple(of), tuple(absorbed))


def no_layers(graph: Graph) -> Layers:
    """No layer recognised: every chain keeps its steps."""
    n = len(graph.nodes)
    return Layers((), (-1,) * n, (False,) * n)


# ------------------------------------------------------------ 4. aliases
@dataclass(frozen=True)
class Aliases:
    """``of[i] = c``: node i shares the gradient row of the sum c it is added
    into (used once, as an operand of ``+`` or the left one of ``-``, of the
    same storage: its gradient is exactly c's, 1 · upstream added to 0), so
    nothing is passed to it; -1: it has a row of its own."""

    of: tuple[int, ...]


def find_aliases(graph: Graph, uses: Uses, chains: Chains, storage: Storage) -> Aliases:
    nodes, parents = graph.nodes, graph.parents
    alias = [-1] * len(nodes)
    for i in range(len(nodes)):
        c = uses.consumer[i]
        if not parents[i] or chains.internal[i] or uses.count[i] != 1:
            continue
        adds = nodes[c].op == "add" or (nodes[c].op == "sub" and parents[c][0] == i)
        if adds and storage.kind[i] == storage.kind[chains.end_of[c]]:
            alias[i] = chains.end_of[c]
    return Aliases(tuple(alias))


# ------------------------------------------------------------ 5. rows
@dataclass(frozen=True)
class GroupSpec:
    """Nodes that become one step: one op (a rule name, :data:`CHAIN` or
    :data:`LINEAR`), one depth, one storage per operand; their results in
    rows ``start …``. ``layer``: for :data:`LINEAR`, which of
    ``Layers.layers`` (its operands are the weights, the inputs and the
    biases, ``kinds`` their storages)."""

    op: str
    kinds: tuple[int, ...]
    members: tuple[int, ...]
    start: int
    layer: int = -1


@dataclass(frozen=True)
class Layout:
    """``row[i]``: node i's value row in its storage (-1: none, a chain's
    partial sum); ``grad_row[i]``: its gradient row (an alias's is its sum's);
    ``size``: the rows of each storage; ``groups``: in the order they run."""

    row: tuple[int, ...]
    grad_row: tuple[int, ...]
    size: tuple[int, int]
    groups: tuple[GroupSpec, ...]


def lay_out(
    graph: Graph,
    chains: Chains,
    storage: Storage,
    aliases: Aliases,
    layers: Layers | None = None,
) -> Layout:
    """Rows: inputs first (one transposed copy fills them), then leaves in
    the order groups first use them, then each group's results together,
    ordered so that operands are read by slices where possible. A layer's
    products (``layers``) get no row: its matrix product reads the weights
    and the inputs."""
    nodes, parents = graph.nodes, graph.parents
    kind = storage.kind
    n = len(nodes)
    if layers is None:
        layers = no_layers(graph)
    row = [-1] * n
    size = [0, len(graph.inputs)]
    input_pos = {id(v): i for i, v in enumerate(graph.inputs)}
    for i, node in enumerate(nodes):
        if id(node) in input_pos:
            row[i] = input_pos[id(node)]
    keyed: dict[tuple[int, str, tuple[int, ...], int], list[int]] = {}
    for i in range(n):
        if not chains.operands[i] or chains.internal[i] or layers.absorbed[i]:
            continue
        layer = layers.of[i]
        if layer >= 0:
            spec = layers.layers[layer]
            storages = (UNIFORM, VARYING) + (() if spec.biases is None else (UNIFORM,))
            keyed.setdefault((storage.level[i], LINEAR, storages, layer), []).append(i)
            continue
        kinds = tuple(kind[p] for p in chains.operands[i])
        op = CHAIN if i in chains.elements else nodes[i].op
        keyed.setdefault((storage.level[i], op, kinds, -1), []).append(i)

    def place(i: int) -> None:
        row[i] = size[kind[i]]
        size[kind[i]] += 1

    groups = []
    for key in sorted(keyed):
        _, op, kinds, layer = key
        members = keyed[key]
        if op == LINEAR:
            spec = layers.layers[layer]
            for p in spec.inputs:
                if row[p] < 0:
                    place(p)
            ws, _ = in_row_order(spec, row)
            for p in (*ws, *(spec.biases or ())):
                if row[p] < 0:
                    place(p)
            start = size[VARYING]
            for i in members:
                place(i)
            groups.append(GroupSpec(op, kinds, tuple(members), start, layer))
            continue
        for i in members:
            for p in chains.operands[i]:
                if row[p] < 0:
                    place(p)
        if op == "mul" and sorted(kinds) == [UNIFORM, VARYING]:
            # weights before inputs, whichever side they are on: a layer's
            # products come out neuron-major, which outer_step recognises
            members.sort(key=lambda i: [row[p] for p in sorted(parents[i], key=kind.__getitem__)])
        else:
            members.sort(key=lambda i: [row[p] for p in chains.operands[i]])
        start = size[kind[members[0]]]
        for i in members:
            place(i)
        groups.append(GroupSpec(op, kinds, tuple(members), start))
    out = n - 1
    if row[out] < 0:  # the output is a leaf no operation uses
        place(out)
    grad_row = list(row)
    for i in reversed(range(n)):  # consumers come after their operands
        if aliases.of[i] >= 0:
            grad_row[i] = grad_row[aliases.of[i]]
    return Layout(tuple(row), tuple(grad_row), (size[0], size[1]), tuple(groups))


# ------------------------------------------------------------ 6. steps
def build_steps(
    np: ModuleType,
    m: Maths,
    graph: Graph,
    chains: Chains,
    storage: Storage,
    aliases: Aliases,
    layout: Layout,
    layers: Layers | None = None,
) -> tuple[PlanStep, ...]:
    """One step per group: a :class:`~autograd_scalar.vectorize.linear.Linear`
    for a layer's weighted sums, a :class:`.steps.Chain` for other chains, an :class:`.steps.Outer`
    for other layers' products, a :class:`.steps.Group` for the rest."""

    def passes(p: int, member: int) -> bool:
        """Whether the gradient must be added into operand ``p`` of ``member``."""
        return storage.needs[p] and aliases.of[p] != member

    steps: list[PlanStep] = []
    for spec in layout.groups:
        out = slice(spec.start, spec.start + len(spec.members))
        if spec.op == LINEAR:
            assert layers is not None  # a LINEAR group comes from them
            steps.append(linear_step(np, spec, out, layers.layers[spec.layer], layout, passes))
            continue
        if spec.op == CHAIN:
            steps.append(_chain_step(np, spec, out, chains, layout, passes))
            continue
        if spec.op == "mul" and sorted(spec.kinds) == [UNIFORM, VARYING]:
            outer = outer_step(np, spec, out, graph, layout, passes)
            if outer is not None:
                steps.append(outer)
                continue
        steps.append(_group_step(np, m, spec, out, graph, storage, layout, passes))
    return tuple(steps)


def _chain_step(
    np: ModuleType,
    spec: GroupSpec,
    out: slice,
    chains: Chains,
    layout: Layout,
    passes: Callable[[int, int], bool],
) -> Chain:
    members = spec.members
    operands = chains.operands
    scatters = []
    for k in (UNIFORM, VARYING):
        targets = [
            (j, operands[i][q])
            for q, kq in enumerate(spec.kinds)
            if kq == k
            for j, i in enumerate(members)
            if passes(operands[i][q], i)
        ]
        if targets:
            rows = [layout.grad_row[p] for _, p in targets]
            scatters.append(scatter_plan(np, k, [j for j, _ in targets], rows))
    elements = tuple(
        (kq, index(np, [layout.row[operands[i][q]] for i in members]))
        for q, kq in enumerate(spec.kinds)
    )
    kind = VARYING if VARYING in spec.kinds else UNIFORM
    grad_rows = index(np, [layout.grad_row[i] for i in members])
    return Chain(kind, out, grad_rows, elements, tuple(scatters))


def outer_step(
    np: ModuleType,
    spec: GroupSpec,
    out: slice,
    graph: Graph,
    layout: Layout,
    passes: Callable[[int, int], bool],
) -> Outer | None:
    """An :class:`.steps.Outer` step for a group of ``w · h`` products, if its
    members are ``w[j,k] · h[k]`` neuron-major with one gradient row per neuron."""
    members, parents, row, grad_row = spec.members, graph.parents, layout.row, layout.grad_row
    a = spec.kinds.index(UNIFORM)
    b = 1 - a
    h = [row[parents[i][b]] for i in members]
    k = len(set(h))
    j = len(members) // k
    if j < 2 or h != h[:k] * j:
        return None
    up = [grad_row[i] for i in members]
    if any(up[n] != up[n - n % k] for n in range(len(up))):
        return None
    # Gradients go to every w (or h) if any needs one: the others' rows are not read.
    w_plan = None
    if any(passes(parents[i][a], i) for i in members):
        w_plan = scatter_plan(np, UNIFORM, None, [grad_row[parents[i][a]] for i in members])
    h_grad = None
    if any(passes(parents[i][b], i) for i in members):
        h_grad = index(np, [grad_row[parents[i][b]] for i in members[:k]])
    return Outer(
        out,
        (j, k),
        index(np, [row[parents[i][a]] for i in members]),
        index(np, h[:k]),
        np.asarray(up[::k], dtype=np.intp),
        w_plan,
        h_grad,
    )


def in_row_order(layer: LayerSpec, row: Sequence[int]) -> tuple[list[int], list[int]]:
    """A layer's weights (j-major) and inputs, the inputs in the order of
    their rows, so that they are read as a slice where they are consecutive
    (the engine's order lists a layer's neurons last first). The order of a
    sum's terms is the matrix product's own anyway."""
    order = sorted(range(len(layer.inputs)), key=lambda k: row[layer.inputs[k]])
    ws = [neuron[k] for neuron in layer.weights for k in order]
    return ws, [layer.inputs[k] for k in order]


def linear_step(
    np: ModuleType,
    spec: GroupSpec,
    out: slice,
    layer: LayerSpec,
    layout: Layout,
    passes: Callable[[int, int], bool],
) -> Linear:
    """The :class:`~autograd_scalar.vectorize.linear.Linear` step of a layer.
    A gradient goes to every weight (or input, or bias) if any needs one: the others' rows are not
    read. Weights or biases shared by several neurons, or an input used
    twice, get the sum of their terms (the scatter plans add repeated rows)."""
    row, grad_row = layout.row, layout.grad_row
    ends = spec.members
    ws, hs = in_row_order(layer, row)
    owner = [end for end in ends for _ in hs]  # the sum each weight is in
    w_plan = h_plan = b_plan = None
    if any(passes(w, end) for w, end in zip(ws, owner)):
        w_plan = scatter_plan(np, UNIFORM, None, [grad_row[w] for w in ws])
    if any(passes(h, end) for h in hs for end in ends):
        h_plan = scatter_plan(np, VARYING, None, [grad_row[h] for h in hs])
    b_rows = None
    if layer.biases is not None:
        b_rows = index(np, [row[b] for b in layer.biases])
        if any(passes(b, end) for b, end in zip(layer.biases, ends)):
            b_plan = scatter_plan(np, UNIFORM, None, [grad_row[b] for b in layer.biases])
    return Linear(
        out,
        (len(ends), len(hs)),
        index(np, [row[w] for w in ws]),
        index(np, [row[h] for h in hs]),
        b_rows,
        index(np, [grad_row[end] for end in ends]),
        w_plan,
        h_plan,
        b_plan,
    )


def _rule_of(node: Value) -> Rule:
    rule = node.rule
    if rule is None:
        raise InvalidInputError(
            "record",
            node.op,
            f"the rule of operation {node.op!r} was removed (remove_op); replaying "
            "its nodes needs it",
            node.label,
        )
    return rule


def _group_step(
    np: ModuleType,
    m: Maths,
    spec: GroupSpec,
    out: slice,
    graph: Graph,
    storage: Storage,
    layout: Layout,
    passes: Callable[[int, int], bool],
) -> Group:
    nodes, parents, members = graph.nodes, graph.parents, spec.members
    rule = _rule_of(nodes[members[0]])
    operands = []
    plans: list[Scatter | None] = []
    for k, operand_kind in enumerate(spec.kinds):
        operands.append((operand_kind, index(np, [layout.row[parents[i][k]] for i in members])))
        select = [j for j, i in enumerate(members) if passes(parents[i][k], i)]
        if not rule.differentiable[k] or not select:
            plans.append(None)
            continue
        plans.append(
            scatter_plan(
                np,
                operand_kind,
                None if len(select) == len(members) else select,
                [layout.grad_row[parents[members[j]][k]] for j in select],
            )
        )
    blame = tuple((tuple(nodes[p].label for p in parents[i]), nodes[i].label) for i in members)
    return Group(
        rule,
        storage.kind[members[0]],
        out,
        index(np, [layout.grad_row[i] for i in members]),
        tuple(operands),
        tuple(plans),
        blame,
        in_place(np, m, rule),
    )


# ------------------------------------------------------------ 7. leaves
@dataclass(frozen=True)
class Leaves:
    """Where the uniform leaves and the parameters live.

    Attributes:
        constants: ``(row, number)`` of each constant, fixed as recorded.
        shared: the shared leaves other than constants, read at every call.
        shared_rows: their rows.
        param_rows: per parameter, its gradient row (-1: the output does not
            depend on it; its gradient is 0).
    """

    constants: tuple[tuple[int, float], ...]
    shared: tuple[Value, ...]
    shared_rows: tuple[int, ...]
    param_rows: tuple[int, ...]


def place_leaves(graph: Graph, storage: Storage, layout: Layout, params: Sequence[Value]) -> Leaves:
    constants = []
    shared = []
    shared_rows = []
    for i, node in enumerate(graph.nodes):
        if not graph.parents[i] and storage.kind[i] == UNIFORM and layout.row[i] >= 0:
            if node.op == CONST:
                constants.append((layout.row[i], node.data))
            else:
                shared.append(node)
                shared_rows.append(layout.row[i])
    position = {id(node): i for i, node in enumerate(graph.nodes)}
    param_rows = tuple(layout.row[position[id(p)]] if id(p) in position else -1 for p in params)
    return Leaves(tuple(constants), tuple(shared), tuple(shared_rows), param_rows)


# ------------------------------------------------------------ all passes
@dataclass(frozen=True)
class Plan:
    """A compiled recording: what :class:`.program.Program` runs.

    Attributes:
        steps: in the order the forward pass runs them.
        size: the rows of the uniform and the varying storage.
        out: ``(storage, row)`` of the output.
        leaves: see :class:`Leaves`.
        n_inputs: the per-example inputs, the first rows of the varying storage.
        vectorized: whether every step runs on whole arrays (no rule is
            applied example by example).
    """

    steps: tuple[PlanStep, ...]
    size: tuple[int, int]
    out: tuple[int, int]
    leaves: Leaves
    n_inputs: int
    vectorized: bool


def compile_plan(
    np: ModuleType,
    m: Maths,
    graph: Graph,
    params: Sequence[Value],
    input_grads: bool,
    layers: bool = True,
) -> Plan:
    """Run the passes; ``input_grads``: gradients reach the per-example inputs
    too; ``layers``: find layers (:func:`find_layers`), else every chain keeps
    its :class:`.steps.Chain` (the engine's order of additions)."""
    uses = find_uses(graph)
    chains = find_chains(graph, uses)
    storage = assign_storage(graph, chains, params, input_grads)
    found = find_layers(graph, uses, chains, storage) if layers else no_layers(graph)
    aliases = find_aliases(graph, uses, chains, storage)
    layout = lay_out(graph, chains, storage, aliases, found)
    steps = build_steps(np, m, graph, chains, storage, aliases, layout, found)
    leaves = place_leaves(graph, storage, layout, params)
    out = len(graph.nodes) - 1
    vectorized = all(not isinstance(s, Group) or s.rule.vectorizes for s in steps)
    return Plan(
        steps,
        layout.size,
        (storage.kind[out], layout.row[out]),
        leaves,
        len(graph.inputs),
        vectorized,
    )
