"""Notebook 01 in JupyterLite, in headless Chromium, with no other host reachable.

Opens the notebook, runs every cell through the menu (Run → Run All Cells) and
checks its printed numbers and its diagrams. Needs the built site with
JupyterLite (web/build.py) and Debian's chromium; skipped without them except
under CI (CI=true), where the fixture builds the site and a missing browser fails.
"""

import json
import time
from pathlib import Path

import pytest

from .site import (
    built_site,
    isolated_chromium,
    keep_screenshot,
    other_hosts,
    requested_urls,
    serve,
    served_paths,
)

NOTEBOOK = "01-chain-rule.ipynb"


@pytest.fixture(scope="module")
def site_url():
    yield from serve(built_site(lite=True))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from isolated_chromium(tmp_path_factory)


def _click_menu(driver, menu, item):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 30)
    top = wait.until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')][.//div[text()='{menu}']]")
        )
    )
    top.click()
    entry = wait.until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//li[contains(@class,'lm-Menu-item')][.//div[text()='{item}']]")
        )
    )
    entry.click()


def _kernel_idle(driver):
    return driver.execute_script(
        """const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
           return s ? s.getAttribute('data-status') : null;"""
    )


@pytest.fixture(scope="module")
def ran(browser, site_url):
    """Notebook 01 after Run → Run All Cells, with the seconds each step took."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.perf_counter()
    browser.get(f"{site_url}/lite/lab/index.html?path={NOTEBOOK}")
    WebDriverWait(browser, 120).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell") and _kernel_idle(d) == "idle"
        )
    )
    opened = time.perf_counter() - started
    # the notebook's code cells, from its file: the page renders them as it goes
    source = json.loads((Path(__file__).parents[2] / "notebooks" / NOTEBOOK).read_text())
    cells = [c for c in source["cells"] if c["cell_type"] == "code"]
    _click_menu(browser, "Run", "Run All Cells")

    def all_ran(d):
        prompts = [p.text for p in d.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputPrompt")]
        return (
            len(prompts) == len(cells)
            and all(p.strip() not in ("[ ]:", "[*]:", "") for p in prompts)
            and _kernel_idle(d) == "idle"
        )

    try:
        WebDriverWait(browser, 240).until(all_ran)
    except TimeoutException:
        prompts = [p.text for p in browser.find_elements(By.CSS_SELECTOR, ".jp-InputPrompt")]
        errors = browser.find_elements(
            By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='std']"
        )
        pytest.fail(
            f"the cells did not all run: kernel {_kernel_idle(browser)!r}, {len(cells)} code "
            f"cells, prompts {prompts}, outputs {[e.text[-300:] for e in errors]}"
        )
    total = time.perf_counter() - started
    print(f"JupyterLite: kernel ready in {opened:.1f} s, notebook 01 ran in {total:.1f} s")
    return browser


def test_every_cell_ran_without_an_error(ran):
    from selenium.webdriver.common.by import By

    errors = ran.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='error']")
    assert [e.text for e in errors] == []
    stderr = ran.find_elements(
        By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    assert [e.text for e in stderr] == []


def test_the_checked_numbers_are_shown(ran):
    from selenium.webdriver.common.by import By

    text = "\n".join(o.text for o in ran.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))
    assert "∂C/∂w1 = 1.0 · 0.0177 · 1.9640 = 0.034690" in text
    assert "engine: ∂C/∂w1 = 0.034690   by hand: 0.034690" in text
    assert "central difference: 0.034690" in text
    assert "engine: ∂C/∂a = 1.901054" in text


def test_the_diagrams_are_drawn(ran, tmp_path_factory):
    from urllib.parse import unquote

    from selenium.webdriver.common.by import By

    # JupyterLab shows an SVG output as an <img> of a data: URL of its text
    images = ran.find_elements(By.CSS_SELECTOR, ".jp-RenderedSVG img")
    assert len(images) >= 2  # the forward and the backward views
    svgs = [unquote(i.get_attribute("src").split(",", 1)[1]) for i in images]
    assert all(svg.lstrip().startswith("<?xml") and "</svg>" in svg for svg in svgs)
    assert ">w1<" in svgs[0] and ">C<" in svgs[0]
    assert "∂L/∂w1 = 0.03469" in svgs[-1]
    images[-1].location_once_scrolled_into_view  # noqa: B018 - scrolls the diagram into view
    keep_screenshot(ran, tmp_path_factory.getbasetemp(), "browser-jupyterlite.png")


def test_no_request_leaves_this_machine(ran, site_url):
    # The page's requests (DevTools log): none to another host.
    urls = requested_urls(ran)
    assert any("/lite/lab/" in u for u in urls)
    assert other_hosts(urls) == []
    # The kernel's web worker fetches the runtime and the wheels, which the page's log
    # does not list: this machine's server did serve them (and the browser can resolve
    # no other host).
    served = served_paths(site_url)
    assert any(p.endswith("/static/pyodide/pyodide.asm.wasm") for p in served)
    for wheel in ("autograd_scalar-", "ipython-", "graphviz-"):
        assert any(f"/static/pyodide/{wheel}" in p and p.endswith(".whl") for p in served)
