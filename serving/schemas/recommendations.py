"""Recommendation and similar-product bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import orjson
from pydantic import BaseModel, Field

#: product id -> (product name, category name), as the recommendation snapshot holds them
ProductNames = Mapping[int, tuple[str | None, str | None]]
_NO_NAMES: tuple[None, None] = (None, None)


class RecommendedProduct(BaseModel):
    rank: int = Field(ge=1, examples=[1])
    product_id: int = Field(examples=[311])
    score: float = Field(examples=[0.83])
    product_name: str | None = Field(default=None, examples=["Trail Running Shoe"])
    category_name: str | None = Field(default=None, examples=["Footwear"])


class RecommendationsResponse(BaseModel):
    customer_id: int = Field(examples=[1042])
    k: int = Field(ge=1, examples=[10])
    source: Literal["model", "popularity"] = Field(
        description="'model': the customer's precomputed recommendations; 'popularity': the "
        "cold-start fallback (most-bought products)",
    )
    is_fallback: bool = Field(description="true when the cold-start fallback answered")
    fallback_reason: str | None = Field(
        default=None,
        examples=["no personalised recommendations for this customer (new or unknown)"],
    )
    model_version: str | None = Field(default=None, examples=["2"])
    items: list[RecommendedProduct]


class SimilarProductsResponse(BaseModel):
    product_id: int = Field(examples=[311])
    k: int = Field(ge=1, examples=[10])
    product_name: str | None = None
    items: list[RecommendedProduct]


def _ranked_items(
    items: Sequence[int], scores: Sequence[float], products: ProductNames
) -> list[dict]:
    """`RecommendedProduct` bodies as plain dicts (rank from 1)."""
    ranked = []
    for rank, (item, score) in enumerate(zip(items, scores, strict=True), start=1):
        name, category = products.get(item, _NO_NAMES)
        ranked.append(
            {
                "rank": rank,
                "product_id": item,
                "score": score,
                "product_name": name,
                "category_name": category,
            }
        )
    return ranked


def recommendations_response_json(
    customer_id: int,
    k: int,
    source: Literal["model", "popularity"],
    fallback_reason: str | None,
    model_version: str | None,
    items: Sequence[int],
    scores: Sequence[float],
    products: ProductNames,
) -> bytes:
    """A `RecommendationsResponse` as JSON bytes, written directly with orjson from the
    snapshot's plain ints, floats and strings (building eleven models per request cost more
    than finding the recommendations). Tests validate it against the model."""
    return orjson.dumps(
        {
            "customer_id": customer_id,
            "k": k,
            "source": source,
            "is_fallback": source == "popularity",
            "fallback_reason": fallback_reason,
            "model_version": model_version,
            "items": _ranked_items(items, scores, products),
        }
    )


def similar_products_response_json(
    product_id: int,
    k: int,
    items: Sequence[int],
    scores: Sequence[float],
    products: ProductNames,
) -> bytes:
    """A `SimilarProductsResponse` as JSON bytes (see `recommendations_response_json`)."""
    return orjson.dumps(
        {
            "product_id": product_id,
            "k": k,
            "product_name": products.get(product_id, _NO_NAMES)[0],
            "items": _ranked_items(items, scores, products),
        }
    )
