"""A direct lane for the hot route: well-formed `POST /v1/churn/predict` calls are answered
in front of the router.

A single-row prediction spends more of its time in the framework than in the model:
routing, the dependency resolver, Request objects, content-type parsing and four layers of
exception wrappers cost as much as validating the body and walking the trees. This
middleware sits inside the request-context middleware (request id, body limit, metrics and
access log still apply) and, for a request that is plainly fine, does only what the route
would do:

- `POST` to exactly the predict path, no query string, `Content-Type: application/json`,
  a `Content-Length` body;
- the API key, when the server has one, present and equal (constant-time compare);
- the body valid for the loaded model's schema (one-pass `model_validate_json`) and a
  model with that schema loaded.

It then scores with the route's own `PredictEndpoint` and sends the response the route
would send (same body, same headers). Anything else, such as a bad field, a missing or
wrong key, an unknown query parameter, a chunked body or no model, goes on to the router
with the body it has read replayed, so every error is the framework's own answer (422
naming the field, 401, 503, ...). `ECOM_API_DIRECT_LANES=false` turns the lane off.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.api.direct_common import API_KEY, key_ok, lane_of, send_json
from serving.api.routes.churn import PREDICT_PATH, PredictEndpoint
from serving.services.errors import ServiceUnavailable

_JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


class DirectPredictMiddleware:
    """Answers plainly valid predict calls itself; passes everything else on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PREDICT_PATH
            or scope["method"] != "POST"
            or scope["query_string"]
        ):
            await self.app(scope, receive, send)
            return
        lane: Lane | None = lane_of(scope, "predict_lane")
        length = content_type = key = None
        # the first of each header, as Starlette reads them
        for name, value in scope["headers"]:
            if name == b"content-length" and length is None:
                length = value
            elif name == b"content-type" and content_type is None:
                content_type = value
            elif name == API_KEY and key is None:
                key = value
        if (
            lane is None
            or length is None
            or content_type is None
            or content_type.lower() not in _JSON_TYPES
            or not key_ok(lane.expected_key, key)
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        try:
            request = lane.endpoint.request_model.model_validate_json(body)
            model = lane.endpoint.model_for(lane.services)
        except (ValidationError, ServiceUnavailable):
            # the router answers with its own 422 / 400 / 503
            await self.app(scope, _replay(body, receive), send)
            return
        content = await lane.endpoint.respond(lane.services, model, request)
        await send_json(scope, send, lane.route, content)


class Lane:
    """What the middleware needs from the app, swapped whole when the route is rebuilt."""

    __slots__ = ("endpoint", "route", "services")

    def __init__(self, endpoint: PredictEndpoint, route: Any, services: Any) -> None:
        self.endpoint = endpoint
        self.route = route
        self.services = services

    @property
    def expected_key(self) -> str | None:
        return self.services.settings.api_key


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body (None if the client disconnected first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that first hands back the body already read, then the real one."""
    pending: list[Message] = [
        {"type": "http.request", "body": body, "more_body": False}
    ]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
