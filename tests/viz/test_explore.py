"""The live explorer: its JavaScript rule forms, its page, and the page in a headless browser.

The browser tests use Debian's chromium, as the step-through's do: skipped with
the reason where it is missing, except under CI (CI=true), where that fails.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest

from autograd_scalar import AutogradError, Value, define_op, remove_op
from autograd_scalar.core.apply import apply
from autograd_scalar.core.backward import gradients
from autograd_scalar.core.rules import BUILTIN, RULES
from autograd_scalar.viz.explore import explore
from autograd_scalar.viz.explore_rules import javascript_forms, javascript_rule, register_javascript
from autograd_scalar.viz.trace import GraphTooLargeError

from .browser import start_chromium


def neuron() -> tuple[Value, dict[str, Value]]:
    return _rebuild({"x": 2.0, "w": 0.5, "b": -0.25, "y": 1.0})


def python_numbers(values: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Every node's (value, gradient) by name, by the engine, at ``values``."""
    from autograd_scalar.check.structure import Structure

    loss, _ = _rebuild(values)
    grads = gradients(loss)
    graph = Structure(loss)
    return {graph.names[n]: (n.data, float(grads.get(n, 0.0))) for n in graph.order}


def _rebuild(values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    leaves = {n: Value(values[n], label=n) for n in ("x", "w", "b", "y")}
    z = leaves["w"] * leaves["x"] + leaves["b"]
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    loss = (a - leaves["y"]) ** 2 + 0.1 * leaves["w"].tanh() * a  # two paths from L to a
    loss.label = "L"
    return loss, leaves


# ------------------------------------------------------------ no browser
def test_every_builtin_rule_has_a_javascript_form() -> None:
    forms = javascript_forms()
    missing = sorted(name for name in RULES if name in BUILTIN and name not in forms)
    assert missing == []
    for name in BUILTIN:
        forward, local = forms[name]
        assert RULES[name].js == (forward, local)  # carried by the rule record itself
        assert local.startswith("[") and local.count(",") + 1 >= RULES[name].arity
        assert ("null" in local) == RULES[name].const_arg


def test_a_custom_op_needs_a_javascript_form() -> None:
    op = define_op("cube", lambda x: x**3, lambda m, x, y, out: 3.0 * x * x)
    try:
        with pytest.raises(AutogradError, match="'cube' has no JavaScript form"):
            explore(op(Value(2.0, label="x")))
        register_javascript("cube", "x * x * x", "[3 * x * x]")
        assert '"cube": {f: (x, y) => (x * x * x)' in explore(op(Value(2.0, label="x"))).html
        square = define_op("square", lambda m, x: x * x, lambda m, x, y, out: 2.0 * x,
                           js=("x * x", "[2 * x]"))  # fmt: skip
        assert '"square": {f: (x, y) => (x * x)' in explore(square(Value(3.0))).html
    finally:
        remove_op("cube")
        remove_op("square")
    with pytest.raises(AutogradError, match="no operation called 'nope'"):
        register_javascript("nope", "x", "[1]")


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    loss, leaves = neuron()
    path = tmp_path / "page.html"
    page = explore(loss, path, params=[leaves["w"], leaves["b"]])
    text = path.read_text(encoding="utf-8")
    assert text == page.html
    assert not re.search(
        r"<script[^>]+src|<link|@import|url\(|https?://(?!www\.w3\.org/2000/svg)", text
    )
    data = json.loads(re.search(r"const DATA = (.*);\n", text).group(1))
    assert [n["name"] for n in data["nodes"] if not n["parents"] and n["op"] == "leaf"] == [
        "w",
        "x",
        "b",
        "y",
    ]
    assert {n["kind"] for n in data["nodes"]} >= {
        "parameter",
        "input",
        "output",
        "intermediate",
        "constant",
    }
    assert set(re.findall(r'^  "(\w+)": \{f:', text, re.M)) == {
        "mul",
        "add",
        "sigmoid",
        "sub",
        "pow",
        "tanh",
    }
    assert "<iframe srcdoc=" in page._repr_html_()


def test_too_large_and_not_a_value() -> None:
    x = Value(1.0, label="x")
    h = x
    for _ in range(30):
        h = h * 1.01
    with pytest.raises(GraphTooLargeError):
        explore(h, max_nodes=20)
    with pytest.raises(AutogradError, match="out must be a Value"):
        explore(3.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory, width=1400)
    yield driver
    driver.quit()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))


