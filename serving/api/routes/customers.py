"""Per-customer routes: churn risk from warehouse features, recommendations from the snapshot."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from serving.api.deps import (
    API_V1,
    V1_DEPENDENCIES,
    ChurnModelDep,
    CustomerId,
    NoQueryParams,
    TopKParams,
    WarehouseDep,
)
from serving.schemas.churn import BatchScore, CustomerChurnResponse
from serving.schemas.common import error_responses
from serving.schemas.recommendations import (
    RecommendationsResponse,
    recommendations_response_json,
)
from serving.services.errors import NotFound
from serving.services.recommendations import RecommendationSnapshot
from serving.services.warehouse import (
    FEATURES_TABLE,
    batch_churn_score,
    customer_features,
)

router = APIRouter(
    prefix=f"{API_V1}/customers", tags=["customers"], dependencies=V1_DEPENDENCIES
)
RECOMMENDATIONS_PATH = f"{API_V1}/customers/{{customer_id}}/recommendations"
FALLBACK_REASON = "no personalised recommendations for this customer (new or unknown)"


@router.get(
    "/{customer_id}/churn",
    response_model=CustomerChurnResponse,
    summary="Churn risk of a customer from their latest warehouse features",
    responses=error_responses(401, 404, 422, 503),
)
def get_customer_churn(
    customer_id: CustomerId,
    model: ChurnModelDep,
    warehouse: WarehouseDep,
    _query: NoQueryParams,
) -> CustomerChurnResponse:
    """Scores the customer's latest row of `ml_features.ml_customer_features` with the loaded
    model; also returns the nightly batch score when `ml.churn_scores` has one."""
    features = customer_features(warehouse, customer_id)
    if features is None:
        raise NotFound(f"customer {customer_id} has no features in {FEATURES_TABLE}")
    probability, band = model.score([model.row_from_mapping(features)])
    batch = batch_churn_score(warehouse, customer_id)
    return CustomerChurnResponse(
        customer_id=customer_id,
        cutoff_date=features["cutoff_date"],
        churn_probability=float(probability[0]),
        risk_band=band[0],
        model_name=model.name,
        model_version=model.version,
        batch_score=BatchScore(**batch) if batch else None,
    )


@router.get(
    "/{customer_id}/recommendations",
    response_model=RecommendationsResponse,
    summary="Top-k product recommendations (popularity fallback for cold start)",
    responses=error_responses(401, 422, 503),
)
async def get_customer_recommendations(
    customer_id: CustomerId, query: TopKParams, request: Request
) -> Response:
    """The customer's precomputed recommendations (`ml.recommendations`). A customer without
    any (new or unknown) gets the most-bought products, with `is_fallback: true`."""
    # the snapshot from `request`, not a dependency: one resolver pass less per call
    snapshot = request.app.state.services.recommendations.snapshot
    content = recommendations_content(snapshot, customer_id, query.k)
    return Response(content, media_type="application/json")


def recommendations_content(
    snapshot: RecommendationSnapshot, customer_id: int, k: int
) -> bytes:
    """The recommendations response body; ServiceUnavailable when the snapshot has no
    recommendations loaded."""
    recommendations = snapshot.require("recommendations")
    hit = recommendations.get(customer_id, k)
    source: Literal["model", "popularity"]
    if hit is not None:
        items, scores, version = hit
        source, reason = "model", None
    else:
        popular_items, popular_scores = snapshot.require("popular")
        items, scores, version = popular_items[:k], popular_scores[:k], None
        source, reason = "popularity", FALLBACK_REASON
    return recommendations_response_json(
        customer_id, k, source, reason, version, items, scores, snapshot.products
    )
