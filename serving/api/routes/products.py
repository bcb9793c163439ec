"""Similar products from the precomputed item-item neighbours."""

from __future__ import annotations

from fastapi import APIRouter, Response

from serving.api.deps import API_V1, V1_DEPENDENCIES, ProductId, SnapshotDep, TopK
from serving.schemas.common import error_responses
from serving.schemas.recommendations import RecommendedProduct, SimilarProductsResponse
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
    product_id: ProductId, snapshot: SnapshotDep, k: TopK = 10
) -> Response:
    """Top-k neighbours from `ml.similar_products`. A catalogue product without neighbours
    returns an empty list; a product id in neither table is a 404."""
    similar = snapshot.require("similar")
    products = snapshot.products
    hit = similar.get(product_id, k)
    if hit is None:
        if product_id not in products:
            raise NotFound(
                f"product {product_id} not found in {SIMILAR_TABLE} or the catalogue"
            )
        items, scores = [], []
    else:
        items, scores, _ = hit
    body = SimilarProductsResponse(
        product_id=product_id,
        k=k,
        product_name=products.get(product_id, (None, None))[0],
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
