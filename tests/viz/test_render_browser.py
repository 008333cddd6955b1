"""The browser path of render(): under Pyodide, DOT goes to @viz-js/viz through ``js``.

CPython plays the browser here: ``sys.platform`` says "emscripten" and fake
``js`` and ``pyodide.ffi`` modules stand in for Pyodide's bridge. The real thing
runs in tests/web/test_site.py.
"""

import asyncio
import json
import subprocess
import sys
import types

import pytest

from autograd_scalar.core.value import Value
from autograd_scalar.viz import draw_graph, step_through
from autograd_scalar.viz.diagram import Diagram
from autograd_scalar.viz.render import (
    JS_GLOBAL,
    VIZ_JS_ENV_VAR,
    RenderError,
    in_browser,
    load_browser_renderer,
    render,
)

SVG = '<svg xmlns="http://www.w3.org/2000/svg"><g><title>a</title></g></svg>'


class FakeViz:
    """What ``await Viz.instance()`` gives: render(source, options) -> a result object."""

    def __init__(self, status="success", errors=()):
        self.calls = []
        self.status = status
        self.errors = [types.SimpleNamespace(level=level, message=m) for level, m in errors]

    def render(self, source, options):
        self.calls.append((source, dict(options)))
        output = SVG if self.status == "success" else None
        return types.SimpleNamespace(status=self.status, output=output, errors=self.errors)


def _fake_js(**attrs):
    js = types.ModuleType("js")
    js.JSON = types.SimpleNamespace(parse=json.loads)
    for name, value in attrs.items():
        setattr(js, name, value)
    return js


@pytest.fixture
def browser(monkeypatch):
    """Pretend to be Pyodide; no subprocess may start. Returns a function that installs js."""
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.delenv(VIZ_JS_ENV_VAR, raising=False)

    def no_subprocess(*args, **kwargs):
        raise AssertionError("the browser path must not start a program")

    monkeypatch.setattr(subprocess, "run", no_subprocess)

    def install(js):
        monkeypatch.setitem(sys.modules, "js", js)
        return js

    return install


def _fake_pyodide(monkeypatch, *, can_run_sync):
    ffi = types.ModuleType("pyodide.ffi")
    ffi.can_run_sync = lambda: can_run_sync
    ffi.waited = []

    def run_sync(promise):
        ffi.waited.append(promise)
        return promise.result

    ffi.run_sync = run_sync
    package = types.ModuleType("pyodide")
    package.ffi = ffi
    monkeypatch.setitem(sys.modules, "pyodide", package)
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    return ffi


class Promise:
    """Stands in for a JavaScript promise: awaitable, and holds its result for run_sync."""

    def __init__(self, result):
        self.result = result

    def __await__(self):
        yield from ()
        return self.result


def test_cpython_is_not_the_browser():
    assert not in_browser()


def test_svg_comes_from_the_pages_viz_instance(browser):
    viz = FakeViz()
    browser(_fake_js(**{JS_GLOBAL: viz}))
    assert in_browser()
    svg = render("digraph { a -> b }", "svg")
    assert svg.startswith(b"<?xml")
    assert SVG.encode() in svg
    assert viz.calls == [("digraph { a -> b }", {"format": "svg", "engine": "dot"})]


def test_diagrams_and_step_through_draw_in_the_browser(browser):
    viz = FakeViz()
    browser(_fake_js(**{JS_GLOBAL: viz}))
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    loss = a * b + a
    loss.label = "L"
    assert "<svg" in draw_graph(loss).svg()
    assert "<svg" in Diagram("digraph { x }")._repr_svg_()
    html = step_through(loss).to_html()
    assert html.count("<title>a</title>") >= 2  # one SVG per frame, all from viz
    sources = [source for source, _ in viz.calls]
    assert any("L" in s for s in sources)
    assert len(viz.calls) >= 3


def test_only_svg_in_the_browser(browser):
    browser(_fake_js(**{JS_GLOBAL: FakeViz()}))
    with pytest.raises(RenderError, match="only SVG"):
        render("digraph { a }", "png")


