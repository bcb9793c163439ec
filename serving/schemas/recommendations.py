"""Recommendation and similar-product bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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
