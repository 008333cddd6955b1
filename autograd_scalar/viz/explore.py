"""A live explorer: one offline HTML page to move the inputs and watch the gradients.

:func:`explore` writes the graph of an output with every node's value and
gradient, a slider for each input and parameter, and two exercises:

* moving a slider recomputes the forward and the backward pass in the page and
  updates every number in place;
* the nudge readout compares, for a chosen leaf w and a step ε, the measured
  change of the output, f(w + ε) − f(w), with the gradient's prediction ∂f/∂w·ε;
* predict mode hides one node's gradient, lets the learner type a prediction,
  checks it and reveals the answer with the chain-rule factors (the sum over
  paths of the products of the local derivatives, or the factored form when
  there are too many paths).

The page's evaluator is generated from the rule table
(:mod:`.explore_rules` holds each rule's JavaScript next to the Python), needs
no network and no library: everything is inline. For tests and tools, each
slider is ``<input type="range" data-name="LABEL">`` and each node's group
in the picture carries ``data-node`` (its name), ``data-value`` and
``data-grad``, kept up to date.

>>> from autograd_scalar import Value
>>> x, w = Value(2.0, label="x"), Value(-0.5, label="w")
>>> page = explore((w * x).tanh(), params=[w])
>>> "<script src" in page.html or "https://" in page.html   # nothing to fetch
False
>>> page.save("/dev/null").name
'null'
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..check.chain import partial, plain_formula
from ..check.structure import Structure
from ..core.errors import InvalidInputError
from ..core.value import CONST, Value
from .explore_rules import javascript_rule
from .graph import KIND_STYLES, node_kind
from .trace import DEFAULT_MAX_NODES, GraphTooLargeError

__all__ = ["Explorer", "explore"]

_BOX_W, _BOX_H, _COL, _ROW, _MARGIN = 168, 58, 236, 78, 24


class Explorer:
    """The explorer page: ``html`` (one self-contained document), :meth:`save`,
    and an ``<iframe>`` of it in Jupyter."""

    def __init__(self, page: str) -> None:
        self.html = page

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #ddd"></iframe>'
        )


def explore(
    out: Value,
    path: str | Path | None = None,
    *,
    params: Iterable[Value] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
) -> Explorer:
    """The live explorer of ``out``'s graph (written to ``path`` if given).

    Args:
        out: the output.
        path: where to write the page, if anywhere.
        params: leaves to show as parameters (the others are inputs).
        max_nodes: refuse larger graphs (:class:`~.trace.GraphTooLargeError`).
        title: the page's heading.
    """
    if not isinstance(out, Value):
        raise InvalidInputError("explore", out, "out must be a Value")
    graph = Structure(out)
    if len(graph.order) > max_nodes:
        raise GraphTooLargeError(
            "explore", len(graph.order),
            f"the graph has {len(graph.order)} nodes, more than max_nodes={max_nodes}",
            out.label,
        )  # fmt: skip
    chosen = {id(p) for p in params}
    data = _page_data(graph, chosen)
    rules = sorted({node.op for node in graph.order if node.parents})
    page = _document(title or f"Explore {graph.names[out]}", data, rules)
    explorer = Explorer(page)
    if path is not None:
        explorer.save(path)
    return explorer


# ------------------------------------------------------------------ the data
def _page_data(graph: Structure, params: set[int]) -> dict[str, Any]:
    """Everything the page's script needs: nodes, layout, formulas, sliders."""
    root = graph.root
    index = graph.position
    depth: dict[Value, int] = {}
    for node in graph.order:
        depth[node] = 1 + max((depth[p] for p in node.parents), default=-1)
    rows: dict[int, int] = {}
    nodes = []
    for node in graph.order:
        column = depth[node]
        row = rows.get(column, 0)
        rows[column] = row + 1
        rule = node.rule
        edges = {e.index: e for e in graph.edges_of(node)}
        nodes.append({
            "name": graph.names[node],
            "op": node.op if node.parents else ("const" if node.op == CONST else "leaf"),
            "symbol": rule.symbol if rule is not None else "",
            "domain": rule.domain.text if rule is not None else "",
            "parents": [index[p] for p in node.parents],
            "formulas": [plain_formula(edges[k], graph.names) if k in edges else None
                         for k in range(len(node.parents))],
            "symbols": [partial(graph.names[node], graph.names[p]) for p in node.parents],
            "gradient": partial(graph.names[root], graph.names[node]),
            "value": node.data,
            "kind": node_kind(node, root, params),
            "x": _MARGIN + column * _COL,
            "y": _MARGIN + row * _ROW,
        })  # fmt: skip
    sliders = [_slider(i, node) for i, node in enumerate(graph.order)
               if not node.parents and node.op != CONST]  # fmt: skip
    width = _MARGIN * 2 + max(depth.values()) * _COL + _BOX_W
    height = _MARGIN * 2 + (max(rows.values()) - 1) * _ROW + _BOX_H
    colours = {kind: style for kind, (_, style) in KIND_STYLES.items()}
    return {"nodes": nodes, "root": index[root], "sliders": sliders, "width": width,
            "height": height, "colours": colours, "box": [_BOX_W, _BOX_H]}  # fmt: skip


