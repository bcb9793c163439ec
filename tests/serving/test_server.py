"""`serving.server.run` (what `ecom serve api` calls) serves the app under uvicorn."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_run_serves_the_app_on_loopback(serving_world, feature_row, workers):
    port = _free_port()
    env = dict(
        os.environ,
        ECOM_API_DATABASE_URL=serving_world.url,
        ECOM_API_TRACKING_URI=serving_world.tracking_uri,
        ECOM_API_KEY="server-test-key",
        ECOM_API_MODEL_POLL_SECONDS="0",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    code = f"from serving.server import run; run(port={port}, workers={workers})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "server not ready within 90 s"
            time.sleep(0.3)
        headers = {"X-API-Key": "server-test-key"}
        for _ in range(4):
            response = httpx.post(
                f"{base}/v1/churn/predict",
                json={"rows": [feature_row]},
                headers=headers,
                timeout=10,
            )
            assert response.status_code == 200, response.text
        assert httpx.get(f"{base}/v1/models", timeout=10).status_code == 401
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        assert 'route="/v1/churn/predict",status="200"' in metrics
        # with 2 workers the samples of both processes are aggregated
        total = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("ecom_api_requests_total{")
            and 'route="/v1/churn/predict"' in line
            and 'status="200"' in line
        )
        assert total == 4
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log_lines = [
        json.loads(line)
        for line in proc.stderr.read().splitlines()
        if line.startswith("{")
    ]
    assert any(line.get("route") == "/v1/churn/predict" for line in log_lines)
