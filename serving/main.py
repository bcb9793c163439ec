"""Build the FastAPI app: `create_app()` (used by uvicorn, `ecom serve api` and the tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from serving.api.routes import admin, customers, health, metrics, models, products
from serving.api.routes.churn import PredictEndpoint, churn_router
from serving.core.config import ServingSettings, get_settings
from serving.core.errors import install_error_handlers
from serving.core.heap import freeze_startup_heap, unfreeze_heap
from serving.core.logging import configure_logging
from serving.core.middleware import RequestContextMiddleware
from serving.services.churn_model import FeatureField, LoadedChurnModel
from serving.state import Services

DESCRIPTION = """
Churn risk and product recommendations from the platform's model registry and warehouse.

* `/v1/*` needs the `X-API-Key` header when the server sets `ECOM_API_KEY`;
  `/v1/admin/*` always does (503 when no key is configured).
* Errors: 422 names each bad field, 404 unknown ids, 503 when a model, table or the
  warehouse is unavailable (the `detail` says which).
* Every response carries `X-Request-ID` (yours, or a generated one).
"""


def install_churn_routes(app: FastAPI, fields: Sequence[FeatureField]) -> None:
    """(Re)build `POST /v1/churn/predict` for a model's feature schema.

    The new route objects replace the old ones in the app's route list in one assignment
    (on the event loop, so no request sees a half-updated list); the OpenAPI document is
    regenerated on its next request. They go first in the list: requests are matched
    against routes in order, and prediction is the hot path (its path overlaps no other).
    """
    services: Services = app.state.services
    old = getattr(app.state, "churn_routes", [])
    max_rows = services.settings.max_batch_rows
    endpoint = PredictEndpoint(fields, max_rows)
    router = churn_router(endpoint, max_rows)
    kept = [r for r in app.router.routes if not any(r is o for o in old)]
    app.router.routes = [*router.routes, *kept]
    app.state.churn_routes = list(router.routes)
    app.openapi_schema = None


def _schema_follower(app: FastAPI):
    def on_swap(old: LoadedChurnModel | None, new: LoadedChurnModel) -> None:
        if old is None or old.schema_key != new.schema_key:
            install_churn_routes(app, new.fields)

    return on_swap


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    services: Services = app.state.services
    await services.start()
    freeze_startup_heap()
    try:
        yield
    finally:
        await services.stop()
        unfreeze_heap()


def create_app(settings: ServingSettings | None = None) -> FastAPI:
    """The prediction service. Nothing connects until the app starts (lifespan)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    services = Services.create(settings)
    app = FastAPI(
        title="ecom prediction service",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    for router in (health, metrics, models, customers, products, admin):
        app.include_router(router.router)
    install_churn_routes(app, [])
    services.churn.add_listener(_schema_follower(app))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "X-Request-ID", "Content-Type"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        metrics=services.metrics,
        max_body_bytes=settings.max_body_bytes,
        access_log_enabled=settings.access_log,
    )
    return app
