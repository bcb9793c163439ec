"""Real browser: the Dagster webserver shows the platform's asset graph."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def dagster_webserver(tmp_path: Path, http: dict):
    port = http["free_port"]()
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = dict(os.environ, DAGSTER_HOME=str(home))
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            "orchestration.definitions",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        http["wait_for_http"](
            f"http://127.0.0.1:{port}/server_info", timeout=180, proc=proc
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_for_text(driver, needles: list[str], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = driver.find_element("tag name", "body").text
        if all(n in text for n in needles):
            return text
        time.sleep(1)
    raise AssertionError(f"page never showed {needles}; it showed:\n{text[:2000]}")


def _dismiss_welcome_dialog(driver) -> None:
    """The first visit shows a community dialog over the page; skip it like a user would."""
    for button in driver.find_elements("xpath", "//button[normalize-space()='Skip']"):
        if button.is_displayed():
            button.click()
            time.sleep(1)


def test_asset_graph_renders_groups_and_key_assets(
    browser, dagster_webserver: str, http: dict
) -> None:
    artifacts = http["artifacts"]
    browser.get(f"{dagster_webserver}/assets")
    text = _wait_for_text(browser, ["raw", "warehouse"])
    _dismiss_welcome_dialog(browser)
    assert "landing" in text or "landed_batch" in text or "orders" in text
    browser.save_screenshot(str(artifacts / "dagster-assets.png"))

    browser.get(f"{dagster_webserver}/asset-groups")
    _wait_for_text(browser, ["raw", "warehouse"])
    _dismiss_welcome_dialog(browser)
    assert not browser.find_elements(
        "xpath", "//*[contains(text(), 'Join the Dagster community')]"
    )
    time.sleep(3)  # let the graph layout settle before the screenshot
    browser.save_screenshot(str(artifacts / "dagster-asset-graph.png"))

    browser.get(f"{dagster_webserver}/assets/marts/fct_orders")
    _wait_for_text(browser, ["fct_orders"])
    browser.save_screenshot(str(artifacts / "dagster-fct-orders.png"))
