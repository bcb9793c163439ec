"""Routes built with `json_body_route` answer every body exactly as a plain FastAPI route."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from serving.core.errors import install_error_handlers
from serving.core.json_route import json_body_route
from serving.schemas.churn import churn_request_model, churn_row_model
from serving.services.churn_model import FeatureField

FIELDS = [FeatureField("tenure_days", "number", 10.0), FeatureField("gender", "string")]
REQUEST = churn_request_model(churn_row_model(FIELDS), max_rows=3)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)  # the service's 422 body (FastAPI's echoes the input)
    for path, route_class in (("/plain", None), ("/fast", json_body_route(REQUEST))):
        router = APIRouter(route_class=route_class) if route_class else APIRouter()

        @router.post(path)
        async def echo(body: REQUEST) -> dict:  # type: ignore[valid-type]
            return body.model_dump()  # type: ignore[attr-defined]

        app.include_router(router)
    return app


@pytest.fixture(scope="module")
def client():
    with TestClient(_app()) as client:
        yield client


ROW = b'{"tenure_days": 1, "gender": "f"}'


@pytest.mark.parametrize(
    "body",
    [
        b'{"rows": [' + ROW + b"]}",
        b'{"rows": [' + ROW + b", " + ROW + b"]}",
        b'{"rows": [{"tenure_days": null, "gender": null, "customer_id": "12"}]}',
        b'\xef\xbb\xbf{"rows": [' + ROW + b"]}",  # BOM: the standard library accepts it
        b'{"rows": [{"tenure_days": NaN, "gender": "f"}]}',
        b'{"rows": [{"tenure_days": 1e400, "gender": "f"}]}',
        b'{"rows": [{"tenure_days": true, "gender": "f"}]}',
        b'{"rows": [{"tenure_days": 1, "gender": "\\ud800"}]}',
        b'{"rows": [{"tenure_days": 1, "gender": "\xff"}]}',  # not UTF-8
        b'{"rows": [{"tenure_days": 1, "gender": "f", "extra": 1}]}',
        b'{"rows": [{"tenure_days": 1, "gender": "f", "customer_id": 99999999999999999999999}]}',
        b'{"rows": [' + b", ".join([ROW] * 4) + b"]}",  # too many rows
        b'{"rows": []}',
        b'{"rows": [' + ROW + b"]} trailing",
        b"{not json",
        b"[1, 2]",
        b"",
    ],
)
def test_same_answer_as_a_plain_route(client, body):
    headers = {"content-type": "application/json"}
    plain = client.post("/plain", content=body, headers=headers)
    fast = client.post("/fast", content=body, headers=headers)
    assert fast.status_code == plain.status_code, (fast.text, plain.text)
    assert fast.json() == plain.json()


def test_a_valid_body_is_validated_once_from_bytes(client):
    response = client.post(
        "/fast",
        content=b'{"rows": [' + ROW + b"]}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "rows": [{"tenure_days": 1.0, "gender": "f", "customer_id": None}]
    }


def test_other_content_types_are_not_parsed_as_json(client):
    body = b'{"rows": [' + ROW + b"]}"
    plain = client.post("/plain", content=body, headers={"content-type": "text/plain"})
    fast = client.post("/fast", content=body, headers={"content-type": "text/plain"})
    assert fast.status_code == plain.status_code == 422
    assert fast.json() == plain.json()
