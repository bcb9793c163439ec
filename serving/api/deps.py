"""`Annotated` dependency and parameter aliases used by the route handlers.

Dependencies are `async def` on purpose: they do no I/O, and FastAPI would run plain `def`
dependencies in the thread pool (a thread hop per dependency per request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field

from serving.core.security import (
    API_KEY_HEADER,
    api_key_header,
    check_api_key,
    configured_key,
)
from serving.services.churn_model import LoadedChurnModel
from serving.services.warehouse import Warehouse
from serving.state import Services

#: Largest accepted id: fits PostgreSQL's bigint and is exact in JSON/JavaScript numbers
#: (2**53 - 1), so larger ids are a 422, never a database error or a rounding surprise.
MAX_ID = 2**53 - 1
#: Every versioned route lives under this prefix. Routers carry their full prefix (not one
#: added by include_router) so `route.path` is the full template metrics are labelled with.
API_V1 = "/v1"


class V1Guard(APIKeyHeader):
    """The dependency of every /v1 route: the API key check.

    It is the `X-API-Key` security scheme itself (same name and description as
    `api_key_header`, so OpenAPI documents the same scheme) rather than a function depending
    on that scheme: FastAPI's resolver costs ~15 us per dependency per request, a noticeable
    share of a single-row prediction.
    """

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        expected = configured_key(request)
        if expected is not None:
            check_api_key(request.headers.get(API_KEY_HEADER), expected)


v1_guard = V1Guard(
    name=API_KEY_HEADER,
    scheme_name=api_key_header.scheme_name,
    description=api_key_header.model.description,
    auto_error=False,
)
#: Router dependencies of every /v1 route.
V1_DEPENDENCIES = [Depends(v1_guard)]


async def get_services(request: Request) -> Services:
    return request.app.state.services


async def get_churn_model(
    services: Annotated[Services, Depends(get_services)],
) -> LoadedChurnModel:
    return services.require_churn_model()


async def get_warehouse(
    services: Annotated[Services, Depends(get_services)],
) -> Warehouse:
    return services.warehouse


ServicesDep = Annotated[Services, Depends(get_services)]
ChurnModelDep = Annotated[LoadedChurnModel, Depends(get_churn_model)]
WarehouseDep = Annotated[Warehouse, Depends(get_warehouse)]

CustomerId = Annotated[
    int, Path(ge=1, le=MAX_ID, description="customer id", examples=[1042])
]
ProductId = Annotated[
    int, Path(ge=1, le=MAX_ID, description="product id", examples=[311])
]


class StrictQuery(BaseModel):
    """Query parameters of a /v1 route. Any other parameter is a 422 naming it: `?K=5` for
    `?k=5` is a client bug the client should hear about, not something to ignore."""

    model_config = ConfigDict(extra="forbid")


class NoQuery(StrictQuery):
    """The query of a route that takes no query parameters."""


class TopKQuery(StrictQuery):
    k: int = Field(
        default=10,
        ge=1,
        le=100,
        description="how many items to return (1-100)",
        examples=[10],
    )


class ReloadQuery(StrictQuery):
    force: bool = Field(
        default=False,
        description="reload the churn model even if its version is unchanged",
    )


NoQueryParams = Annotated[NoQuery, Query()]
TopKParams = Annotated[TopKQuery, Query()]
ReloadParams = Annotated[ReloadQuery, Query()]
