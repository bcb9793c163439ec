"""The API on a required-only warehouse with nothing trained: every route answers 200 or its
documented error (a JSON `detail` naming what is missing), never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(required_only_warehouse, tmp_path_factory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from serving.core.config import ServingSettings
    from serving.main import create_app

    store: Path = tmp_path_factory.mktemp("required_only_mlflow")
    settings = ServingSettings(
        database_url=required_only_warehouse.url,
        tracking_uri=f"sqlite:///{store / 'mlflow.db'}",
        key=None,
        model_poll_seconds=0,
        recommendations_refresh_seconds=0,
        cors_origins=[],
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def customer_id(required_only_warehouse) -> int:
    import psycopg

    with psycopg.connect(required_only_warehouse.url) as conn:
        return conn.execute(
            "select min(customer_id) from marts.dim_customers"
        ).fetchone()[0]


# (method, path, body, status, words the error detail must hold); {c}: a real customer id
CALLS = [
    ("GET", "/health", None, 200, ()),
    ("GET", "/ready", None, 503, ("churn_model", "ml.recommendations")),
    ("GET", "/metrics", None, 200, ()),
    ("GET", "/v1/models", None, 200, ()),
    (
        "POST",
        "/v1/churn/predict",
        {"rows": [{"customer_id": 1}]},
        503,
        ("no churn model loaded",),
    ),
    ("GET", "/v1/customers/{c}/churn", None, 503, ("no churn model loaded",)),
    ("GET", "/v1/customers/{c}/recommendations", None, 503, ("ml.recommendations",)),
    ("GET", "/v1/products/1/similar", None, 503, ("ml.similar_products",)),
    ("POST", "/v1/admin/reload", None, 503, ()),  # admin is off without an API key
]


def test_every_route_is_called(client):
    routes = {
        (method, route.path)
        for route in client.app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    called = {
        (method, path.replace("{c}", "{customer_id}").replace("/1/", "/{product_id}/"))
        for method, path, *_ in CALLS
    }
    assert routes <= called, routes - called


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    CALLS,
    ids=[f"{method} {path}" for method, path, *_ in CALLS],
)
def test_route_answers_200_or_a_clear_error(
    client, customer_id, method, path, body, status, words
):
    response = client.request(method, path.format(c=customer_id), json=body)
    assert response.status_code == status, response.text
    if status >= 400:
        body = response.json()
        if (
            path == "/ready"
        ):  # readiness lists its checks, each failing one with a reason
            failing = [c for c in body["checks"] if not c["ok"]]
            assert failing and all(c["detail"] for c in failing), body
            text = str(failing)
        else:
            assert body["detail"], body
            text = str(body["detail"])
        assert all(w in text for w in words), text
