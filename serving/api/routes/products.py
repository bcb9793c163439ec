"""Similar products from the precomputed item-item neighbours."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from serving.api.deps import API_V1, V1_DEPENDENCIES, ProductId, TopKParams
from serving.schemas.common import error_responses
from serving.schemas.recommendations import (
    SimilarProductsResponse,
    similar_products_response_json,
)
from serving.services.errors import NotFound
from serving.services.recommendations import SIMILAR_TABLE

router = APIRouter(
    prefix=f"{API_V1}/products", tags=["products"], dependencies=V1_DEPENDENCIES
)


@router.get(
    "/{product_id}/similar",
    response_model=SimilarProductsResponse,
    summary="Products most similar to a product",
    responses=error_responses(401, 404, 422, 503),
)
async def get_similar_products(
    product_id: ProductId, query: TopKParams, request: Request
) -> Response:
    """Top-k neighbours from `ml.similar_products`. A catalogue product without neighbours
    returns an empty list; a product id in neither table is a 404."""
    # the snapshot from `request`, not a dependency: one resolver pass less per call
    snapshot = request.app.state.services.recommendations.snapshot
    similar = snapshot.require("similar")
    products = snapshot.products
    k = query.k
    hit = similar.get(product_id, k)
    if hit is None:
        if product_id not in products:
            raise NotFound(
                f"product {product_id} not found in {SIMILAR_TABLE} or the catalogue"
            )
        items, scores = [], []
    else:
        items, scores, _ = hit
    content = similar_products_response_json(product_id, k, items, scores, products)
    return Response(content, media_type="application/json")
