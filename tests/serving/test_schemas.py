"""The hand-written responses are exactly the documented response models."""

from __future__ import annotations

import orjson

from serving.schemas.churn import (
    ChurnPrediction,
    ChurnPredictResponse,
    predict_response_json,
)
from serving.schemas.recommendations import (
    RecommendationsResponse,
    RecommendedProduct,
    SimilarProductsResponse,
    recommendations_response_json,
    similar_products_response_json,
)

PRODUCTS = {311: ("Trail Running Shoe", "Footwear"), 12: (None, "Bags")}
ITEMS = [311, 12, 99]  # 99: not in the catalogue, so no names
SCORES = [0.83, 0.5000000000000001, -1.25e-7]


def _items() -> list[RecommendedProduct]:
    return [
        RecommendedProduct(
            rank=rank,
            product_id=item,
            score=score,
            product_name=PRODUCTS.get(item, (None, None))[0],
            category_name=PRODUCTS.get(item, (None, None))[1],
        )
        for rank, (item, score) in enumerate(zip(ITEMS, SCORES, strict=True), start=1)
    ]


def test_predict_response_json_is_the_response_model():
    ids = [None, 1042, 2**53 - 1]
    probabilities = [0.0, 0.123456789012345, 1.0]
    bands = ["low", "medium", "high"]
    content = predict_response_json("ecom-churn", "7", ids, probabilities, bands)
    expected = ChurnPredictResponse(
        model_name="ecom-churn",
        model_version="7",
        predictions=[
            ChurnPrediction(
                row=i,
                customer_id=c,
                churn_probability=p,
                risk_band=b,
                model_version="7",
            )
            for i, (c, p, b) in enumerate(zip(ids, probabilities, bands, strict=True))
        ],
    )
    assert ChurnPredictResponse.model_validate_json(content) == expected
    assert orjson.loads(content) == orjson.loads(expected.model_dump_json())


def test_recommendations_response_json_is_the_response_model():
    for source, reason, version in (
        ("model", None, "als-3"),
        ("popularity", "no personalised recommendations", None),
    ):
        content = recommendations_response_json(
            1042, 10, source, reason, version, ITEMS, SCORES, PRODUCTS
        )
        expected = RecommendationsResponse(
            customer_id=1042,
            k=10,
            source=source,
            is_fallback=source == "popularity",
            fallback_reason=reason,
            model_version=version,
            items=_items(),
        )
        assert RecommendationsResponse.model_validate_json(content) == expected
        assert orjson.loads(content) == orjson.loads(expected.model_dump_json())


def test_similar_products_response_json_is_the_response_model():
    for product_id, items, scores in ((311, ITEMS, SCORES), (77, [], [])):
        content = similar_products_response_json(product_id, 5, items, scores, PRODUCTS)
        expected = SimilarProductsResponse(
            product_id=product_id,
            k=5,
            product_name=PRODUCTS.get(product_id, (None, None))[0],
            items=_items() if items else [],
        )
        assert SimilarProductsResponse.model_validate_json(content) == expected
        assert orjson.loads(content) == orjson.loads(expected.model_dump_json())
