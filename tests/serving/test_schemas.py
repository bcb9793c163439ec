"""The hand-written prediction response is exactly the documented `ChurnPredictResponse`."""

from __future__ import annotations

import orjson

from serving.schemas.churn import (
    ChurnPrediction,
    ChurnPredictResponse,
    predict_response_json,
)


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
