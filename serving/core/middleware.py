"""Per-request plumbing as plain ASGI middleware (cheaper than BaseHTTPMiddleware):

- request id: `X-Request-ID` from the client when it is a sane token, else a new one; echoed in
  the response header and available as `request.state.request_id`;
- body size: bodies over `max_body_bytes` get 413 naming the limit, by Content-Length before
  any of the body is read, or while streaming (chunked) as soon as the limit is passed; the
  rest is never read (the response closes the connection);
- metrics: count and latency by method, route template (not raw path) and status;
- access log: one JSON line per request;
- last resort: an exception no handler took becomes a JSON 500 (a bug, logged with traceback).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.core.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")
access_log = logging.getLogger("serving.access")
error_log = logging.getLogger("serving.errors")


def body_too_large_detail(limit: int) -> str:
    return (
        f"request body larger than the limit of {limit} bytes (ECOM_API_MAX_BODY_BYTES)"
    )


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (FastAPI re-raises it;
    `serving.core.errors` turns it into the same 413 body as a too-large Content-Length)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=body_too_large_detail(limit))
        self.limit = limit


def body_too_large_content(limit: int) -> dict[str, Any]:
    """The 413 body: what happened and the limit in bytes."""
    return {"detail": body_too_large_detail(limit), "limit_bytes": limit}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _json_response(
    status: int,
    content: dict[str, Any],
    request_id: str,
    close: bool = False,
) -> tuple[Message, Message]:
    body = json.dumps(content).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (REQUEST_ID_HEADER, request_id.encode()),
    ]
    if close:  # the unread body stays unread: the server drops the connection
        headers.append((b"connection", b"close"))
    start = {"type": "http.response.start", "status": status, "headers": headers}
    return start, {"type": "http.response.body", "body": body}


class RequestContextMiddleware:
    """Request id, body limit, metrics, access log and the last-resort 500 handler."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body_bytes: int,
        access_log_enabled: bool = True,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, REQUEST_ID_HEADER)
        request_id = (
            given.decode("ascii")
            if given and _REQUEST_ID.match(given)
            else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id
        state: dict[str, Any] = {"status": 500, "started": False}
        rid = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER, rid),
                ]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        try:
            length = _header(scope, b"content-length")
            if (
                length is not None
                and length.isdigit()
                and int(length) > self.max_body_bytes
            ):
                for message in _json_response(
                    413,
                    body_too_large_content(self.max_body_bytes),
                    request_id,
                    close=True,
                ):
                    await send(message)
                state["status"] = 413
            else:
                await self.app(scope, limited_receive, send_with_id)
        except Exception:
            error_log.exception(
                "unhandled error", extra={"fields": {"request_id": request_id}}
            )
            if not state["started"]:
                for message in _json_response(
                    500, {"detail": "internal server error"}, request_id
                ):
                    await send(message)
                state["status"] = 500
        finally:
            self._observe(
                scope, request_id, state["status"], time.perf_counter() - started
            )

    def _observe(
        self, scope: Scope, request_id: str, status: int, seconds: float
    ) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "<unmatched>"
        method = scope.get("method", "")
        self.metrics.observe_request(method, template, status, seconds)
        if self.access_log_enabled:
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": method,
                        "path": scope.get("path"),
                        "route": template,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                        "client": client[0] if client else None,
                    }
                },
            )
