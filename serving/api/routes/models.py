"""What the service serves: model names, versions, aliases and evaluation metrics."""

from __future__ import annotations

from fastapi import APIRouter

from serving.api.deps import API_V1, V1_DEPENDENCIES, NoQueryParams, ServicesDep
from serving.schemas.common import error_responses
from serving.schemas.system import ModelRefusal, ModelsResponse, ModelStatus
from serving.services.recommendations import RECOMMENDATIONS_TABLE
from serving.state import Services

router = APIRouter(prefix=API_V1, tags=["models"], dependencies=V1_DEPENDENCIES)
RECOMMENDER_MODEL = "ecom-recommender"


def _aliases(services: Services, name: str) -> tuple[dict[str, str], str | None]:
    try:
        model = services.churn.client().get_registered_model(name)
    except Exception as exc:  # not registered yet, or the registry is down: say so
        return {}, f"registry: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    return {alias: str(v) for alias, v in sorted(model.aliases.items())}, None


def _churn_status(services: Services) -> ModelStatus:
    store, model = services.churn, services.churn.current
    aliases, registry_error = _aliases(services, store.name)
    refused = store.refused
    return ModelStatus(
        name=store.name,
        kind="churn",
        alias=store.alias,
        loaded_version=model.version if model else None,
        loaded_at=model.loaded_at if model else None,
        scorer=model.scorer.kind if model else None,
        scorer_reason=model.scorer.reason if model else None,
        features=model.feature_names if model else [],
        metrics=model.metrics if model else {},
        registry_aliases=aliases,
        source=model.uri if model else None,
        refused=ModelRefusal(
            version=refused.version,
            reason=refused.reason,
            detail=refused.detail,
            refused_at=refused.refused_at,
        )
        if refused
        else None,
        error=store.last_error or registry_error,
    )


def _recommendation_status(services: Services) -> ModelStatus:
    snapshot = services.recommendations.snapshot
    recs = snapshot.recommendations
    aliases, _ = _aliases(services, RECOMMENDER_MODEL)
    problems = "; ".join(f"{t}: {why}" for t, why in snapshot.problems.items())
    return ModelStatus(
        name=RECOMMENDER_MODEL,
        kind="recommendations",
        loaded_version=",".join(recs.label_names) if recs else None,
        loaded_at=snapshot.loaded_at,
        registry_aliases=aliases,
        source=RECOMMENDATIONS_TABLE,
        rows=recs.n_rows if recs else None,
        error=services.recommendations.last_error or problems or None,
    )


@router.get(
    "/models",
    response_model=ModelsResponse,
    summary="Loaded models, registry aliases and metrics",
    responses=error_responses(401, 422),
)
def list_models(services: ServicesDep, _query: NoQueryParams) -> ModelsResponse:
    """The churn model in memory (version, alias, evaluation metrics, features) and the
    recommendation snapshot (model version, rows), with every registry alias."""
    return ModelsResponse(
        models=[_churn_status(services), _recommendation_status(services)]
    )
