"""Admin: reload models now (the pollers would pick up alias moves within their interval)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.api.deps import API_V1, V1_DEPENDENCIES, ReloadParams, ServicesDep
from serving.core.security import require_admin_key
from serving.schemas.common import error_responses
from serving.schemas.system import ReloadResponse
from serving.services.errors import ServiceUnavailable

router = APIRouter(
    prefix=f"{API_V1}/admin",
    tags=["admin"],
    dependencies=[*V1_DEPENDENCIES, Depends(require_admin_key)],
)


@router.post(
    "/reload",
    response_model=ReloadResponse,
    summary="Re-resolve the champion alias and reload the recommendation snapshot",
    responses=error_responses(401, 422, 503),
)
async def reload_models(services: ServicesDep, query: ReloadParams) -> ReloadResponse:
    """Loads the version the alias points at (if it moved, or with `force`) and reloads the
    recommendation tables. 503 when the registry or the warehouse cannot be read; the
    previously loaded model keeps serving."""
    outcome, recs_changed = await services.reload(force=query.force)
    recs_error = services.recommendations.last_error
    if outcome.error or recs_error:
        serving = services.churn.current
        raise ServiceUnavailable(
            f"reload failed: {outcome.error or recs_error}; still serving "
            f"{'version ' + serving.version if serving else 'no churn model'}"
        )
    return ReloadResponse(
        churn_model=outcome.model,
        previous_version=outcome.previous_version,
        version=outcome.version,
        changed=outcome.changed,
        recommendations_reloaded=recs_changed,
    )
