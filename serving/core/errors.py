"""Exception handlers: validation -> 422 naming each bad field, domain errors -> 404/503,
a body past the size limit -> 413 naming the limit."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from serving.core.middleware import BodyTooLarge, body_too_large_content
from serving.services.errors import NotFound, ServiceUnavailable

MAX_LISTED = 5


def _field(loc: tuple | list) -> str:
    return ".".join(str(part) for part in loc) or "request"


async def _validation_error(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    errors = [
        {
            "field": _field(e.get("loc", ())),
            "message": str(e.get("msg", "invalid value")),
            "type": str(e.get("type", "value_error")),
        }
        for e in exc.errors()
    ]
    listed = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:MAX_LISTED])
    more = f" (and {len(errors) - MAX_LISTED} more)" if len(errors) > MAX_LISTED else ""
    return JSONResponse(
        status_code=422,
        content={"detail": f"invalid request: {listed}{more}", "errors": errors},
    )


async def _unavailable(request: Request, exc: ServiceUnavailable) -> JSONResponse:
    return JSONResponse(status_code=503, content={"detail": exc.detail})


async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": exc.detail})


async def _body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
    return JSONResponse(
        status_code=413,
        content=body_too_large_content(exc.limit),
        headers={"Connection": "close"},  # the rest of the body is not read
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceUnavailable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(NotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, _body_too_large)  # type: ignore[arg-type]
