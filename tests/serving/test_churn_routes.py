"""POST /v1/churn/predict and GET /v1/customers/{id}/churn with the real champion model."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from serving.main import create_app
from serving.schemas.churn import ChurnPredictResponse


def test_single_row_matches_the_batch_score(client, serving_world, feature_row):
    response = client.post(
        "/v1/churn/predict",
        json={"rows": [{**feature_row, "customer_id": serving_world.known_customer}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_name"] == serving_world.model_name
    assert body["model_version"] == serving_world.champion_version
    (prediction,) = body["predictions"]
    assert prediction["row"] == 0
    assert prediction["customer_id"] == serving_world.known_customer
    assert prediction["model_version"] == serving_world.champion_version
    batch = client.get(f"/v1/customers/{serving_world.known_customer}/churn").json()
    assert prediction["churn_probability"] == pytest.approx(
        batch["batch_score"]["churn_probability"], abs=1e-6
    )
    assert prediction["risk_band"] == batch["batch_score"]["risk_band"]


def test_batch_keeps_order_and_bands_follow_probability(client, feature_row):
    rows = []
    for days in (0.0, 30.0, 90.0, 200.0, 400.0):
        rows.append({**feature_row, "days_since_last_order": days})
    rows.append({**feature_row, "loyalty_tier": "a-tier-never-seen", "region": None})
    response = client.post("/v1/churn/predict", json={"rows": rows})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert [p["row"] for p in predictions] == list(range(len(rows)))
    probabilities = [p["churn_probability"] for p in predictions[:5]]
    # the model is monotone in recency: more days since the last order never lowers risk
    assert probabilities == sorted(probabilities)
    for p in predictions:
        expected = (
            "low"
            if p["churn_probability"] < 0.4
            else ("medium" if p["churn_probability"] < 0.7 else "high")
        )
        assert p["risk_band"] == expected
        assert p["customer_id"] is None


def test_missing_values_are_accepted_as_null(client, feature_row):
    row = {name: None for name in feature_row}
    response = client.post("/v1/churn/predict", json={"rows": [row]})
    assert response.status_code == 200, response.text
    assert 0.0 <= response.json()["predictions"][0]["churn_probability"] <= 1.0


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (
            lambda r: r.pop("days_since_last_order"),
            "body.rows.0.days_since_last_order",
            "Field required",
        ),
        (
            lambda r: r.update(tenure_days="long"),
            "body.rows.0.tenure_days",
            "valid number",
        ),
        (
            lambda r: r.update(tenure_days=True),
            "body.rows.0.tenure_days",
            "valid number",
        ),
        (
            lambda r: r.update(order_count=1e39),
            "body.rows.0.order_count",
            "less than or equal",
        ),
        (lambda r: r.update(gender=7), "body.rows.0.gender", "valid string"),
        (
            lambda r: r.update(favourite_colour="red"),
            "body.rows.0.favourite_colour",
            "Extra inputs",
        ),
        (
            lambda r: r.update(customer_id=0),
            "body.rows.0.customer_id",
            "greater than or equal",
        ),
    ],
)
def test_bad_rows_get_422_naming_the_field(client, feature_row, mutate, field, message):
    row = dict(feature_row)
    mutate(row)
    response = client.post("/v1/churn/predict", json={"rows": [row]})
    assert response.status_code == 422, response.text
    body = response.json()
    assert field in body["detail"]
    assert any(e["field"] == field and message in e["message"] for e in body["errors"])


def test_non_finite_numbers_are_rejected(client, feature_row):
    text = json.dumps({"rows": [feature_row]}).replace(
        f'"tenure_days": {json.dumps(feature_row["tenure_days"])}', '"tenure_days": NaN'
    )
    assert "NaN" in text
    response = client.post(
        "/v1/churn/predict", content=text, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "body.rows.0.tenure_days" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"rows": []}, "body.rows"), ({}, "body.rows"), ([1, 2], "body")],
)
def test_malformed_bodies_get_422(client, payload, field):
    response = client.post("/v1/churn/predict", json=payload)
    assert response.status_code == 422
    assert any(e["field"] == field for e in response.json()["errors"])


def test_invalid_json_gets_422(client):
    response = client.post(
        "/v1/churn/predict",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"


def test_batch_size_limit_is_422_and_body_limit_is_413(make_settings, feature_row):
    app = create_app(make_settings(max_batch_rows=5, max_body_bytes=20_000))
    with TestClient(app) as client:
        ok = client.post("/v1/churn/predict", json={"rows": [feature_row] * 5})
        assert ok.status_code == 200
        too_many = client.post("/v1/churn/predict", json={"rows": [feature_row] * 6})
        assert too_many.status_code == 422
        assert "body.rows" in too_many.json()["detail"]
        assert "at most 5" in too_many.json()["detail"]
        huge = client.post("/v1/churn/predict", json={"rows": [feature_row] * 40})
        assert huge.status_code == 413
        assert "20000 bytes" in huge.json()["detail"]
        schema = client.get("/openapi.json").json()
        rows = schema["components"]["schemas"]["ChurnPredictRequest"]["properties"][
            "rows"
        ]
        assert rows["maxItems"] == 5


def test_thousand_row_batch(client, feature_row):
    rows = [{**feature_row, "tenure_days": float(i)} for i in range(1000)]
    response = client.post("/v1/churn/predict", json={"rows": rows})
    assert response.status_code == 200
    assert len(response.json()["predictions"]) == 1000


def test_customer_churn_from_warehouse_features(client, serving_world):
    response = client.get(f"/v1/customers/{serving_world.known_customer}/churn")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == serving_world.known_customer
    assert body["model_version"] == serving_world.champion_version
    assert body["risk_band"] in {"low", "medium", "high"}
    batch = body["batch_score"]
    assert batch["model_version"] == serving_world.champion_version
    assert body["churn_probability"] == pytest.approx(
        batch["churn_probability"], abs=1e-6
    )
    assert body["cutoff_date"] == batch["cutoff_date"]


@pytest.mark.parametrize(
    ("customer_id", "status"),
    [(999_999_999, 404), (0, 422), (-5, 422), ("abc", 422), (2**53, 422), ("1.5", 422)],
)
def test_customer_churn_errors(client, customer_id, status):
    response = client.get(f"/v1/customers/{customer_id}/churn")
    assert response.status_code == status, response.text
    if status == 404:
        assert f"customer {customer_id}" in response.json()["detail"]
    else:
        assert response.json()["errors"][0]["field"] == "path.customer_id"


def _edge_bodies(feature_row) -> list[tuple[str, bytes, int]]:
    """(case, body, expected status) for bodies at the edges of JSON and the schema."""
    good = json.dumps({"rows": [feature_row]}).encode()
    row = json.dumps(feature_row)[1:-1]

    def with_tenure(text: str) -> bytes:
        other = {k: v for k, v in feature_row.items() if k != "tenure_days"}
        rest = json.dumps(other)[1:-1]
        return (
            b'{"rows": [{"tenure_days": '
            + text.encode()
            + b", "
            + rest.encode()
            + b"}]}"
        )

    return [
        ("byte order mark", b"\xef\xbb\xbf" + good, 200),
        (
            "customer id as a numeric string",
            json.dumps({"rows": [{**feature_row, "customer_id": "12"}]}).encode(),
            200,
        ),
        ("NaN", with_tenure("NaN"), 422),
        ("beyond float64", with_tenure("1e400"), 422),
        ("boolean", with_tenure("true"), 422),
        ("not UTF-8", good[:-1] + b', "\xff": 1}', 400),
        (
            "id beyond 2**53",
            json.dumps({"rows": [{**feature_row, "customer_id": 10**23}]}).encode(),
            422,
        ),
        ("trailing text", good + b" trailing", 422),
        ("not an object", b"[1, 2]", 422),
        ("empty body", b"", 422),
        ("row fields only", ("{" + row + "}").encode(), 422),
    ]


def test_edge_bodies_get_a_clear_answer(client, feature_row):
    for case, body, status in _edge_bodies(feature_row):
        response = client.post(
            "/v1/churn/predict",
            content=body,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == status, (case, response.text)
        if status != 200:
            assert response.json()["detail"], case


def test_a_body_that_is_not_declared_json_is_422(client, feature_row):
    response = client.post(
        "/v1/churn/predict",
        content=json.dumps({"rows": [feature_row]}),
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_query_parameters_on_predict_are_422(client, feature_row):
    response = client.post(
        "/v1/churn/predict", params={"k": 1}, json={"rows": [feature_row]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.k"


def test_predict_headers_metrics_and_access_log(client, feature_row, access_log):
    with access_log.capture() as lines:
        response = client.post(
            "/v1/churn/predict",
            json={"rows": [feature_row] * 40},  # scored in a worker thread
            headers={"X-Request-ID": "predict-1"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["x-request-id"] == "predict-1"
    assert (
        len(ChurnPredictResponse.model_validate_json(response.content).predictions)
        == 40
    )
    (record,) = lines
    assert record["request_id"] == "predict-1"
    assert record["route"] == "/v1/churn/predict" and record["status"] == 200
    metrics = client.get("/metrics").text
    assert 'method="POST",route="/v1/churn/predict",status="200"' in metrics
