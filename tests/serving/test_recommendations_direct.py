"""The direct recommendations lane answers exactly as the FastAPI route does, and only when
it may."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.recommendations_direct import canonical_int
from serving.api.routes import customers
from serving.api.routes.customers import RECOMMENDATIONS_PATH
from serving.main import create_app

KEY = "direct-recs-key"
VOLATILE = {"date", "x-request-id"}


@pytest.fixture(scope="module")
def lane_and_router(make_settings):
    with (
        TestClient(create_app(make_settings(key=KEY))) as on,
        TestClient(create_app(make_settings(key=KEY, direct_lanes=False))) as off,
    ):
        assert getattr(on.app.state, "recommendations_lane", None) is not None
        assert getattr(off.app.state, "recommendations_lane", None) is None
        yield on, off


@pytest.fixture
def lane_only(make_settings):
    """An app without the customers router: only the lane can answer a recommendation."""
    with TestClient(create_app(make_settings(key=KEY))) as client:
        client.app.router.routes = [
            r
            for r in client.app.router.routes
            if getattr(r, "original_router", None) is not customers.router
            and getattr(r, "path", None) != RECOMMENDATIONS_PATH
        ]
        yield client


def _answer(client: TestClient, path: str, **headers: str):
    response = client.get(path, headers={"x-api-key": KEY, **headers})
    kept = sorted(
        (k, v) for k, v in response.headers.items() if k.lower() not in VOLATILE
    )
    return response.status_code, kept, response.content


def _valid_paths(world: Any) -> list[str]:
    known, cold = world.known_customer, world.cold_customer
    return [
        f"/v1/customers/{known}/recommendations",
        f"/v1/customers/{known}/recommendations?k=1",
        f"/v1/customers/{known}/recommendations?k=100",
        f"/v1/customers/{cold}/recommendations?k=5",  # cold start: popularity
        "/v1/customers/9007199254740991/recommendations",  # unknown, largest id
    ]


def _passed_on_paths(world: Any) -> list[str]:
    known = world.known_customer
    return [
        f"/v1/customers/0{known}/recommendations",  # zero-padded: the route decides
        "/v1/customers/0/recommendations",
        "/v1/customers/9007199254740992/recommendations",
        "/v1/customers/abc/recommendations",
        f"/v1/customers/{known}/recommendations?k=0",
        f"/v1/customers/{known}/recommendations?k=101",
        f"/v1/customers/{known}/recommendations?k=x",
        f"/v1/customers/{known}/recommendations?k=3&debug=1",
        f"/v1/customers/{known}/recommendations?limit=3",
    ]


def test_valid_requests_get_the_routes_exact_response(lane_and_router, serving_world):
    on, off = lane_and_router
    for path in _valid_paths(serving_world):
        lane = _answer(on, path)
        assert lane[0] == 200, (path, lane)
        assert lane == _answer(off, path), path
    body = json.loads(_answer(on, _valid_paths(serving_world)[3])[2])
    assert body["is_fallback"] is True and len(body["items"]) == 5


def test_other_requests_get_the_routes_exact_answers(lane_and_router, serving_world):
    on, off = lane_and_router
    path = _valid_paths(serving_world)[0]
    for case, headers in (
        ("wrong key", {"x-api-key": "nope"}),
        ("no key", {"x-api-key": ""}),
    ):
        assert _answer(on, path, **headers) == _answer(off, path, **headers), case
    for path in _passed_on_paths(serving_world):
        lane = _answer(on, path)
        assert lane == _answer(off, path), path
        assert lane[0] != 500, path


def test_the_lane_answers_only_what_it_may(lane_only, serving_world):
    for path in _valid_paths(serving_world):
        assert _answer(lane_only, path)[0] == 200, path
    for path in _passed_on_paths(serving_world):
        assert _answer(lane_only, path)[0] == 404, path  # the router has no such route
    path = _valid_paths(serving_world)[0]
    assert _answer(lane_only, path, **{"x-api-key": "nope"})[0] == 404


def test_lane_answers_are_counted_and_logged_under_the_route(
    lane_only, serving_world, access_log
):
    with access_log.capture() as lines:
        status, _, _ = _answer(
            lane_only, _valid_paths(serving_world)[0], **{"x-request-id": "recs-1"}
        )
    assert status == 200
    (record,) = lines
    assert record["request_id"] == "recs-1" and record["status"] == 200
    assert record["route"] == RECOMMENDATIONS_PATH
    metrics = lane_only.get("/metrics").text
    assert f'method="GET",route="{RECOMMENDATIONS_PATH}",status="200"' in metrics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("0", None),
        ("007", None),
        ("-1", None),
        ("+1", None),
        ("", None),
        ("1e3", None),
        ("١٢", None),
        ("101", None),
    ],
)
def test_canonical_int(text, expected):
    assert canonical_int(text, 1, 100) == expected
