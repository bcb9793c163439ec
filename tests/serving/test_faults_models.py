"""The champion alias moved to a version that cannot serve, under a live server: one whose
artifact is corrupt (`unloadable`) and one whose signature disagrees with its pipeline
(`incompatible`). The service keeps serving the previous version, `GET /v1/models` names the
refused version and why, `ecom_api_model_reload_refusals_total{reason}` counts each refusal
once (the poller does not load the same refused version again), and moving the alias back
clears the refusal."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

KEY = "faults-models-key"
NAME = "ecom-churn-faults-test"
HEADERS = {"X-API-Key": KEY}


def _log_version(pipeline, example, signature, tracking_uri: str) -> tuple[str, Path]:
    """Log `pipeline` as a model, register it under NAME: (version, local artifact dir)."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.utils.file_utils import local_file_uri_to_path

    from ml.churn.train import PIP_REQUIREMENTS
    from ml.registry import register_model
    from ml.tracking import configure_tracking, ensure_experiment

    config = configure_tracking(tracking_uri)
    ensure_experiment("serving-fault-tests", config)
    with mlflow.start_run(run_name="serving-fault-model"):
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            signature=signature,
            input_example=example,
            serialization_format="cloudpickle",
            pip_requirements=list(PIP_REQUIREMENTS),
        )
    location = MlflowClient().get_logged_model(info.model_id).artifact_location
    return register_model(info.model_uri, NAME), Path(local_file_uri_to_path(location))


@pytest.fixture(scope="module")
def fault_versions(serving_world):
    """NAME v1 = the champion; a copy whose pickle is then corrupted; a copy whose signature
    names inputs its pipeline does not read."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import Model, infer_signature

    from ml.registry import register_model
    from ml.tracking import configure_tracking

    configure_tracking(serving_world.tracking_uri)
    client = MlflowClient()
    champion = client.get_model_version(
        serving_world.model_name, serving_world.champion_version
    )
    good = register_model(champion.source, NAME)
    uri = f"models:/{serving_world.model_name}/{serving_world.champion_version}"
    pipeline = mlflow.sklearn.load_model(uri)
    example = Model.load(uri).load_input_example()
    signature = Model.load(uri).signature

    broken, artifacts = _log_version(
        pipeline, example, signature, serving_world.tracking_uri
    )
    pickles = list(artifacts.rglob("model.pkl"))
    assert pickles, f"no model.pkl under {artifacts}"
    for path in pickles:
        path.write_bytes(b"not a pickle")

    renamed = example.rename(columns={example.columns[0]: "a_feature_nobody_has"})
    incompatible, _ = _log_version(
        pipeline,
        example,
        infer_signature(renamed, pipeline.predict_proba(example)),
        serving_world.tracking_uri,
    )
    client.set_registered_model_alias(NAME, "champion", good)
    yield client, good, broken, incompatible
    client.set_registered_model_alias(NAME, "champion", good)


def _churn_status(client: httpx.Client) -> dict:
    models = client.get("/v1/models", headers=HEADERS).json()["models"]
    return next(m for m in models if m["kind"] == "churn")


def _wait_for_refusal(client: httpx.Client, version: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        status = _churn_status(client)
        if (status["refused"] or {}).get("version") == version:
            return status
        assert time.monotonic() < deadline, f"version {version} not refused: {status}"
        time.sleep(0.2)


def _refusals(client: httpx.Client, reason: str) -> float:
    sample = (
        f'ecom_api_model_reload_refusals_total{{model="{NAME}",reason="{reason}"}} '
    )
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(sample):
            return float(line.removeprefix(sample))
    raise AssertionError(f"no sample {sample!r} in /metrics")


def _served_version(client: httpx.Client, row: dict) -> str:
    response = client.post("/v1/churn/predict", json={"rows": [row]}, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()["model_version"]


def test_a_broken_or_incompatible_champion_is_refused_and_the_previous_one_serves(
    live_server_factory, fault_versions, feature_row
):
    registry, good, broken, incompatible = fault_versions
    server = live_server_factory(
        churn_model_name=NAME, key=KEY, model_poll_seconds=0.2, access_log=False
    )
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert _served_version(client, feature_row) == good
        assert _churn_status(client)["refused"] is None
        assert _refusals(client, "unloadable") == 0
        assert _refusals(client, "incompatible") == 0

        # a corrupt artifact
        registry.set_registered_model_alias(NAME, "champion", broken)
        status = _wait_for_refusal(client, broken)
        assert status["loaded_version"] == good
        assert status["refused"]["reason"] == "unloadable"
        assert status["refused"]["detail"]
        assert status["error"].startswith(f"version {broken} refused (unloadable): ")
        assert _served_version(client, feature_row) == good
        assert client.get("/ready").status_code == 200
        time.sleep(1.0)  # several polls: the refused version is not loaded again
        assert _refusals(client, "unloadable") == 1
        reload = client.post("/v1/admin/reload", headers=HEADERS)
        assert reload.status_code == 503
        assert f"version {broken} refused" in reload.json()["detail"]
        assert f"still serving version {good}" in reload.json()["detail"]
        assert _refusals(client, "unloadable") == 1
        forced = client.post(
            "/v1/admin/reload", params={"force": "true"}, headers=HEADERS
        )
        assert (
            forced.status_code == 503
        )  # a forced reload tries it again: refused again
        assert _refusals(client, "unloadable") == 2

        # a signature that does not match the pipeline's inputs
        registry.set_registered_model_alias(NAME, "champion", incompatible)
        status = _wait_for_refusal(client, incompatible)
        assert status["loaded_version"] == good
        assert status["refused"]["reason"] == "incompatible"
        assert "a_feature_nobody_has" in status["refused"]["detail"]
        assert _served_version(client, feature_row) == good
        assert _refusals(client, "incompatible") == 1

        # the alias back on the served version clears the refusal
        registry.set_registered_model_alias(NAME, "champion", good)
        deadline = time.monotonic() + 30
        while (status := _churn_status(client))["refused"] is not None:
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["error"] is None
        assert status["loaded_version"] == good
        assert _served_version(client, feature_row) == good
