"""The HTML step-through in a real headless browser (Debian's chromium).

Skipped, with the reason, where chromium, chromedriver or selenium is missing,
except under CI (CI=true), where a missing browser is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from autograd_scalar.core.value import Value
from autograd_scalar.viz.steps import step_through

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).is_file():
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
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
    assert _visible(browser) == ([0], "1 / 4")
    first = browser.find_element(By.CSS_SELECTOR, ".as-frame[data-index='0'] .as-equation")
    assert first.text == "∂L/∂L = 1.0 (seed)"

    browser.find_element(By.CSS_SELECTOR, ".as-next").click()
    assert _visible(browser) == ([1], "2 / 4")
    shown = browser.find_element(By.CSS_SELECTOR, ".as-frame[data-index='1'] .as-equation")
    assert shown.text == "∂L/∂c = 1.0·(1.0) = 1.0"
    assert shown.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "svg").is_displayed()

    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    assert _visible(browser) == ([2], "3 / 4")
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
    assert _visible(browser) == ([0], "1 / 4")
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()  # stays at the first frame
    assert _visible(browser) == ([0], "1 / 4")

    browser.find_element(By.CSS_SELECTOR, ".as-prev").click()
    assert _visible(browser) == ([0], "1 / 4")
    ActionChains(browser).send_keys(Keys.END).perform()
    assert _visible(browser) == ([3], "4 / 4")


def test_play_runs_to_the_last_frame(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    browser.find_element(By.CSS_SELECTOR, ".as-play").click()
    WebDriverWait(browser, 10).until(lambda d: _visible(d) == ([3], "4 / 4"))
    WebDriverWait(browser, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".as-play").text == "Play"
    )
