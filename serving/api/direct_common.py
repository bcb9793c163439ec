"""What the direct lanes (`predict_direct`, `recommendations_direct`) share: finding their
state on the app, the V1 guard's API-key test on a raw header, and the 200 JSON answer."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.types import Scope, Send

from serving.core.security import API_KEY_HEADER

API_KEY = API_KEY_HEADER.lower().encode()
_JSON = b"application/json"


def lane_of(scope: Scope, name: str) -> Any:
    """`app.state.<name>` of the app serving this request (None when unset)."""
    app = scope.get("app")
    return getattr(app.state, name, None) if app is not None else None


def key_ok(expected: str | None, given: bytes | None) -> bool:
    """The V1 guard's test on the raw header (Starlette decodes headers as latin-1)."""
    if expected is None:
        return True
    return given is not None and hmac.compare_digest(
        given.decode("latin-1").encode("utf-8"), expected.encode("utf-8")
    )


async def send_json(scope: Scope, send: Send, route: Any, content: bytes) -> None:
    """Answer 200 with `content` and the headers FastAPI's `Response(content,
    media_type="application/json")` sends; the request is labelled with `route` for the
    metrics and access log, as the router would label it."""
    scope["route"] = route
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(content)).encode()),
                (b"content-type", _JSON),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
