"""Fixtures for the API tests: the shared platform world (its job trained and registered the
champion, scored every customer and wrote the recommendation tables), and apps, clients and
live servers built on it. Nothing is mocked and no table is written by hand."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

MODEL_NAME = "ecom-churn"


@dataclass(frozen=True)
class ServingWorld:
    """Everything the API reads, as the platform's job built it."""

    url: str
    template: str
    tracking_uri: str
    model_name: str
    champion_version: str
    recommender_version: str
    plan: Any  # ml.churn.marts.CutoffPlan
    known_customer: int  # has features, a batch score and personalised recommendations
    known_product: int  # has similar products


def _pick_ids(url: str) -> dict[str, int]:
    from warehouse.connection import connect

    with connect(url) as conn:
        known = conn.execute(
            "select r.customer_id from ml.recommendations r "
            "join ml.churn_scores s using (customer_id) where not r.is_cold_start "
            "order by 1 limit 1"
        ).fetchone()[0]
        product = conn.execute(
            "select product_id from ml.similar_products order by 1 limit 1"
        ).fetchone()[0]
    return {"known_customer": known, "known_product": product}


@pytest.fixture(scope="session")
def serving_world(platform_world, world_plan) -> ServingWorld:
    """The world's registered champions and tables (read-only; clone it to change them)."""
    from mlflow import MlflowClient

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    uri = platform_world.tracking_uri
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    champion = client.get_model_version_by_alias(MODEL_NAME, "champion").version
    recommender = client.get_model_version_by_alias(
        "ecom-recommender", "champion"
    ).version
    return ServingWorld(
        url=platform_world.url,
        template=platform_world.template,
        tracking_uri=uri,
        model_name=MODEL_NAME,
        champion_version=str(champion),
        recommender_version=str(recommender),
        plan=world_plan,
        **_pick_ids(platform_world.url),
    )


@pytest.fixture(scope="session")
def make_settings(serving_world: ServingWorld) -> Callable[..., Any]:
    """ServingSettings on the test world; keyword arguments override fields."""
    from serving.core.config import ServingSettings

    def make(**overrides: Any) -> ServingSettings:
        values: dict[str, Any] = {
            "database_url": serving_world.url,
            "tracking_uri": serving_world.tracking_uri,
            "churn_model_name": serving_world.model_name,
            "key": None,
            "model_poll_seconds": 0,
            "recommendations_refresh_seconds": 0,
            "cors_origins": [],
        }
        values.update(overrides)
        return ServingSettings(**values)

    return make


@pytest.fixture(scope="module")
def client(make_settings) -> Iterator[Any]:
    """A TestClient (lifespan started) on an app without an API key; shared per module."""
    from fastapi.testclient import TestClient

    from serving.main import create_app

    with TestClient(create_app(make_settings())) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def feature_row(serving_world: ServingWorld) -> dict[str, Any]:
    """The known customer's latest features as a predict row (model inputs only)."""
    import mlflow

    from serving.services.warehouse import Warehouse, customer_features

    mlflow.set_tracking_uri(serving_world.tracking_uri)
    mlflow.set_registry_uri(serving_world.tracking_uri)
    info = mlflow.models.get_model_info(
        f"models:/{serving_world.model_name}/{serving_world.champion_version}"
    )
    names = [spec.name for spec in info.signature.inputs.inputs]
    warehouse = Warehouse(None)
    warehouse.open(serving_world.url, max_size=1)
    try:
        features = customer_features(warehouse, serving_world.known_customer)
    finally:
        warehouse.close()
    assert features is not None
    row: dict[str, Any] = {}
    for name in names:
        value = features[name]
        if isinstance(value, (bool, int)):
            value = float(value)
        row[name] = value
    return row


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving an app in a background thread on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start within 60 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def live_server_factory(make_settings) -> Iterator[Callable[..., LiveServer]]:
    """Start apps under uvicorn; every server started is stopped after the test."""
    from serving.main import create_app

    started: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        server = LiveServer(create_app(make_settings(**overrides))).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


def log_and_register(
    pipeline: Any, frame: Any, spec: Any, name: str, tracking_uri: str
) -> str:
    """Log a fitted churn pipeline the way ml.churn.train does and register it under `name`."""
    import mlflow
    from mlflow.models import infer_signature

    from ml.churn.features import model_inputs
    from ml.churn.train import PIP_REQUIREMENTS
    from ml.registry import register_model
    from ml.tracking import configure_tracking, ensure_experiment

    config = configure_tracking(tracking_uri)
    ensure_experiment("serving-tests", config)
    example = model_inputs(frame.head(5), spec)
    with mlflow.start_run(run_name="serving-test-model"):
        mlflow.log_metric("eval_roc_auc", 0.5)
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            signature=infer_signature(example, pipeline.predict_proba(example)),
            input_example=example,
            serialization_format="cloudpickle",
            pip_requirements=list(PIP_REQUIREMENTS),
        )
    return register_model(info.model_uri, name)


@pytest.fixture(scope="session")
def register_pipeline() -> Callable[..., str]:
    """`log_and_register(pipeline, frame, spec, name, tracking_uri) -> version`."""
    return log_and_register


SCHEMATHESIS_KEY = "schemathesis-key"


@pytest.fixture(scope="module")
def keyed_live_server(make_settings) -> Iterator[LiveServer]:
    """uvicorn on 127.0.0.1 serving an app with an API key (see SCHEMATHESIS_KEY)."""
    from serving.main import create_app

    with LiveServer(
        create_app(make_settings(key=SCHEMATHESIS_KEY, access_log=False))
    ) as server:
        yield server


class AccessLog:
    """The JSON lines the `serving.access` logger writes while `capture()` is open."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[dict[str, Any]]]:
        import io
        import json
        import logging

        from serving.core.logging import JsonFormatter

        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        logger = logging.getLogger("serving.access")
        logger.addHandler(handler)
        self.lines = []
        try:
            yield self.lines
        finally:
            logger.removeHandler(handler)
            self.lines.extend(
                json.loads(line) for line in stream.getvalue().splitlines()
            )


@pytest.fixture
def access_log() -> AccessLog:
    """`with access_log.capture() as lines:` collects the access log lines (parsed JSON)."""
    return AccessLog()
