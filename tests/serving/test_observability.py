"""Prometheus metrics, request ids, JSON access logs and the last-resort JSON 500."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.core.metrics import Metrics
from serving.core.middleware import RequestContextMiddleware


def test_metrics_count_requests_by_route_template_and_status(client, serving_world):
    client.get(f"/v1/customers/{serving_world.known_customer}/churn")
    client.get("/v1/customers/999999999/churn")
    client.get("/no/such/path")
    text = client.get("/metrics").text
    route = "/v1/customers/{customer_id}/churn"
    ok = re.search(
        rf'ecom_api_requests_total{{method="GET",route="{re.escape(route)}",status="200"}} (\S+)',
        text,
    )
    missing = re.search(
        rf'ecom_api_requests_total{{method="GET",route="{re.escape(route)}",status="404"}} (\S+)',
        text,
    )
    assert ok and float(ok.group(1)) >= 1
    assert missing and float(missing.group(1)) >= 1
    assert 'route="<unmatched>",status="404"' in text
    assert (
        f'ecom_api_request_duration_seconds_bucket{{le="0.01",method="GET",route="{route}"}}'
        in text
    )
    assert (
        f'ecom_api_model_loaded{{alias="champion",model="{serving_world.model_name}",'
        f'version="{serving_world.champion_version}"}} 1.0'
    ) in text
    assert "/v1/customers/999999999" not in text  # raw paths never become labels


def test_request_id_is_echoed_or_generated(client):
    given = client.get("/health", headers={"X-Request-ID": "abc-123.x"})
    assert given.headers["x-request-id"] == "abc-123.x"
    generated = client.get("/health")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    hostile = client.get(
        "/health", headers={"X-Request-ID": "bad id\twith spaces" * 20}
    )
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])
    error = client.get("/v1/customers/0/churn", headers={"X-Request-ID": "err-1"})
    assert error.status_code == 422 and error.headers["x-request-id"] == "err-1"


def test_one_json_access_log_line_per_request(client, access_log):
    with access_log.capture() as lines:
        client.get(
            "/v1/products/123456789/similar", headers={"X-Request-ID": "log-test-1"}
        )
    assert len(lines) == 1
    (record,) = lines
    assert record["request_id"] == "log-test-1"
    assert record["route"] == "/v1/products/{product_id}/similar"
    assert record["path"] == "/v1/products/123456789/similar"
    assert record["status"] == 404 and record["method"] == "GET"
    assert record["duration_ms"] >= 0 and record["level"] == "info"


def test_an_unhandled_bug_becomes_a_json_500_with_the_request_id():
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a genuine bug")

    metrics = Metrics()
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body_bytes=1024)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert response.headers["x-request-id"] == "bug-1"
    text = metrics.render()[0].decode()
    assert (
        'ecom_api_requests_total{method="GET",route="/boom",status="500"} 1.0' in text
    )