def _slider(i: int, node: Value) -> dict[str, Any]:
    """A range around the leaf's value, in a thousand steps."""
    half = 2.0 * max(1.0, abs(node.data)) if math.isfinite(node.data) else 1.0
    low, high = node.data - half, node.data + half
    return {"node": i, "min": low, "max": high, "step": (high - low) / 1000.0}


# --------------------------------------------------------------- the document
def _document(title: str, data: dict[str, Any], rules: list[str]) -> str:
    table = ",\n".join(f"  {json.dumps(name)}: {javascript_rule(name)}" for name in rules)
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        _TEMPLATE.replace("@TITLE@", html.escape(title))
        .replace("@RULES@", table)
        .replace("@DATA@", payload)
    )


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 16px; color: #111827; }
h1 { font-size: 1.2rem; margin: 0 0 8px; }
.panel { display: flex; flex-wrap: wrap; gap: 24px; margin-bottom: 12px; }
.box { border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 12px; }
.box h2 { font-size: 0.95rem; margin: 0 0 6px; }
.slider { display: grid; grid-template-columns: 5em 14em 9em; align-items: center; gap: 6px; }
.slider output, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; }
svg text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
svg .name { font-weight: bold; }
svg .edge-label { fill: #6b21a8; font-size: 11px; }
.right { color: #15803d; } .wrong { color: #b91c1c; } .warning { color: #b45309; }
#answer { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>@TITLE@</h1>
<p>Move a slider: the page recomputes the forward pass (values) and the backward pass
(gradients ∂f/∂node) with the same rules as the engine. Edge labels are the local
derivatives ∂child/∂parent.</p>
<div class="panel">
  <div class="box"><h2>Inputs and parameters</h2><div id="sliders"></div></div>
  <div class="box"><h2>Nudge</h2>
    <label>leaf <select id="nudge-leaf" data-nudge-leaf></select></label>
    <label>ε <input id="epsilon" data-epsilon type="number" value="0.001" step="any"
      style="width:7em"></label>
    <div class="mono">measured Δf = f(leaf + ε) − f(leaf) =
      <span data-nudge="measured"></span></div>
    <div class="mono">predicted ∂f/∂leaf · ε = <span data-nudge="predicted"></span></div>
    <div class="mono">ratio = <span data-nudge="ratio"></span></div>
  </div>
  <div class="box"><h2>Predict</h2>
    <label>hide the gradient of <select id="predict-node" data-predict-node>
      <option value="">(nothing: predict mode off)</option></select></label><br>
    <label>your ∂f/∂node: <input id="prediction" data-predict type="text" style="width:9em">
    </label> <button id="check" data-check type="button">Check</button>
    <div id="verdict" data-verdict></div>
    <div id="answer" class="mono" data-answer></div>
  </div>
</div>
<div id="warning" class="warning" data-warning></div>
<svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg>
<script>
"use strict";
// The rule table in JavaScript: generated from autograd_scalar's rules.
const RULES = {
@RULES@
};
const DATA = @DATA@;
const N = DATA.nodes;
const SVG = "http://www.w3.org/2000/svg";
const state = {values: N.map(n => n.value), grads: [], locals: [], hidden: null,
               revealed: false};

function forward(leafValues) {
  const v = new Array(N.length);
  N.forEach((n, i) => {
    if (n.parents.length === 0) { v[i] = leafValues[i]; return; }
    const [a, b] = n.parents.map(p => v[p]);
    v[i] = RULES[n.op].f(a, b);
  });
  return v;
}

function backward(v) {
  const locals = N.map((n, i) => n.parents.length === 0 ? [] :
    RULES[n.op].d(v[n.parents[0]], v[n.parents[1]], v[i]));
  const g = N.map(() => 0);
  g[DATA.root] = 1;
  for (let i = N.length - 1; i >= 0; i--) {  // parents come first: walk back from the output
    N[i].parents.forEach((p, k) => {
      if (locals[i][k] !== null) g[p] += locals[i][k] * g[i];
    });
  }
  return {grads: g, locals: locals};
}

function fmt(x) {
  if (!isFinite(x)) return String(x);
  if (x === Math.round(x) && Math.abs(x) < 1e6) return x.toFixed(1);
  const t = x.toPrecision(4);
  return t.indexOf("e") >= 0 ? t : String(parseFloat(t));
}

function el(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, val] of Object.entries(attrs)) e.setAttribute(k, val);
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawGraph() {
  const svg = document.getElementById("graph");
  const [bw, bh] = DATA.box;
  svg.setAttribute("width", DATA.width);
  svg.setAttribute("height", DATA.height);
  svg.setAttribute("viewBox", `0 0 ${DATA.width} ${DATA.height}`);
  N.forEach((n, i) => n.parents.forEach((p, k) => {
    const q = N[p], x1 = q.x + bw, y1 = q.y + bh / 2, x2 = n.x, y2 = n.y + bh / 2;
    const mid = (x1 + x2) / 2;
    svg.appendChild(el("path", {d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      fill: "none", stroke: n.formulas[k] === null ? "#9ca3af" : "#4b5563",
      "stroke-dasharray": n.formulas[k] === null ? "4 3" : "none"}));
    if (n.formulas[k] !== null) {
      const label = el("text", {class: "edge-label", x: mid, y: (y1 + y2) / 2 - 4,
        "text-anchor": "middle", "data-edge": `${i}:${k}`});
      label.appendChild(el("title", {}, `∂${n.name}/∂${q.name} = ${n.formulas[k]}`));
      svg.appendChild(label);
    }
  }));
  N.forEach((n, i) => {
    const style = DATA.colours[n.kind];
    const g = el("g", {class: "node", "data-node": n.name, "data-index": i});
    g.appendChild(el("rect", {x: n.x, y: n.y, width: bw, height: bh, rx: 6,
      fill: style.fillcolor, stroke: style.color,
      "stroke-width": style.penwidth || 1,
      "stroke-dasharray": (style.style || "").indexOf("dashed") >= 0 ? "4 3" : "none"}));
    const op = n.parents.length ? ` (${n.symbol})` : "";
    const name = n.name.length > 20 ? n.name.slice(0, 19) + "…" : n.name;
    g.appendChild(el("text", {class: "name", x: n.x + 8, y: n.y + 16}, name + op));
    g.appendChild(el("text", {class: "value", x: n.x + 8, y: n.y + 33}));
    g.appendChild(el("text", {class: "grad", x: n.x + 8, y: n.y + 50}));
    g.appendChild(el("title", {}, n.name));
    svg.appendChild(g);
  });
}

function buildControls() {
  const box = document.getElementById("sliders");
  const nudge = document.getElementById("nudge-leaf");
  DATA.sliders.forEach(s => {
    const n = N[s.node];
    const row = document.createElement("div");
    row.className = "slider";
    const label = document.createElement("label");
    label.textContent = n.name;
    const input = document.createElement("input");
    Object.assign(input, {type: "range", min: s.min, max: s.max, step: s.step});
    input.value = n.value;  // after min/max/step, or the browser rounds it to the old range
    input.dataset.name = n.name;
    input.dataset.node = s.node;
    const shown = document.createElement("output");
    input.addEventListener("input", () => {
      state.values[s.node] = parseFloat(input.value);
      update();
    });
    row.append(label, input, shown);
    box.appendChild(row);
    nudge.appendChild(new Option(n.name, s.node));
  });
  const firstParameter = DATA.sliders.find(s => N[s.node].kind === "parameter");
  if (firstParameter) nudge.value = firstParameter.node;
  const predict = document.getElementById("predict-node");
  N.forEach((n, i) => {
    if (i !== DATA.root && n.op !== "const") predict.appendChild(new Option(n.name, i));
  });
  nudge.addEventListener("change", update);
  document.getElementById("epsilon").addEventListener("input", update);
  predict.addEventListener("change", () => {
    state.hidden = predict.value === "" ? null : parseInt(predict.value, 10);
    state.revealed = false;
    document.getElementById("prediction").value = "";
    document.getElementById("verdict").textContent = "";
    update();
  });
  document.getElementById("check").addEventListener("click", checkPrediction);
  document.getElementById("prediction").addEventListener("keydown", e => {
    if (e.key === "Enter") checkPrediction();
  });
}

function update() {
  const v = forward(state.values);
  const {grads, locals} = backward(v);
  state.values = v; state.grads = grads; state.locals = locals;
  document.querySelectorAll("g.node").forEach(g => {
    const i = parseInt(g.dataset.index, 10);
    g.setAttribute("data-value", String(v[i]));
    g.setAttribute("data-grad", String(grads[i]));
    g.querySelector(".value").textContent = "value " + fmt(v[i]);
    const hide = state.hidden === i && !state.revealed;
    g.querySelector(".grad").textContent = "grad " + (hide ? "?" : fmt(grads[i]));
  });
  document.querySelectorAll("text.edge-label").forEach(t => {
    const [i, k] = t.dataset.edge.split(":").map(Number);
    const tip = t.querySelector("title");  // the formula, shown on hover: keep it
    t.textContent = fmt(locals[i][k]);
    t.setAttribute("data-local", String(locals[i][k]));
    t.appendChild(tip);
  });
  document.querySelectorAll("input[type=range]").forEach(input => {
    input.nextSibling.textContent = fmt(v[parseInt(input.dataset.node, 10)]);
  });
  updateNudge(v, grads);
  updateWarning(v);
  if (state.revealed) showAnswer();
}

function updateNudge(v, grads) {
  const leaf = parseInt(document.getElementById("nudge-leaf").value, 10);
  const eps = parseFloat(document.getElementById("epsilon").value);
  const out = (name, text) => {
    document.querySelector(`[data-nudge=${name}]`).textContent = text;
  };
  if (isNaN(leaf) || !isFinite(eps)) {
    ["measured", "predicted", "ratio"].forEach(k => out(k, ""));
    return;
  }
  const moved = v.slice();
  moved[leaf] += eps;
  const measured = forward(moved)[DATA.root] - v[DATA.root];
  const predicted = grads[leaf] * eps;
  out("measured", measured.toPrecision(6));
  out("predicted", predicted.toPrecision(6));
  out("ratio", predicted === 0 ? "—" : (measured / predicted).toPrecision(6));
}

function updateWarning(v) {
  const bad = N.findIndex((n, i) => !isFinite(v[i]));
  const box = document.getElementById("warning");
  box.textContent = bad < 0 ? "" : `${N[bad].name} is ${v[bad]} here: ${N[bad].op} needs `
    + `${N[bad].domain || "finite operands"}; the engine would refuse this point.`;
}

// The chain rule for node i: each path up to the output and its factors.
function paths(i, limit) {
  const users = N.map(() => []);
  N.forEach((n, c) => n.parents.forEach((p, k) => {
    if (n.formulas[k] !== null) users[p].push([c, k]);
  }));
  const found = [];
  const stack = [[i, []]];
  while (stack.length) {
    const [node, path] = stack.pop();
    if (node === DATA.root) { found.push(path); if (found.length > limit) return null; continue; }
    users[node].forEach(([c, k]) => stack.push([c, [[c, k], ...path]]));
  }
  return found;
}

function factorText([c, k]) {
  const n = N[c];
  return `${n.symbols[k]} = ${n.formulas[k]} = ${fmt(state.locals[c][k])}`;
}

function showAnswer() {
  const i = state.hidden;
  const found = paths(i, 16);
  let text = `${N[i].gradient} = ${fmt(state.grads[i])}\\n`;
  if (found === null) {
    text += "in the factored form (too many paths): the sum over its uses u of ∂u/∂node · ∂f/∂u\\n";
    N.forEach((n, c) => n.parents.forEach((p, k) => {
      if (p === i && n.formulas[k] !== null)
        text += `  ${factorText([c, k])}, times ${n.gradient} = ${fmt(state.grads[c])}\\n`;
    }));
  } else {
    text += `the sum over ${found.length} path(s) of the products of the local derivatives:\\n`;
    found.forEach((path, j) => {
      const product = path.reduce((acc, [c, k]) => acc * state.locals[c][k], 1);
      text += `path ${j + 1}: ${fmt(product)}\\n`;
      text += path.map(e => "  " + factorText(e)).join("\\n") + "\\n";
    });
  }
  document.getElementById("answer").textContent = text;
}

function checkPrediction() {
  const verdict = document.getElementById("verdict");
  if (state.hidden === null) { verdict.textContent = "Choose a node first."; return; }
  const guess = parseFloat(document.getElementById("prediction").value);
  const truth = state.grads[state.hidden];
  if (isNaN(guess)) { verdict.textContent = "Type a number."; return; }
  const right = Math.abs(guess - truth) <= 0.01 * Math.abs(truth) + 1e-4;
  verdict.className = right ? "right" : "wrong";
  verdict.textContent = (right ? "Right" : "Not quite")
    + `: ${N[state.hidden].gradient} = ${fmt(truth)} (you said ${guess}).`;
  verdict.dataset.result = right ? "right" : "wrong";
  state.revealed = true;
  update();
}

drawGraph();
buildControls();
update();
</script>
</body>
</html>
"""