def _draw(rule, rng: random.Random) -> tuple[float, ...]:
    operands = []
    for intervals in rule.domain.draw[: rule.arity]:
        low, high = rng.choice(intervals)
        operands.append(rng.uniform(low, high))
    if rule.name == "pow" and rng.random() < 0.3:
        operands[1] = float(rng.randint(-3, 3))  # integer exponents, 0 included
    return tuple(operands)


def test_javascript_and_python_agree_for_every_rule(browser, tmp_path: Path) -> None:
    """Forward and local derivatives, 50 random points per rule inside its domain, to 1e-12."""
    table = ",\n".join(f"{json.dumps(n)}: {javascript_rule(n)}" for n in sorted(BUILTIN))
    page = tmp_path / "rules.html"
    page.write_text(f"<!DOCTYPE html><script>const RULES = {{{table}}};</script>", encoding="utf-8")
    browser.get(page.as_uri())
    rng = random.Random(13)
    cases = {name: [_draw(RULES[name], rng) for _ in range(50)] for name in sorted(BUILTIN)}
    results = browser.execute_script(
        "const out = {};"
        "for (const [name, points] of Object.entries(arguments[0])) {"
        "  out[name] = points.map(p => { const r = RULES[name]; const f = r.f(p[0], p[1]);"
        "    return [f, r.d(p[0], p[1], f)]; }); }"
        "return out;",
        cases,
    )
    checked = 0
    for name, points in cases.items():
        for operands, (js_out, js_locals) in zip(points, results[name]):
            out, locals_ = apply(RULES[name], operands)
            assert _close(js_out, out), (name, operands, js_out, out)
            for js_d, d in zip(js_locals, locals_):
                assert (js_d is None) == (d is None), (name, operands)
                if d is not None:
                    assert _close(js_d, d), (name, operands, js_d, d)
            checked += 1
    assert checked == 50 * len(BUILTIN)


def _page_numbers(browser) -> dict[str, tuple[float, float]]:
    from selenium.webdriver.common.by import By

    return {
        g.get_attribute("data-node"): (
            float(g.get_attribute("data-value")),
            float(g.get_attribute("data-grad")),
        )
        for g in browser.find_elements(By.CSS_SELECTOR, "g.node")
    }


def _slider_values(browser) -> dict[str, float]:
    from selenium.webdriver.common.by import By

    return {
        s.get_attribute("data-name"): float(s.get_attribute("value"))
        for s in browser.find_elements(By.CSS_SELECTOR, "input[type=range]")
    }


@pytest.fixture
def page(tmp_path: Path) -> Path:
    loss, leaves = neuron()
    return explore(loss, tmp_path / "explore.html", params=[leaves["w"], leaves["b"]]).save(
        tmp_path / "explore.html"
    )


