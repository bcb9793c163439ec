"""Per-customer routes: churn risk from warehouse features, recommendations from the snapshot."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from serving.api.deps import (
    API_V1,
    V1_DEPENDENCIES,
    ChurnModelDep,
    CustomerId,
    SnapshotDep,
    TopK,
    WarehouseDep,
)
from serving.schemas.churn import BatchScore, CustomerChurnResponse
from serving.schemas.common import error_responses
from serving.schemas.recommendations import RecommendationsResponse, RecommendedProduct
from serving.services.errors import NotFound
from serving.services.warehouse import (
    FEATURES_TABLE,
    batch_churn_score,
    customer_features,
)

router = APIRouter(
    prefix=f"{API_V1}/customers", tags=["customers"], dependencies=V1_DEPENDENCIES
)
FALLBACK_REASON = "no personalised recommendations for this customer (new or unknown)"


@router.get(
    "/{customer_id}/churn",
    response_model=CustomerChurnResponse,
    summary="Churn risk of a customer from their latest warehouse features",
    responses=error_responses(401, 404, 422, 503),
)
def get_customer_churn(
    customer_id: CustomerId, model: ChurnModelDep, warehouse: WarehouseDep
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
    customer_id: CustomerId, snapshot: SnapshotDep, k: TopK = 10
) -> Response:
    """The customer's precomputed recommendations (`ml.recommendations`). A customer without
    any (new or unknown) gets the most-bought products, with `is_fallback: true`."""
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
    products = snapshot.products
    body = RecommendationsResponse(
        customer_id=customer_id,
        k=k,
        source=source,
        is_fallback=source == "popularity",
        fallback_reason=reason,
        model_version=version,
        items=[
            RecommendedProduct(
                rank=rank,
                product_id=item,
                score=score,
                product_name=products.get(item, (None, None))[0],
                category_name=products.get(item, (None, None))[1],
            )
            for rank, (item, score) in enumerate(
                zip(items, scores, strict=True), start=1
            )
        ],
    )
    return Response(body.model_dump_json(), media_type="application/json")
