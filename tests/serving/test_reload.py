"""Hot swap: POST /v1/admin/reload and the alias poller pick up a moved `champion` alias,
including a new version whose feature schema differs (the predict route follows it)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from serving.main import create_app

KEY = "reload-test-key"
NAME = "ecom-churn-reload-test"
DROPPED = "average_rating"


@pytest.fixture(scope="module")
def two_versions(serving_world, register_pipeline):
    """NAME v1 = the champion's logged model; v2 = a smaller model without one feature."""
    from mlflow import MlflowClient

    from ml.churn.features import infer_feature_spec
    from ml.churn.marts import load_training_frames
    from ml.churn.model import build_churn_pipeline, fit
    from ml.registry import register_model
    from ml.tracking import configure_tracking

    configure_tracking(serving_world.tracking_uri)
    client = MlflowClient()
    champion = client.get_model_version(
        serving_world.model_name, serving_world.champion_version
    )
    v1 = register_model(champion.source, NAME)
    client.set_registered_model_alias(NAME, "champion", v1)
    train, _ = load_training_frames(serving_world.url, serving_world.plan)
    spec = infer_feature_spec(train, exclude=[DROPPED])
    pipeline = fit(build_churn_pipeline(spec, {"n_estimators": 20}), train, spec)
    v2 = register_pipeline(pipeline, train, spec, NAME, serving_world.tracking_uri)
    yield client, v1, v2
    client.set_registered_model_alias(NAME, "champion", v1)


def _predict(client, row):
    return client.post(
        "/v1/churn/predict", json={"rows": [row]}, headers={"X-API-Key": KEY}
    )


def test_reload_follows_the_alias_and_the_schema(
    make_settings, two_versions, feature_row
):
    registry, v1, v2 = two_versions
    registry.set_registered_model_alias(NAME, "champion", v1)
    with TestClient(
        create_app(make_settings(churn_model_name=NAME, key=KEY))
    ) as client:
        headers = {"X-API-Key": KEY}
        assert _predict(client, feature_row).json()["model_version"] == v1
        unchanged = client.post("/v1/admin/reload", headers=headers)
        assert unchanged.status_code == 200
        assert unchanged.json()["changed"] is False
        assert unchanged.json()["version"] == v1

        registry.set_registered_model_alias(NAME, "champion", v2)
        moved = client.post("/v1/admin/reload", headers=headers)
        assert moved.status_code == 200, moved.text
        assert moved.json() | {"recommendations_reloaded": True} == {
            "churn_model": NAME,
            "previous_version": v1,
            "version": v2,
            "changed": True,
            "error": None,
            "recommendations_reloaded": True,
            "recommendations_error": None,
        }
        # the predict route now validates against v2's features
        schema = client.get("/openapi.json").json()
        row_schema = schema["components"]["schemas"]["ChurnFeatureRow"]
        assert DROPPED not in row_schema["properties"]
        old_row = _predict(client, feature_row)
        assert old_row.status_code == 422
        assert f"body.rows.0.{DROPPED}" in old_row.json()["detail"]
        new_row = {k: v for k, v in feature_row.items() if k != DROPPED}
        served = _predict(client, new_row)
        assert served.status_code == 200, served.text
        assert served.json()["model_version"] == v2
        models = client.get("/v1/models", headers=headers).json()["models"]
        assert models[0]["loaded_version"] == v2
        assert models[0]["registry_aliases"]["champion"] == v2
        metrics = client.get("/metrics").text
        assert (
            f'ecom_api_model_loaded{{alias="champion",model="{NAME}",version="{v2}"}} 1.0'
            in metrics
        )
        assert f'version="{v1}"' not in metrics.split("ecom_api_model_loaded")[-1]

        forced = client.post(
            "/v1/admin/reload", params={"force": "true"}, headers=headers
        )
        assert forced.json()["changed"] is True and forced.json()["version"] == v2


def test_poller_picks_up_an_alias_move(make_settings, two_versions, feature_row):
    registry, v1, v2 = two_versions
    registry.set_registered_model_alias(NAME, "champion", v1)
    settings = make_settings(churn_model_name=NAME, key=KEY, model_poll_seconds=0.3)
    with TestClient(create_app(settings)) as client:
        assert _predict(client, feature_row).json()["model_version"] == v1
        registry.set_registered_model_alias(NAME, "champion", v2)
        deadline = time.monotonic() + 30
        version = v1
        while version != v2 and time.monotonic() < deadline:
            time.sleep(0.2)
            models = client.get("/v1/models", headers={"X-API-Key": KEY}).json()[
                "models"
            ]
            version = models[0]["loaded_version"]
        assert version == v2, "the poller did not load the version the alias moved to"
        new_row = {k: v for k, v in feature_row.items() if k != DROPPED}
        assert _predict(client, new_row).json()["model_version"] == v2


def test_failed_reload_keeps_serving_and_says_so(
    make_settings, two_versions, feature_row
):
    registry, v1, _ = two_versions
    registry.set_registered_model_alias(NAME, "champion", v1)
    with TestClient(
        create_app(make_settings(churn_model_name=NAME, key=KEY))
    ) as client:
        registry.delete_registered_model_alias(NAME, "champion")
        try:
            failed = client.post("/v1/admin/reload", headers={"X-API-Key": KEY})
            assert failed.status_code == 503
            assert "reload failed" in failed.json()["detail"]
            assert f"still serving version {v1}" in failed.json()["detail"]
            assert _predict(client, feature_row).json()["model_version"] == v1
        finally:
            registry.set_registered_model_alias(NAME, "champion", v1)