def test_moving_a_slider_updates_every_number_as_python_computes(browser, page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(page.as_uri())
    start = _slider_values(browser)
    assert start == {"w": 0.5, "x": 2.0, "b": -0.25, "y": 1.0}
    assert _matches(_page_numbers(browser), python_numbers(start))

    slider = browser.find_element(By.CSS_SELECTOR, 'input[type=range][data-name="w"]')
    for _ in range(40):  # 40 steps of the slider to the right, as a learner would
        slider.send_keys(Keys.ARROW_RIGHT)
    moved = _slider_values(browser)
    assert moved["w"] > 0.5 and {k: v for k, v in moved.items() if k != "w"} == {
        "x": 2.0,
        "b": -0.25,
        "y": 1.0,
    }
    shown = _page_numbers(browser)
    assert shown["w"][0] == moved["w"]
    assert _matches(shown, python_numbers(moved))
    assert shown["L"] != python_numbers(start)["L"]  # it really moved

    label = browser.find_element(By.CSS_SELECTOR, 'g.node[data-node="a"] .value').text
    assert label.startswith("value ") and abs(float(label.split()[1]) - shown["a"][0]) < 1e-3
    edges = browser.find_elements(By.CSS_SELECTOR, "text.edge-label")
    assert edges
    for edge in edges:  # each edge shows its local derivative once, rounded
        local = float(edge.get_attribute("data-local"))
        shown_text = browser.execute_script("return arguments[0].firstChild.textContent", edge)
        assert math.isclose(float(shown_text), local, rel_tol=1e-3, abs_tol=1e-12), shown_text
    tip = edges[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert tip.startswith("∂")


def _matches(page: dict[str, tuple[float, float]], python: dict[str, tuple[float, float]]) -> bool:
    assert set(page) == set(python)
    for name, (value, grad) in python.items():
        assert _close(page[name][0], value), (name, page[name], value)
        assert _close(page[name][1], grad), (name, page[name], grad)
    return True


def test_the_nudge_readout_measures_and_predicts(browser, page: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    assert (
        browser.find_element(By.ID, "nudge-leaf").get_attribute("value") == "0"
    )  # w, the first parameter
    measured = float(browser.find_element(By.CSS_SELECTOR, "[data-nudge=measured]").text)
    predicted = float(browser.find_element(By.CSS_SELECTOR, "[data-nudge=predicted]").text)
    values = python_numbers(_slider_values(browser))
    assert math.isclose(predicted, values["w"][1] * 1e-3, rel_tol=1e-5)
    loss, _ = _rebuild({"x": 2.0, "w": 0.5 + 1e-3, "b": -0.25, "y": 1.0})
    assert math.isclose(measured, loss.data - values["L"][0], rel_tol=1e-5)
    assert math.isclose(measured, predicted, rel_tol=1e-2)


def test_predict_mode_hides_checks_and_reveals_the_factors(browser, page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(page.as_uri())
    Select(browser.find_element(By.CSS_SELECTOR, "[data-predict-node]")).select_by_visible_text("a")
    grad_text = browser.find_element(By.CSS_SELECTOR, 'g.node[data-node="a"] .grad')
    assert grad_text.text == "grad ?"
    truth = python_numbers(_slider_values(browser))["a"][1]

    box = browser.find_element(By.CSS_SELECTOR, "[data-predict]")
    box.send_keys("1.5")
    browser.find_element(By.CSS_SELECTOR, "[data-check]").click()
    verdict = browser.find_element(By.CSS_SELECTOR, "[data-verdict]")
    assert verdict.get_attribute("data-result") == "wrong" and verdict.text.startswith("Not quite")
    assert grad_text.text != "grad ?"  # revealed
    answer = browser.find_element(By.CSS_SELECTOR, "[data-answer]").text
    assert "the sum over 2 path(s)" in answer
    assert "∂a/∂z = σ(z)·(1 - σ(z))" not in answer  # factors above a only
    assert "∂(a - y)/∂a = 1 = 1.0" in answer and "∂((a - y)**2)/∂(a - y) = 2·(a - y)" in answer
    products = [float(v) for v in re.findall(r"^path \d+: (\S+)$", answer, re.M)]
    assert len(products) == 2 and math.isclose(sum(products), truth, rel_tol=1e-3)

    Select(browser.find_element(By.CSS_SELECTOR, "[data-predict-node]")).select_by_visible_text("a")
    box.clear()
    box.send_keys(repr(truth))
    browser.find_element(By.CSS_SELECTOR, "[data-check]").click()
    assert verdict.get_attribute("data-result") == "right" and verdict.text.startswith("Right")


def test_outside_the_domain_the_page_says_so(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    x = Value(0.5, label="x")
    out = x.log()
    explore(out, tmp_path / "log.html")
    browser.get((tmp_path / "log.html").as_uri())
    browser.execute_script(
        "const s = document.querySelector('input[data-name=x]'); s.value = s.min;"
        "s.dispatchEvent(new Event('input'));"
    )
    warning = browser.find_element(By.CSS_SELECTOR, "[data-warning]").text
    assert "log needs x > 0" in warning
