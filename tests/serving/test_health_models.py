"""Liveness, readiness (and its 503s), the model listing and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serving.main import create_app

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=1"


def test_health_is_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_model_loaded_and_warehouse_reachable(client, serving_world):
    response = client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["churn_model"]["ok"] is True
    assert serving_world.champion_version in checks["churn_model"]["detail"]
    assert checks["warehouse"]["ok"] is True
    assert checks["recommendations"]["ok"] is True


def test_not_ready_without_a_model(make_settings):
    app = create_app(make_settings(churn_model_name="no-such-model"))
    with TestClient(app) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        checks = {c["name"]: c for c in response.json()["checks"]}
        assert checks["churn_model"]["ok"] is False
        assert "no-such-model@champion" in checks["churn_model"]["detail"]
        assert checks["warehouse"]["ok"] is True
        # routes needing the model say why they cannot answer
        predict = client.post("/v1/churn/predict", json={"rows": [{}]})
        assert predict.status_code == 503
        assert "no churn model loaded" in predict.json()["detail"]
        churn = client.get("/v1/customers/1/churn")
        assert churn.status_code == 503
        assert "no-such-model" in churn.json()["detail"]


def test_not_ready_when_the_warehouse_is_down(make_settings, serving_world):
    app = create_app(make_settings(database_url=UNREACHABLE, pool_timeout_seconds=1))
    with TestClient(app) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        checks = {c["name"]: c for c in response.json()["checks"]}
        assert checks["churn_model"]["ok"] is True  # the registry is fine
        assert checks["warehouse"]["ok"] is False
        assert "warehouse unavailable" in checks["warehouse"]["detail"]
        churn = client.get(f"/v1/customers/{serving_world.known_customer}/churn")
        assert churn.status_code == 503
        assert churn.json()["detail"].startswith("warehouse unavailable")
        recs = client.get(
            f"/v1/customers/{serving_world.known_customer}/recommendations"
        )
        assert recs.status_code == 503
        assert "ml.recommendations unavailable" in recs.json()["detail"]


def test_models_lists_versions_aliases_and_metrics(client, serving_world):
    response = client.get("/v1/models")
    assert response.status_code == 200
    models = {m["kind"]: m for m in response.json()["models"]}
    churn = models["churn"]
    assert churn["name"] == serving_world.model_name
    assert churn["loaded_version"] == serving_world.champion_version
    assert churn["registry_aliases"]["champion"] == serving_world.champion_version
    assert churn["scorer"] == "fast" and churn["scorer_reason"] is None
    assert 0.5 < churn["metrics"]["eval_roc_auc"] <= 1.0
    assert "days_since_last_order" in churn["features"]
    assert (
        churn["source"]
        == f"models:/{serving_world.model_name}/{serving_world.champion_version}"
    )
    recs = models["recommendations"]
    assert recs["loaded_version"] == serving_world.recommender_version
    assert recs["rows"] > 0


def test_openapi_documents_model_features_with_examples(client):
    schema = client.get("/openapi.json").json()
    assert {
        "/health",
        "/ready",
        "/v1/models",
        "/v1/churn/predict",
        "/v1/customers/{customer_id}/churn",
        "/v1/customers/{customer_id}/recommendations",
        "/v1/products/{product_id}/similar",
        "/v1/admin/reload",
    } <= set(schema["paths"])
    row = schema["components"]["schemas"]["ChurnFeatureRow"]
    assert "days_since_last_order" in row["required"]
    assert row["additionalProperties"] is False
    assert row["examples"][0]["days_since_last_order"] is not None
    assert "loyalty_tier" in row["properties"]
    # query models are documented as plain query parameters
    recs = schema["paths"]["/v1/customers/{customer_id}/recommendations"]["get"]
    (k,) = [p for p in recs["parameters"] if p["in"] == "query"]
    assert k["name"] == "k" and k["schema"]["maximum"] == 100
    assert k["schema"]["default"] == 10
    reload = schema["paths"]["/v1/admin/reload"]["post"]
    assert [p["name"] for p in reload["parameters"] if p["in"] == "query"] == ["force"]
    predict = schema["paths"]["/v1/churn/predict"]["post"]
    assert not [p for p in predict.get("parameters", []) if p["in"] == "query"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
