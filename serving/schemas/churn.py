"""Churn request/response bodies. The feature row model is built from the served model's
signature, so `/docs` always shows the features the loaded version expects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, create_model

from serving.services.churn_model import FeatureField

#: Numbers beyond float32's range would turn into infinities inside XGBoost.
FLOAT_LIMIT = 3.4e38
MAX_STRING = 200
#: Ids up to 2**53 - 1: exact in JSON numbers (see serving.api.deps.MAX_ID).
CUSTOMER_ID = Annotated[int, Field(ge=1, le=2**53 - 1)]

RiskBand = Literal["low", "medium", "high"]


def _field_type(f: FeatureField) -> Any:
    if f.kind == "number":
        return (
            Annotated[
                float,
                Field(
                    strict=True, ge=-FLOAT_LIMIT, le=FLOAT_LIMIT, allow_inf_nan=False
                ),
            ]
            | None
        )
    return Annotated[str, Field(strict=True, max_length=MAX_STRING)] | None


def churn_row_model(fields: Sequence[FeatureField]) -> type[BaseModel]:
    """A Pydantic model with one required, nullable field per model feature.

    Numbers are floats (booleans as 0/1), categories strings; null means missing. Unknown
    fields are rejected, so a misspelt feature is a 422 naming it.
    """
    example: dict[str, Any] = {f.name: f.example for f in fields}
    definitions: dict[str, Any] = {}
    for f in fields:
        description = (
            "numeric feature (null = missing)"
            if f.kind == "number"
            else "categorical feature (null = missing; unseen values are allowed)"
        )
        definitions[f.name] = (
            _field_type(f),
            Field(..., description=description, examples=[f.example]),
        )
    if "customer_id" not in definitions:
        definitions["customer_id"] = (
            CUSTOMER_ID | None,
            Field(default=None, description="optional; echoed back in the prediction"),
        )
    return create_model(
        "ChurnFeatureRow",
        __config__=ConfigDict(
            extra="forbid", json_schema_extra={"examples": [example]}
        ),
        **definitions,
    )


def churn_request_model(row_model: type[BaseModel], max_rows: int) -> type[BaseModel]:
    """`{"rows": [row, ...]}` with 1..max_rows rows."""
    extra = row_model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    example_row = examples[0] if isinstance(examples, list) and examples else {}
    return create_model(
        "ChurnPredictRequest",
        __config__=ConfigDict(
            extra="forbid", json_schema_extra={"examples": [{"rows": [example_row]}]}
        ),
        rows=(
            list[row_model],  # type: ignore[valid-type]
            Field(
                min_length=1,
                max_length=max_rows,
                description=f"1 to {max_rows} feature rows",
            ),
        ),
    )


class ChurnPrediction(BaseModel):
    row: int = Field(
        ge=0, description="position of the row in the request", examples=[0]
    )
    customer_id: int | None = Field(default=None, examples=[1042])
    churn_probability: float = Field(ge=0, le=1, examples=[0.73])
    risk_band: RiskBand = Field(examples=["high"])
    model_version: str = Field(examples=["3"])


class ChurnPredictResponse(BaseModel):
    model_name: str = Field(examples=["ecom-churn"])
    model_version: str = Field(examples=["3"])
    predictions: list[ChurnPrediction]


def predict_response_json(
    model_name: str,
    model_version: str,
    customer_ids: Sequence[int | None],
    probabilities: Sequence[float],
    bands: Sequence[str],
) -> bytes:
    """A `ChurnPredictResponse` as JSON bytes, written directly.

    Building and dumping one `ChurnPrediction` model per row takes ~2 ms for 1,000 rows,
    orjson on plain dicts of the same shape ~0.3 ms. The inputs are already typed
    (probabilities in [0, 1] from the scorer, bands from `risk_band`); the tests check the
    output against `ChurnPredictResponse`.
    """
    return orjson.dumps(
        {
            "model_name": model_name,
            "model_version": model_version,
            "predictions": [
                {
                    "row": i,
                    "customer_id": customer_id,
                    "churn_probability": probability,
                    "risk_band": band,
                    "model_version": model_version,
                }
                for i, (customer_id, probability, band) in enumerate(
                    zip(customer_ids, probabilities, bands, strict=True)
                )
            ],
        }
    )


class BatchScore(BaseModel):
    """The customer's row in the nightly batch scores (`ml.churn_scores`)."""

    churn_probability: float = Field(ge=0, le=1)
    risk_band: str
    model_name: str
    model_version: str
    scored_at: dt.datetime
    cutoff_date: dt.date


class CustomerChurnResponse(BaseModel):
    customer_id: int = Field(examples=[1042])
    cutoff_date: dt.date = Field(
        description="feature snapshot date", examples=["2025-06-30"]
    )
    churn_probability: float = Field(ge=0, le=1, examples=[0.73])
    risk_band: RiskBand = Field(examples=["high"])
    model_name: str = Field(examples=["ecom-churn"])
    model_version: str = Field(examples=["3"])
    batch_score: BatchScore | None = Field(
        default=None, description="latest batch score, when the batch job has run"
    )
