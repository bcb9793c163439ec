"""The Recommendations page asks the real prediction API first (with the API key) and shows
that it did; the items are the API's, which serves them from ml.recommendations."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import psycopg
import pytest

pytestmark = pytest.mark.slow

API_KEY = "app-test-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_url(app_world, tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("api") / "api.log"
    env = dict(
        os.environ,
        ECOM_DATABASE_URL=app_world.url,
        ECOM_API_KEY=API_KEY,
        MLFLOW_TRACKING_URI=f"sqlite:///{log.parent / 'none.db'}",
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", f"from serving.server import run; run(port={port})"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=3):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_recommendations_come_from_the_api_when_it_answers(
    point_app, app_world, page, api_url, monkeypatch
):
    point_app(app_world.url, app_world.dbt_target_dir)
    monkeypatch.setenv("ECOM_API_URL", api_url)
    monkeypatch.setenv("ECOM_API_KEY", API_KEY)
    monkeypatch.setenv("ECOM_API_TIMEOUT_SECONDS", "10")
    at = page("recommendations").run()
    assert not at.exception, [e.message for e in at.exception]
    source = next(c.value for c in at.caption if c.value.startswith("Source:"))
    assert f"prediction API at {api_url}" in source, source
    customer = at.number_input(key="recs-customer").value
    with psycopg.connect(app_world.url) as conn:
        expected = [
            r[0]
            for r in conn.execute(
                "select product_id from ml.recommendations where customer_id = %s"
                " order by rank limit 10",
                (customer,),
            )
        ]
    assert at.dataframe[0].value["product_id"].tolist() == expected
