// The playground: load Pyodide, Graphviz (viz.js) and the library's wheels from this
// site, then run the editor's code and show what it prints and draws.
"use strict";

const RUNTIME = new URL("../runtime/", document.baseURI);
const started = performance.now();
const timings = {}; // seconds since the page started, per step (read by the browser test)
globalThis.playgroundTimings = timings;
const $ = (id) => document.getElementById(id);

function print(text, stream) {
  const span = document.createElement("span");
  if (stream === "stderr") span.className = "stderr";
  span.textContent = text + "\n";
  $("output").appendChild(span);
}

// Called from Python's show(): kind is "svg" (an SVG document) or "html" (a page).
globalThis.playgroundShow = (kind, text) => {
  const box = document.createElement("div");
  box.className = "diagram " + kind;
  if (kind === "svg") {
    box.innerHTML = text.replace(/^<\?xml[^>]*>\s*/, "").replace(/<!DOCTYPE[^>]*>\s*/, "");
  } else {
    const frame = document.createElement("iframe");
    frame.srcdoc = text; // the step-through and the explorer are self-contained pages
    box.appendChild(frame);
  }
  $("diagrams").appendChild(box);
};

// show() and the runner, defined once in Python.
const PRELUDE = `
import ast, sys, traceback
import js

def _page(obj):
    if hasattr(obj, "to_html"):  # the step-through players
        return "html", obj.to_html()
    if isinstance(getattr(obj, "html", None), str):  # the explorer
        return "html", obj.html
    if hasattr(obj, "_repr_svg_"):
        return "svg", obj._repr_svg_()
    if hasattr(obj, "_repr_html_"):
        return "html", "<!doctype html><meta charset='utf-8'>" + obj._repr_html_()
    return None

def show(obj):
    """Draw a diagram, a step-through or an explorer below the output."""
    page = _page(obj)
    if page is None:
        print(repr(obj))
    else:
        js.playgroundShow(*page)

def _run(source):
    namespace = {"__name__": "__main__", "show": show}
    try:
        tree = ast.parse(source, "<playground>")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<playground>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<playground>", "eval"), namespace)
            if value is not None:
                show(value)
        return True
    except BaseException:
        kind, error, tb = sys.exc_info()
        traceback.print_exception(kind, error, tb.tb_next)
        return False
`;

async function wheel(name, pyodide) {
  const response = await fetch(new URL("wheels/" + name, RUNTIME));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  pyodide.unpackArchive(await response.arrayBuffer(), "wheel");
}

async function start() {
  const manifest = fetch(new URL("manifest.json", RUNTIME)).then((r) => r.json());
  const mark = (what) => { timings[what] = +((performance.now() - started) / 1000).toFixed(2); };
  const [pyodide, viz, files] = await Promise.all([
    loadPyodide({ indexURL: new URL("pyodide/", RUNTIME).href }).then((p) => { mark("pyodide"); return p; }),
    Viz.instance().then((v) => { mark("viz"); return v; }),
    manifest,
  ]);
  globalThis.autogradScalarViz = viz; // autograd_scalar.viz.render draws SVG with it
  await Promise.all(files.wheels.map((name) => wheel(name, pyodide)));
  pyodide.setStdout({ batched: (text) => print(text, "stdout") });
  pyodide.setStderr({ batched: (text) => print(text, "stderr") });
  pyodide.runPython(PRELUDE);
  mark("wheels");
  pyodide.runPython("import autograd_scalar, autograd_scalar.viz");
  mark("import");

  const select = $("example");
  const sources = await Promise.all(
    files.examples.map((e) => fetch(new URL("examples/" + e.file, document.baseURI)).then((r) => r.text())),
  );
  files.examples.forEach((e, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = e.title;
    select.appendChild(option);
  });
  const choose = () => { $("code").value = sources[Number(select.value)]; };
  select.addEventListener("change", () => { choose(); run(); });
  choose();

  const runner = pyodide.globals.get("_run");
  async function run() {
    $("run").disabled = true;
    $("output").textContent = "";
    $("diagrams").textContent = "";
    $("status").textContent = "Running…";
    const t = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint first
    const ok = runner($("code").value);
    const seconds = ((performance.now() - t) / 1000).toFixed(2);
    $("status").textContent = ok ? `Ran in ${seconds} s.` : "The code raised an error (see the output).";
    $("status").className = ok ? "" : "error";
    $("run").disabled = false;
    document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  }
  $("run").addEventListener("click", run);
  $("code").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  select.disabled = false;
  $("run").disabled = false;
  const ready = (performance.now() - started) / 1000;
  document.body.dataset.readySeconds = ready.toFixed(2);
  await run(); // the default example, so the page shows something at once
  $("status").textContent = `Ready in ${ready.toFixed(1)} s; ` + $("status").textContent;
}

start().catch((error) => {
  $("status").textContent = "Could not start: " + error;
  $("status").className = "error";
  print(String(error && error.stack || error), "stderr");
});
