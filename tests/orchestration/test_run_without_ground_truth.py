"""With every ground-truth file removed, the platform's job still trains, gates, registers and
scores; the API serves and every BI page renders; the evaluation assets are absent (logged
"no ground truth") and the run succeeds. Only the generator ships planted truth, so this is
what any other source gets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.page_names import PAGE_NAMES

pytestmark = pytest.mark.slow

SCALE = 0.01
SEED = 3
PAGES = PAGE_NAMES
APP_DIR = Path(__file__).resolve().parents[2] / "app"


@pytest.fixture(scope="module")
def truthless_world(platform_run, tmp_path_factory: pytest.TempPathFactory):
    """The full_refresh job on a generated batch whose ground truth was deleted first."""
    from orchestration.steps import initial_batch_dir
    from seeds_generator import generate

    def land_without_truth(root: Path) -> None:
        batch = initial_batch_dir(SCALE, SEED)
        generate(batch, scale=SCALE, seed=SEED, progress=False)
        (batch / "ground_truth.json").unlink()
        shutil.rmtree(batch / "ground_truth")
        assert not list(root.rglob("ground_truth*"))

    root = tmp_path_factory.mktemp("no-truth")
    with platform_run(
        root, "notruth", prepare=land_without_truth, scale=SCALE, seed=SEED, n_trials=1
    ) as run:
        yield run.url, run.store, run.result


def test_the_run_succeeds_and_evaluation_is_absent(truthless_world) -> None:
    _, _, result = truthless_world
    assert result.success
    done = {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }
    assert {
        "raw/orders",
        "marts/fct_orders",
        "ml/churn_model",
        "ml/churn_scores",
        "ml/customer_clv",
        "ml/recommender_model",
        "ml/recommendations",
        "analytics/campaign_effects",
    } <= done
    assert not [k for k in done if k.startswith("evaluation/")]
    observed = {
        e.asset_key.to_user_string(): e.event_specific_data.asset_observation.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    }
    evaluation = [k for k in observed if k.startswith("evaluation/")]
    assert len(evaluation) == 4, observed.keys()
    for key in evaluation:
        assert observed[key]["ground_truth"].value == "none"
        assert "no ground truth" in observed[key]["reason"].value
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert not [c for c in checks if c.asset_key.path[0] == "evaluation"]


def test_models_are_registered_by_the_holdout_gate(truthless_world) -> None:
    from mlflow import MlflowClient

    _, store, _ = truthless_world
    client = MlflowClient(tracking_uri=store, registry_uri=store)
    for name in ("ecom-churn", "ecom-recommender"):
        version = client.get_model_version_by_alias(name, "champion")
        run = client.get_run(version.run_id)
        assert not [k for k in run.data.metrics if "oracle" in k or "planted" in k]
    churn = client.get_run(
        client.get_model_version_by_alias("ecom-churn", "champion").run_id
    )
    assert churn.data.tags["quality_bar"] == "passed"
    assert (
        churn.data.metrics["eval_roc_auc"]
        >= churn.data.metrics["baseline_eval_roc_auc"]
    )


def test_the_api_serves_from_the_truthless_world(truthless_world) -> None:
    import psycopg
    from fastapi.testclient import TestClient

    from serving.core.config import ServingSettings
    from serving.main import create_app

    url, store, _ = truthless_world
    with psycopg.connect(url) as conn:
        customer = conn.execute(
            "select customer_id from ml.churn_scores order by customer_id limit 1"
        ).fetchone()[0]
    app = create_app(ServingSettings(database_url=url, tracking_uri=store))
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        churn = client.get(f"/v1/customers/{customer}/churn")
        assert churn.status_code == 200 and 0 <= churn.json()["churn_probability"] <= 1
        recs = client.get(f"/v1/customers/{customer}/recommendations?k=5")
        assert recs.status_code == 200 and len(recs.json()["items"]) == 5


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(
    truthless_world, name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from warehouse.settings import get_settings

    url, store, _ = truthless_world
    monkeypatch.setenv("ECOM_DATABASE_URL", url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.setenv("ECOM_API_URL", "http://127.0.0.1:9")  # warehouse fallback
    st.cache_data.clear()
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(
            str(APP_DIR / "pages" / f"{name}.py"), default_timeout=90
        )
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    finally:
        st.cache_data.clear()
        get_settings.cache_clear()
