"""Regenerate docs/images/explorer.html and explorer.png (run from the repository root).

python docs/make_explorer_screenshot.py

Needs Debian's chromium and chromedriver and selenium (the test extra), as the
browser tests do. The screenshot shows predict mode after a wrong guess for ∂L/∂a.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from autograd_scalar import Value
from autograd_scalar.viz.explore import explore

OUT = Path(__file__).parent / "images"


def page() -> Path:
    x, w, b, y = (Value(v, label=n) for v, n in ((2.0, "x"), (0.5, "w"), (-0.25, "b"), (1.0, "y")))
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    loss = (a - y) ** 2
    loss.label = "L"
    return explore(loss, params=[w, b], title="The seeds' neuron: L = (σ(w·x + b) − y)²").save(
        OUT / "explorer.html"
    )


def screenshot(path: Path) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1420,760",
                 f"--user-data-dir={tempfile.mkdtemp()}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(path.resolve().as_uri())
        choose = Select(driver.find_element(By.CSS_SELECTOR, "[data-predict-node]"))
        choose.select_by_visible_text("z")
        driver.find_element(By.CSS_SELECTOR, "[data-predict]").send_keys("-0.6")
        driver.find_element(By.CSS_SELECTOR, "[data-check]").click()
        driver.save_screenshot(str(OUT / "explorer.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    screenshot(page())
