"""`POST /v1/churn/predict`: score 1..N feature rows with the loaded churn model.

The request schema comes from the served model's signature, so this router is built per
model schema (`churn_router`) and rebuilt by `serving.main` when a new version changes it.
"""

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from serving.api.deps import API_V1, V1_DEPENDENCIES, NoQueryParams
from serving.schemas.churn import (
    ChurnPredictResponse,
    churn_request_model,
    churn_row_model,
    predict_response_json,
)
from serving.schemas.common import error_responses
from serving.services.churn_model import FeatureField, LoadedChurnModel
from serving.services.errors import ServiceUnavailable
from serving.state import Services

PREDICT_PATH = f"{API_V1}/churn/predict"
#: Batches at least this large are scored in a worker thread, off the event loop.
THREAD_ROWS = 32
MEDIA_TYPE = "application/json"


def _values_getter(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple]:
    """A function from a validated row's field dict to its values in `names` order."""
    if len(names) < 2:  # itemgetter returns a bare value for one key, and needs one
        return lambda fields: tuple(fields[name] for name in names)
    return itemgetter(*names)


class PredictEndpoint:
    """Scoring for one feature schema: the request model the route validates against and
    the work its handler does."""

    def __init__(self, fields: Sequence[FeatureField], max_rows: int) -> None:
        self.row_model = churn_row_model(fields)
        self.request_model = churn_request_model(self.row_model, max_rows)
        self.schema_key = tuple((f.name, f.kind) for f in fields)
        self._values_of = _values_getter([f.name for f in fields])

    def model_for(self, services: Services) -> LoadedChurnModel:
        """The loaded model if it still has this schema; else 503 (see `respond`)."""
        model = services.require_churn_model()
        if model.schema_key != self.schema_key:
            raise ServiceUnavailable(
                f"the model changed to version {model.version} while this request was "
                "validated against the previous schema; retry"
            )
        return model

    async def respond(
        self, services: Services, model: LoadedChurnModel, body: BaseModel
    ) -> bytes:
        """The JSON response body for a validated request."""
        rows: list[BaseModel] = body.rows  # type: ignore[attr-defined]
        # the rows were validated against this schema, so their fields are the model's
        # features in the same order (schema_key above)
        values = [self._values_of(row.__dict__) for row in rows]
        if len(values) >= THREAD_ROWS:
            probability, band = await run_in_threadpool(model.score, values)
        else:
            probability, band = model.score(values)
        services.metrics.predicted_rows.inc(len(values))
        return predict_response_json(
            model.name,
            model.version,
            [row.__dict__.get("customer_id") for row in rows],
            probability.tolist(),
            band.tolist(),
        )


def churn_router(endpoint: PredictEndpoint, max_rows: int) -> APIRouter:
    """A router whose predict route validates rows against `endpoint`'s schema."""
    request_model = endpoint.request_model
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
    async def predict_churn(
        body: request_model,  # type: ignore[valid-type]
        _query: NoQueryParams,
        request: Request,
    ) -> Response:
        # `request` rather than the ServicesDep dependency: one resolver pass less per call
        services: Services = request.app.state.services
        model = endpoint.model_for(services)
        content = await endpoint.respond(services, model, body)
        return Response(content, media_type=MEDIA_TYPE)

    return router
