"""A direct lane for `GET /v1/customers/{customer_id}/recommendations`, the other hot route.

Like `serving.api.predict_direct`: inside the request-context middleware (request id,
metrics, access log) and CORS, it answers a request that is plainly fine with the route's
own body builder (`recommendations_content`) and the route's headers:

- `GET`, the id in canonical form (digits, no leading zero) within 1..2**53-1, and either no
  query string or exactly `k=<1..100>` in canonical form;
- the API key, when the server has one, present and equal (constant-time compare);
- a loaded recommendation snapshot.

Everything else (a bad or zero-padded id, `k=0`, another parameter, a wrong key, no
snapshot) goes on to the FastAPI route, so the answer is the route's own (422, 401, 503).
`ECOM_API_DIRECT_LANES=false` turns it off with the predict lane.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from serving.api.deps import API_V1, MAX_ID
from serving.api.direct_common import API_KEY, key_ok, lane_of, send_json
from serving.api.routes.customers import recommendations_content
from serving.services.errors import ServiceUnavailable

_PREFIX = f"{API_V1}/customers/"
_SUFFIX = "/recommendations"
_DEFAULT_K = 10
_MAX_K = 100


class RecommendationsLane:
    """What the middleware needs from the app: the route (for metrics) and the services."""

    __slots__ = ("route", "services")

    def __init__(self, route: Any, services: Any) -> None:
        self.route = route
        self.services = services


def canonical_int(text: str, low: int, high: int) -> int | None:
    """`text` as an int if it is plain digits without a leading zero in [low, high]."""
    if not text or len(text) > 16 or not text.isascii() or not text.isdigit():
        return None
    if text[0] == "0":
        return None
    value = int(text)
    return value if low <= value <= high else None


def _k(query_string: bytes) -> int | None:
    if not query_string:
        return _DEFAULT_K
    if not query_string.startswith(b"k="):
        return None
    return canonical_int(query_string[2:].decode("latin-1"), 1, _MAX_K)


class DirectRecommendationsMiddleware:
    """Answers plainly valid recommendation calls itself; passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            await self.app(scope, receive, send)
            return
        lane: RecommendationsLane | None = lane_of(scope, "recommendations_lane")
        customer_id = canonical_int(path[len(_PREFIX) : -len(_SUFFIX)], 1, MAX_ID)
        k = _k(scope["query_string"])
        key = None
        for name, value in scope["headers"]:  # the first, as Starlette reads it
            if name == API_KEY:
                key = value
                break
        if (
            lane is None
            or customer_id is None
            or k is None
            or not key_ok(lane.services.settings.api_key, key)
        ):
            await self.app(scope, receive, send)
            return
        snapshot = lane.services.recommendations.snapshot
        try:
            content = recommendations_content(snapshot, customer_id, k)
        except ServiceUnavailable:
            await self.app(scope, receive, send)  # the route's own 503
            return
        await send_json(scope, send, lane.route, content)
