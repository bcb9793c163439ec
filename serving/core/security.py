"""API-key checks: `/v1/*` needs `X-API-Key` when ECOM_API_KEY is set (`serving.api.deps.
V1Guard`); admin routes always do (`require_admin_key`).

Keys are compared with `hmac.compare_digest` (constant time). Without a configured key the
admin routes answer 503: nobody can be authorised, and the fix is server configuration.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

API_KEY_HEADER = "X-API-Key"
api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="required on /v1/* when the server sets ECOM_API_KEY; always on /v1/admin/*",
)


def configured_key(request: Request) -> str | None:
    """The server's API key (None: not configured)."""
    return request.app.state.services.settings.api_key


def check_api_key(given: str | None, expected: str) -> None:
    """401 unless `given` matches `expected` (constant-time comparison)."""
    if not given:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"missing {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": f'APIKey header="{API_KEY_HEADER}"'},
        )
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"invalid {API_KEY_HEADER}",
            headers={"WWW-Authenticate": f'APIKey header="{API_KEY_HEADER}"'},
        )


async def require_admin_key(
    request: Request, key: Annotated[str | None, Security(api_key_header)]
) -> None:
    """Admin routes: 503 without a configured key, else the header must match."""
    expected = configured_key(request)
    if expected is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="admin routes are disabled: set ECOM_API_KEY on the server to enable them",
        )
    check_api_key(key, expected)
