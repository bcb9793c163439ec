"""The direct predict lane answers exactly as the FastAPI route does, and only when it may."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.main import create_app

KEY = "direct-lane-key"
#: Headers that differ between any two responses.
VOLATILE = {"date", "x-request-id"}


@pytest.fixture(scope="module")
def lane_and_router(make_settings):
    """Two apps on the same model and key: the lane on, and off."""
    with (
        TestClient(create_app(make_settings(key=KEY))) as on,
        TestClient(create_app(make_settings(key=KEY, direct_lanes=False))) as off,
    ):
        assert getattr(on.app.state, "predict_lane", None) is not None
        assert getattr(off.app.state, "predict_lane", None) is None
        yield on, off


@pytest.fixture
def lane_only(make_settings):
    """An app whose router has no predict route: only the lane can answer a 200."""
    with TestClient(create_app(make_settings(key=KEY))) as client:
        app = client.app
        routes = app.state.churn_routes
        app.router.routes = [
            r for r in app.router.routes if not any(r is o for o in routes)
        ]
        yield client


def _answer(client: TestClient, content: bytes, **kwargs: Any):
    headers = {"content-type": "application/json", "x-api-key": KEY}
    headers.update(kwargs.pop("headers", {}))
    response = client.post(
        "/v1/churn/predict", content=content, headers=headers, **kwargs
    )
    kept = sorted(
        (k, v) for k, v in response.headers.items() if k.lower() not in VOLATILE
    )
    return response.status_code, kept, response.content


def _bodies(feature_row: dict[str, Any]) -> dict[str, bytes]:
    row = dict(feature_row)
    return {
        "one row": json.dumps({"rows": [row]}).encode(),
        "customer id": json.dumps({"rows": [{**row, "customer_id": 42}]}).encode(),
        "all missing": json.dumps({"rows": [{k: None for k in row}]}).encode(),
        "batch over the thread threshold": json.dumps({"rows": [row] * 40}).encode(),
    }


def test_valid_requests_get_the_routes_exact_response(lane_and_router, feature_row):
    on, off = lane_and_router
    for name, body in _bodies(feature_row).items():
        lane = _answer(on, body)
        route = _answer(off, body)
        assert lane[0] == 200, (name, lane)
        assert lane == route, name


def test_the_lane_answers_valid_requests_without_the_router(lane_only, feature_row):
    for name, body in _bodies(feature_row).items():
        status, _, content = _answer(lane_only, body)
        assert status == 200, (name, content)
        assert len(json.loads(content)["predictions"]) >= 1
    # and passes everything else on: here the router has no such route
    bad = json.dumps({"rows": [{**feature_row, "tenure_days": "x"}]}).encode()
    assert _answer(lane_only, bad)[0] == 404
    good = _bodies(feature_row)["one row"]
    assert _answer(lane_only, good, headers={"x-api-key": "wrong"})[0] == 404
    assert _answer(lane_only, good, params={"debug": "1"})[0] == 404
    assert _answer(lane_only, good, headers={"content-type": "text/plain"})[0] == 404


def test_refused_requests_get_the_routes_exact_errors(lane_and_router, feature_row):
    on, off = lane_and_router
    row = dict(feature_row)
    good = json.dumps({"rows": [row]}).encode()
    cases: list[tuple[str, bytes, dict[str, Any]]] = [
        ("bad field", json.dumps({"rows": [{**row, "tenure_days": "x"}]}).encode(), {}),
        ("unknown field", json.dumps({"rows": [{**row, "zz": 1}]}).encode(), {}),
        ("no rows", b'{"rows": []}', {}),
        ("not json", b"{nope", {}),
        ("bom", b"\xef\xbb\xbf" + good, {}),
        ("missing key", good, {"headers": {"x-api-key": ""}}),
        ("wrong key", good, {"headers": {"x-api-key": KEY + "x"}}),
        ("query", good, {"params": {"k": "1"}}),
        ("form type", good, {"headers": {"content-type": "text/plain"}}),
    ]
    for name, body, kwargs in cases:
        lane = _answer(on, body, **kwargs)
        route = _answer(off, body, **kwargs)
        assert lane == route, name
        assert lane[0] != 500, name


def test_lane_answers_are_counted_and_logged_under_the_route(
    lane_only, feature_row, access_log
):
    body = _bodies(feature_row)["one row"]
    with access_log.capture() as lines:
        status, headers, _ = _answer(
            lane_only, body, headers={"x-request-id": "lane-log-1"}
        )
    assert status == 200
    assert ("x-request-id", "lane-log-1") not in headers  # volatile: filtered out
    (record,) = lines
    assert record["request_id"] == "lane-log-1"
    assert record["route"] == "/v1/churn/predict"
    assert record["status"] == 200
    metrics = lane_only.get("/metrics").text
    assert 'method="POST",route="/v1/churn/predict",status="200"' in metrics
