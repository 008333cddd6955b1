"""The HTML step-through in a real headless browser (Debian's chromium).

Skipped, with the reason, where chromium, chromedriver or selenium is missing,
except under CI (CI=true), where a missing browser is a failure.
"""

import pytest

from autograd_scalar.core.value import Value
from autograd_scalar.viz.steps import step_through

from .browser import start_chromium as _start


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = _start(tmp_path_factory)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = c + a
    path = tmp_path_factory.mktemp("steps") / "steps.html"
    step_through(loss).save_html(path)
    return path


def _visible(driver):
    from selenium.webdriver.common.by import By

    frames = driver.find_elements(By.CSS_SELECTOR, ".as-frame")
    shown = [int(f.get_attribute("data-index")) for f in frames if f.is_displayed()]
    counter = driver.find_element(By.CSS_SELECTOR, ".as-counter").text
    return shown, counter


def test_first_frame_shows_and_next_and_arrow_keys_move(browser, page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(page.as_uri())
    assert _visible(browser) == ([0], "1 / 7")
    first = browser.find_element(By.CSS_SELECTOR, ".as-frame[data-index='0'] .as-equation")
    assert first.text == "inputs: a = 2.0, b = -3.0"  # the forward pass comes first

    browser.find_element(By.CSS_SELECTOR, ".as-next").click()
    assert _visible(browser) == ([1], "2 / 7")
    shown = browser.find_element(By.CSS_SELECTOR, ".as-frame[data-index='1'] .as-equation")
    assert shown.text == "c = a * b = 2.0 * (-3.0) = -6.0"
    assert shown.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "svg").is_displayed()

    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    assert _visible(browser) == ([2], "3 / 7")
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
    assert _visible(browser) == ([0], "1 / 7")
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()  # stays at the first frame
    assert _visible(browser) == ([0], "1 / 7")

    browser.find_element(By.CSS_SELECTOR, ".as-prev").click()
    assert _visible(browser) == ([0], "1 / 7")
    ActionChains(browser).send_keys(Keys.END).perform()
    assert _visible(browser) == ([6], "7 / 7")
    last = browser.find_element(By.CSS_SELECTOR, ".as-frame[data-index='6'] .as-equation")
    assert last.text == "∂L/∂b = 1.0·(2.0) = 2.0; ∂c/∂b = a = 2.0"  # the sum, then its factor


def test_play_runs_to_the_last_frame(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    browser.find_element(By.CSS_SELECTOR, ".as-play").click()
    WebDriverWait(browser, 15).until(lambda d: _visible(d) == ([6], "7 / 7"))
    WebDriverWait(browser, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".as-play").text == "Play"
    )


def test_without_javascript_the_first_frame_shows(tmp_path_factory, page):
    from selenium.webdriver.common.by import By

    driver = _start(tmp_path_factory, javascript=False)
    try:
        driver.get(page.as_uri())
        frames = driver.find_elements(By.CSS_SELECTOR, ".as-frame")
        assert [f.is_displayed() for f in frames] == [True] + [False] * (len(frames) - 1)
        assert frames[0].find_element(By.TAG_NAME, "svg").is_displayed()
    finally:
        driver.quit()


def test_the_notebook_widget_fits_a_736_pixel_column(tmp_path_factory):
    """A wide graph and a long sum, shown as a notebook shows it (the widget
    alone, no page style) in a column 736 px wide: nothing sticks out."""
    from selenium.webdriver.common.by import By

    x = Value(1.5, label="a_long_input_name")
    total = x
    for k in range(2, 9):
        total = total + x * float(k)  # x fans out: its gradient is a long sum
    steps = step_through(total)
    body = f'<div id="column" style="width:736px">{steps._repr_html_()}</div>'
    path = tmp_path_factory.mktemp("column") / "column.html"
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}'
                    "</body></html>", encoding="utf-8")  # fmt: skip
    driver = _start(tmp_path_factory)
    try:
        driver.get(path.as_uri())
        count = len(driver.find_elements(By.CSS_SELECTOR, ".as-frame"))
        for index in (0, count - 1):  # the inputs; x's gradient, summed over 8 paths
            driver.execute_script(
                "var f = document.querySelectorAll('.as-frame');"
                "for (var j = 0; j < f.length; j++)"
                "  f[j].style.display = j === arguments[0] ? 'block' : 'none';",
                index,
            )
            widths = driver.execute_script(
                "var f = document.querySelectorAll('.as-frame')[arguments[0]];"
                "return [document.getElementById('column').scrollWidth,"
                " f.querySelector('svg').getBoundingClientRect().width,"
                " f.querySelector('.as-equation').scrollWidth];",
                index,
            )
            assert all(w <= 736 for w in widths), (index, widths)
        last = driver.find_elements(By.CSS_SELECTOR, ".as-equation")[-1].text
        assert last.startswith("∂L/∂a_long_input_name = ") and last.count("+") == 7
    finally:
        driver.quit()
