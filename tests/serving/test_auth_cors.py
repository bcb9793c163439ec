"""API key on /v1 (when configured), admin routes always keyed, CORS configuration."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from serving.main import create_app

API_KEY = "test-key-0123456789"


@pytest.fixture(scope="module")
def keyed_client(make_settings):
    with TestClient(create_app(make_settings(key=API_KEY))) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/models"),
        ("get", "/v1/customers/{customer}/churn"),
        ("get", "/v1/customers/{customer}/recommendations"),
        ("get", "/v1/products/{product}/similar"),
        ("post", "/v1/churn/predict"),
        ("post", "/v1/admin/reload"),
    ],
)
def test_v1_routes_need_the_key_when_configured(
    keyed_client, serving_world, feature_row, method, path
):
    url = path.format(
        customer=serving_world.known_customer, product=serving_world.known_product
    )
    kwargs = (
        {"json": {"rows": [feature_row]}}
        if method == "post" and "predict" in path
        else {}
    )
    missing = getattr(keyed_client, method)(url, **kwargs)
    assert missing.status_code == 401
    assert missing.json()["detail"] == "missing X-API-Key header"
    assert missing.headers["www-authenticate"].startswith("APIKey")
    wrong = getattr(keyed_client, method)(url, headers={"X-API-Key": "nope"}, **kwargs)
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "invalid X-API-Key"
    right = getattr(keyed_client, method)(url, headers={"X-API-Key": API_KEY}, **kwargs)
    assert right.status_code == 200, right.text


def test_health_ready_and_metrics_stay_open(keyed_client):
    for path in ("/health", "/ready", "/metrics"):
        assert keyed_client.get(path).status_code == 200


def test_without_a_key_v1_is_open_but_admin_is_disabled(client):
    assert client.get("/v1/models").status_code == 200
    response = client.post("/v1/admin/reload", headers={"X-API-Key": "anything"})
    assert response.status_code == 503
    assert "set ECOM_API_KEY" in response.json()["detail"]


def test_openapi_declares_the_api_key_scheme(keyed_client):
    schema = keyed_client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["APIKeyHeader"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": scheme["description"],
    }
    assert schema["paths"]["/v1/models"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_cors_origins_are_configurable(make_settings, client):
    origin = "https://bi.example.com"
    app = create_app(make_settings(cors_origins=[origin]))
    with TestClient(app) as cors_client:
        preflight = cors_client.options(
            "/v1/models",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        other = cors_client.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    # default: no CORS headers at all
    plain = client.get("/health", headers={"Origin": origin})
    assert "access-control-allow-origin" not in plain.headers
