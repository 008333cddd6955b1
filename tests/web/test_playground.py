"""The playground in headless Chromium, served from 127.0.0.1 with no other host reachable.

Needs the built site (web/build.py) and Debian's chromium; skipped without
them except under CI (CI=true), where the fixture builds the site and a missing
browser fails.
"""

import pytest

from .site import built_site, isolated_chromium, keep_screenshot, other_hosts, requested_urls, serve

#: Ready (Python, Graphviz and the library loaded) within this many seconds. The
#: page takes about 2 s on an idle 2-core machine; the bound leaves room for a busy one.
READY_WITHIN = 30


@pytest.fixture(scope="module")
def site_url():
    yield from serve(built_site(lite=False))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from isolated_chromium(tmp_path_factory)


def _runs(driver):
    return int(driver.execute_script("return document.body.dataset.runs || 0"))


def _wait_for_run(driver, after, timeout=120):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        status = d.find_element(By.ID, "status")
        if "Could not start" in status.text:
            raise AssertionError(status.text + "\n" + d.find_element(By.ID, "output").text)
        return _runs(d) > after

    WebDriverWait(driver, timeout).until(done)


@pytest.fixture(scope="module")
def loaded(browser, site_url, tmp_path_factory):
    """The playground after it ran its default example."""
    browser.get(f"{site_url}/playground/index.html")
    _wait_for_run(browser, 0)
    return browser


def test_the_default_example_prints_the_right_gradient(loaded):
    from selenium.webdriver.common.by import By

    output = loaded.find_element(By.ID, "output").text
    assert "engine:  ∂C/∂w1 = 0.034690" in output  # 1 · σ′(4) · 2(σ(4) − 0)
    assert "by hand: ∂C/∂w1 = 0.034690" in output
    assert "Traceback" not in output
    assert loaded.find_element(By.ID, "status").text.startswith("Ready in")


def test_the_default_example_draws_its_graph_with_viz(loaded, tmp_path_factory):
    from selenium.webdriver.common.by import By

    svgs = loaded.find_elements(By.CSS_SELECTOR, "#diagrams .diagram svg")
    assert len(svgs) == 2  # show(forward view), then the last line's backward view
    forward, backward = (
        [t.text for t in svg.find_elements(By.CSS_SELECTOR, "g.node text")] for svg in svgs
    )
    for name in ("x1", "x2", "w1", "w2", "b", "z", "a", "C"):
        assert name in forward, name
    assert "grad 0.03469" in forward
    assert "∂L/∂w1 = 0.03469" in backward
    assert "z = add6 + b" in backward
    assert "a = σ(z)" in backward
    keep_screenshot(loaded, tmp_path_factory.getbasetemp(), "browser-playground.png")


def test_ready_in_seconds(loaded):
    seconds = float(loaded.execute_script("return document.body.dataset.readySeconds"))
    print(
        f"playground ready in {seconds:.1f} s: {loaded.execute_script('return playgroundTimings')}"
    )
    assert seconds < READY_WITHIN


def test_no_request_leaves_this_machine(loaded):
    urls = requested_urls(loaded)
    assert any(u.endswith("pyodide.asm.wasm") for u in urls)
    assert any(u.endswith(".whl") for u in urls)
    assert other_hosts(urls) == []


@pytest.mark.parametrize(
    ("title", "expect_text", "expect_svgs", "expect_frames"),
    [
        ("The two-path sum", "engine: ∂C/∂a = 1.901054", 1, 1),
        ("The 2-2-2-2 sigmoid network", "layer 1: a = [0.98, 0.12]", 1, 0),
        ("reverse network of amplifiers", "neuron 3.2: × σ′(z) = 0.1417", 1, 1),
        ("Check my derivation", "A dropped path", 0, 0),
        ("Explore one neuron", "", 0, 1),
    ],
)
def test_every_example_runs(loaded, title, expect_text, expect_svgs, expect_frames):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    select = Select(loaded.find_element(By.ID, "example"))
    option = next(o for o in select.options if title in o.text)
    before = _runs(loaded)
    select.select_by_visible_text(option.text)  # choosing an example runs it
    _wait_for_run(loaded, before)
    output = loaded.find_element(By.ID, "output").text
    assert "Traceback" not in output, output
    assert expect_text in output
    assert len(loaded.find_elements(By.CSS_SELECTOR, "#diagrams > .diagram > svg")) == expect_svgs
    frames = loaded.find_elements(By.CSS_SELECTOR, "#diagrams iframe")
    assert len(frames) == expect_frames
    if frames:  # the step-through or the explorer, working inside its frame
        loaded.switch_to.frame(frames[0])
        try:
            found = loaded.find_elements(By.CSS_SELECTOR, ".as-frame svg, svg, input[type=range]")
            assert found
        finally:
            loaded.switch_to.default_content()


def test_an_error_is_shown_not_swallowed(loaded):
    from selenium.webdriver.common.by import By

    code = loaded.find_element(By.ID, "code")
    code.clear()
    code.send_keys("from autograd_scalar import Value\nValue(-1.0).log()\n")
    before = _runs(loaded)
    loaded.find_element(By.ID, "run").click()
    _wait_for_run(loaded, before)
    assert "DomainError" in loaded.find_element(By.ID, "output").text
    assert "error" in loaded.find_element(By.ID, "status").text
