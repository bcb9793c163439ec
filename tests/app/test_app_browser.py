"""The BI app in a real browser: `streamlit run` on 127.0.0.1 against the test world, every
page opened in headless Chromium (Debian's chromium + chromedriver, never a downloaded
browser), key elements checked, screenshots saved to test-artifacts/app-<page>.png."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.server import command

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: url path -> (title, CSS selector that must be visible, minimum count)
PAGES = {
    "": ("Overview", '[data-testid="stMetric"]', 6),
    "sales": ("Sales", ".js-plotly-plot", 4),
    "customers": ("Customers & CLV", ".js-plotly-plot", 5),
    "churn": ("Churn risk", '[data-testid="stDataFrame"]', 2),
    "recommendations": ("Recommendations", '[data-testid="stDataFrame"]', 2),
    "campaigns": ("Campaigns", ".js-plotly-plot", 4),
    "data_quality": ("Data quality", '[data-testid="stDataFrame"]', 4),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {proc.returncode} before {url} answered"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@pytest.fixture(scope="module")
def app_server(app_world, tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = dict(
        os.environ,
        ECOM_DATABASE_URL=app_world.url,
        ECOM_DBT_TARGET_DIR=str(app_world.dbt_target_dir),
        ECOM_API_URL=f"http://127.0.0.1:{_free_port()}",
        MLFLOW_TRACKING_URI=f"sqlite:///{log.parent / 'no-mlflow.db'}",
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            command(port=port), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(f"{base}/_stcore/health", proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        print(log.read_text()[-3000:])


@pytest.fixture(scope="module")
def chrome() -> Iterator:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail(
            "Debian chromium/chromedriver are required: `apt-get install chromium chromium-driver`"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1600,2200",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(executable_path=driver_path), options=options
    )
    driver.set_page_load_timeout(90)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def _visible(driver, selector: str) -> int:
    return sum(
        1 for e in driver.find_elements("css selector", selector) if e.is_displayed()
    )


@pytest.mark.parametrize("path", list(PAGES), ids=[p or "overview" for p in PAGES])
def test_page_renders_in_chromium(app_server, chrome, path):
    from selenium.webdriver.support.ui import WebDriverWait

    title, selector, minimum = PAGES[path]
    chrome.get(f"{app_server}/{path}")
    wait = WebDriverWait(chrome, 90, poll_frequency=0.5)
    wait.until(
        lambda d: any(
            h.text.strip() == title for h in d.find_elements("css selector", "h1")
        )
    )
    wait.until(lambda d: _visible(d, selector) >= minimum)
    # the script has finished when the status widget stops showing "Running"
    wait.until(
        lambda d: not d.find_elements("css selector", '[data-testid="stStatusWidget"]')
    )
    time.sleep(1.5)  # let Plotly finish drawing before the screenshot
    name = path or "overview"
    chrome.save_screenshot(str(ARTIFACTS / f"app-{name}.png"))
    assert not chrome.find_elements("css selector", '[data-testid="stException"]')
    assert not chrome.find_elements(
        "css selector", '[data-testid="stAlertContentError"]'
    )
    nav = [
        a.text
        for a in chrome.find_elements("css selector", '[data-testid="stSidebarNav"] a')
    ]
    assert "Data quality" in " ".join(nav), nav
