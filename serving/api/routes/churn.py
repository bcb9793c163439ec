"""`POST /v1/churn/predict`: score 1..N feature rows with the loaded churn model.

The request schema comes from the served model's signature, so this router is built per
model schema (`churn_router`) and rebuilt by `serving.main` when a new version changes it.
"""

from collections.abc import Sequence

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from serving.api.deps import API_V1, V1_DEPENDENCIES, ServicesDep
from serving.schemas.churn import (
    ChurnPrediction,
    ChurnPredictResponse,
    churn_request_model,
    churn_row_model,
)
from serving.schemas.common import error_responses
from serving.services.churn_model import FeatureField
from serving.services.errors import ServiceUnavailable

PREDICT_PATH = f"{API_V1}/churn/predict"
#: Batches at least this large are scored in a worker thread, off the event loop.
THREAD_ROWS = 32


def churn_router(fields: Sequence[FeatureField], max_rows: int) -> APIRouter:
    """A router whose predict route validates rows against `fields`."""
    row_model = churn_row_model(fields)
    request_model = churn_request_model(row_model, max_rows)
    schema_key = tuple((f.name, f.kind) for f in fields)
    router = APIRouter(tags=["churn"], dependencies=V1_DEPENDENCIES)

    @router.post(
        PREDICT_PATH,
        response_model=ChurnPredictResponse,
        summary="Churn probability for feature rows",
        description=(
            f"Score 1 to {max_rows} rows of churn features (one field per model input, as in "
            "the served model's signature; null means missing). Returns the churn "
            "probability, its risk band and the model version for every row, in request "
            "order. The row schema follows the loaded model version."
        ),
        responses=error_responses(400, 401, 413, 422, 503),
    )
    async def predict_churn(body: request_model, services: ServicesDep) -> Response:  # type: ignore[valid-type]
        model = services.require_churn_model()
        if model.schema_key != schema_key:
            raise ServiceUnavailable(
                f"the model changed to version {model.version} while this request was "
                "validated against the previous schema; retry"
            )
        rows: list[BaseModel] = body.rows  # type: ignore[attr-defined]
        names = model.feature_names
        values = [[getattr(row, n) for n in names] for row in rows]
        if len(values) >= THREAD_ROWS:
            probability, band = await run_in_threadpool(model.score, values)
        else:
            probability, band = model.score(values)
        services.metrics.predicted_rows.inc(len(values))
        result = ChurnPredictResponse(
            model_name=model.name,
            model_version=model.version,
            predictions=[
                ChurnPrediction(
                    row=i,
                    customer_id=getattr(row, "customer_id", None),
                    churn_probability=float(p),
                    risk_band=b,
                    model_version=model.version,
                )
                for i, (row, p, b) in enumerate(
                    zip(rows, probability.tolist(), band.tolist(), strict=True)
                )
            ],
        )
        return Response(result.model_dump_json(), media_type="application/json")

    return router