def test_viz_errors_are_render_errors(browser):
    viz = FakeViz(
        status="failure", errors=[("warning", "meh"), ("error", "syntax error in line 1")]
    )
    browser(_fake_js(**{JS_GLOBAL: viz}))
    with pytest.raises(RenderError, match="syntax error in line 1") as caught:
        render("digraph { a -> }", "svg")
    assert "meh" not in str(caught.value)


def test_nothing_loaded_says_how_to_load_it(browser, monkeypatch):
    browser(_fake_js())
    _fake_pyodide(monkeypatch, can_run_sync=True)
    with pytest.raises(RenderError, match=r"Viz\.instance\(\).*load_browser_renderer"):
        render("digraph { a }", "svg")


class FakeWorker:
    """A worker's ``js`` with no Viz yet: ``new Function(...)`` runs ``import(url)``."""

    def __init__(self, viz):
        self.imported = []
        self.viz = viz
        self.location = types.SimpleNamespace(href="http://127.0.0.1/lite/ext/static/worker.js")
        self.URL = types.SimpleNamespace(new=self._url)
        self.Function = types.SimpleNamespace(new=self._function)
        self.JSON = types.SimpleNamespace(parse=json.loads)

    @staticmethod
    def _url(relative, base):
        from urllib.parse import urljoin

        return types.SimpleNamespace(href=urljoin(base, relative))

    def _function(self, argument, body):
        assert argument == "url" and "import(url)" in body and "Viz.instance()" in body

        def load(url):
            self.imported.append(url)
            return Promise(self.viz)

        return load


def test_a_worker_imports_viz_js_from_its_own_url_once_and_waits(browser, monkeypatch):
    viz = FakeViz()
    js = browser(FakeWorker(viz))
    ffi = _fake_pyodide(monkeypatch, can_run_sync=True)
    monkeypatch.setenv(VIZ_JS_ENV_VAR, "../../pyodide/viz-global.js")
    assert SVG.encode() in render("digraph { a }", "svg")
    assert SVG.encode() in render("digraph { b }", "svg")
    assert js.imported == ["http://127.0.0.1/lite/pyodide/viz-global.js"]
    assert len(ffi.waited) == 1
    assert getattr(js, JS_GLOBAL) is viz


def test_a_worker_that_cannot_load_viz_js_says_which_url(browser, monkeypatch):
    js = browser(FakeWorker(FakeViz()))
    monkeypatch.setenv(VIZ_JS_ENV_VAR, "nowhere/viz-global.js")
    ffi = _fake_pyodide(monkeypatch, can_run_sync=True)

    def rejected(promise):  # the import() failed: run_sync raises what it rejected with
        raise RuntimeError(f"Error: could not load {js.imported[-1]}: 404")

    ffi.run_sync = rejected
    with pytest.raises(
        RenderError, match="could not load http://127.0.0.1/lite/ext/static/nowhere"
    ):
        render("digraph { a }", "svg")
    assert getattr(js, JS_GLOBAL, None) is None  # the next render tries again


def test_a_worker_that_cannot_wait_is_told_to_await_the_loader(browser, monkeypatch):
    viz = FakeViz()
    js = browser(_fake_js(Viz=types.SimpleNamespace(instance=lambda: Promise(viz))))
    _fake_pyodide(monkeypatch, can_run_sync=False)
    with pytest.raises(RenderError, match="load_browser_renderer"):
        render("digraph { a }", "svg")
    asyncio.run(load_browser_renderer())
    assert getattr(js, JS_GLOBAL) is viz
    assert SVG.encode() in render("digraph { a }", "svg")


def test_an_explicit_executable_still_runs_a_program(browser, monkeypatch):
    browser(_fake_js(**{JS_GLOBAL: FakeViz()}))
    seen = []

    def fake_run(command, **kwargs):
        seen.append(command)
        return types.SimpleNamespace(returncode=0, stdout=b"<svg/>", stderr=b"")

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert render("digraph { a }", "svg", executable="/bin/dot") == b"<svg/>"
    assert seen == [["/bin/dot", "-Tsvg"]]
