"""Fixtures for the API tests: a real warehouse (generated, loaded, dbt-built), a real churn
model trained and registered in a throwaway MLflow store, real recommendation tables, and
apps/clients/live servers built on them. Nothing is mocked."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_ML_CONFTEST = Path(__file__).resolve().parents[1] / "ml" / "conftest.py"


def _ml_fixtures():
    """tests/ml/conftest.py as a module: its session warehouse fixture is reused, not copied."""
    spec = importlib.util.spec_from_file_location("_serving_ml_conftest", _ML_CONFTEST)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


churn_warehouse = _ml_fixtures().churn_warehouse

MODEL_NAME = "ecom-churn"
RECOMMENDER_VERSION = "fixture-als-1"


@dataclass(frozen=True)
class ServingWorld:
    """Everything the API reads, built for real at small scale."""

    url: str
    tracking_uri: str
    model_name: str
    champion_version: str
    labelled_cutoffs: tuple[dt.date, ...]
    known_customer: int  # has features, a batch score and personalised recommendations
    cold_customer: int  # has features but no personalised recommendations
    known_product: int  # has similar products
    lonely_product: int  # in the catalogue, without similar products


def _build_extra_marts(url: str) -> None:
    """The marts the churn fixture does not build: interactions and the product dimension."""
    from orchestration.dbt_runner import run_dbt

    code = run_dbt(
        ["run", "--select", "+ml_interactions", "+dim_products", "--threads", "2"], url
    )
    assert code == 0, f"dbt run of ml_interactions/dim_products failed (exit {code})"


def _write_recommendation_tables(url: str) -> None:
    """Fit the project's recommender on the interaction mart and write the two ml tables."""
    import pandas as pd

    import ml.recommender as rec
    from contracts.ml_outputs import RECOMMENDATIONS, SIMILAR_PRODUCTS
    from warehouse.connection import connect
    from warehouse.tables import replace_table

    with connect(url) as conn:
        rows = conn.execute(
            "select customer_id, product_id, interaction_weight "
            "from ml_features.ml_interactions"
        ).fetchall()
    interactions = pd.DataFrame(rows, columns=["user_id", "item_id", "weight"])
    model = rec.fit(interactions, "als", factors=16, iterations=5)
    # hold out every 10th customer: they get the cold-start fallback
    users = [u for i, u in enumerate(sorted(model.user_ids)) if i % 10]
    recs = model.recommend_batch(users, k=10).rename(
        columns={"user_id": "customer_id", "item_id": "product_id"}
    )
    stamp = dt.datetime.now(dt.UTC)
    recs = recs.assign(
        is_cold_start=False,
        model_name="ecom-recommender",
        model_version=RECOMMENDER_VERSION,
        generated_at=stamp,
    )
    replace_table(url, RECOMMENDATIONS, recs)
    items = sorted(model.item_ids)[:-5]  # the last 5 products get no neighbours
    similar = [
        (item, rank, other, score)
        for item in items
        for rank, (other, score) in enumerate(model.similar_items(item, k=10), start=1)
    ]
    similar_frame = pd.DataFrame(
        similar, columns=["product_id", "rank", "similar_product_id", "score"]
    ).assign(model_version=RECOMMENDER_VERSION, generated_at=stamp)
    replace_table(url, SIMILAR_PRODUCTS, similar_frame)


def _pick_ids(url: str) -> dict[str, int]:
    from warehouse.connection import connect

    with connect(url) as conn:
        known = conn.execute(
            "select r.customer_id from ml.recommendations r "
            "join ml.churn_scores s using (customer_id) order by 1 limit 1"
        ).fetchone()[0]
        cold = conn.execute(
            "select f.customer_id from ml_features.ml_customer_features f "
            "where not exists (select 1 from ml.recommendations r "
            "where r.customer_id = f.customer_id) order by 1 limit 1"
        ).fetchone()[0]
        product = conn.execute(
            "select product_id from ml.similar_products order by 1 limit 1"
        ).fetchone()[0]
        lonely = conn.execute(
            "select p.product_id from marts.dim_products p where not exists "
            "(select 1 from ml.similar_products s where s.product_id = p.product_id) "
            "order by 1 limit 1"
        ).fetchone()[0]
    return {
        "known_customer": known,
        "cold_customer": cold,
        "known_product": product,
        "lonely_product": lonely,
    }


@pytest.fixture(scope="session")
def serving_world(churn_warehouse, tmp_path_factory) -> Iterator[ServingWorld]:
    """Warehouse + registered champion churn model + batch scores + recommendation tables."""
    import mlflow

    from ml.churn.batch import score_customers
    from ml.churn.train import train_and_register

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    root = tmp_path_factory.mktemp("serving-mlflow")
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    saved_uri = mlflow.get_tracking_uri()
    url = churn_warehouse.url
    _build_extra_marts(url)
    result = train_and_register(
        url,
        cutoffs=churn_warehouse.labelled_cutoffs,
        n_trials=2,
        build_marts=False,
        ground_truth=[churn_warehouse.batch_dir],
        tracking_uri=tracking_uri,
        require_quality_bar=False,
        shap_sample=100,
    )
    assert result.alias == "champion", result.gate_reason
    score_customers(url, tracking_uri=tracking_uri)
    _write_recommendation_tables(url)
    yield ServingWorld(
        url=url,
        tracking_uri=tracking_uri,
        model_name=MODEL_NAME,
        champion_version=result.version,
        labelled_cutoffs=tuple(churn_warehouse.labelled_cutoffs),
        **_pick_ids(url),
    )
    mlflow.set_tracking_uri(saved_uri)
    mlflow.set_registry_uri(saved_uri)


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
