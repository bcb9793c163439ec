"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from serving.api.deps import ServicesDep
from serving.schemas.system import HealthResponse, ReadinessCheck, ReadinessResponse
from serving.services.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse, summary="Liveness")
async def get_health() -> HealthResponse:
    """The process is up (no dependency is checked)."""
    return HealthResponse()


@router.get(
    "/ready",
    response_model=ReadinessResponse,
    summary="Readiness: churn model loaded and warehouse reachable",
    responses={
        503: {"model": ReadinessResponse, "description": "not ready; checks say why"}
    },
)
def get_ready(services: ServicesDep) -> JSONResponse:
    """200 when the churn model is in memory and the warehouse answers, else 503 with details."""
    model = services.churn.current
    churn = ReadinessCheck(
        name="churn_model",
        ok=model is not None,
        detail=f"{model.name} version {model.version}"
        if model
        else services.churn.last_error or "not loaded yet",
    )
    try:
        services.warehouse.ping()
        warehouse = ReadinessCheck(name="warehouse", ok=True)
    except ServiceUnavailable as exc:
        warehouse = ReadinessCheck(name="warehouse", ok=False, detail=exc.detail)
    snapshot = services.recommendations.snapshot
    recs = ReadinessCheck(
        name="recommendations",
        ok=snapshot.recommendations is not None,
        detail="; ".join(f"{t}: {why}" for t, why in snapshot.problems.items()) or None,
    )
    ready = churn.ok and warehouse.ok
    body = ReadinessResponse(
        status="ready" if ready else "not ready", checks=[churn, warehouse, recs]
    )
    return JSONResponse(
        status_code=200 if ready else 503, content=body.model_dump(mode="json")
    )
