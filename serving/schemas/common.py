"""Error bodies shared by every route (documented in the OpenAPI responses)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """A 4xx/5xx error with a human-readable reason."""

    detail: str = Field(
        examples=["no churn model loaded: registry has no ecom-churn@champion"]
    )


class BodyTooLargeResponse(ErrorResponse):
    """413: the body passed `ECOM_API_MAX_BODY_BYTES` (by Content-Length or while read)."""

    limit_bytes: int = Field(examples=[8388608])


class FieldError(BaseModel):
    """One invalid input."""

    field: str = Field(examples=["body.rows.0.days_since_last_order"])
    message: str = Field(examples=["Input should be a valid number"])
    type: str = Field(examples=["float_type"])


class ValidationErrorResponse(BaseModel):
    """422: the request does not match the schema; `errors` names every bad field."""

    detail: str = Field(
        examples=[
            "invalid request: body.rows.0.days_since_last_order: Input should be a valid number"
        ]
    )
    errors: list[FieldError]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error status codes."""
    descriptions = {
        400: "the request body could not be decoded (e.g. it is not UTF-8 text)",
        401: "missing or invalid X-API-Key",
        404: "unknown id",
        413: "request body or batch too large",
        422: "invalid input; the body names each bad field",
        503: "a model, table or the warehouse is unavailable (the detail says which)",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model: type[BaseModel] = ErrorResponse
        if code == 422:
            model = ValidationErrorResponse
        elif code == 413:
            model = BodyTooLargeResponse
        out[code] = {"model": model, "description": descriptions[code]}
    return out
