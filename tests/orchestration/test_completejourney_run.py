"""The whole platform on a real retailer's data: The Complete Journey (a deterministic
subsample of households) through the platform's own job, `ecom run --source completejourney`.

Row counts and revenue in raw and in the marts reconcile exactly with totals computed straight
from the source Parquet files; every model trains and is judged against its baselines on a
time-based holdout; the API and every BI page serve it. Nothing after the adapter knows which
source fed the warehouse, and no ground truth exists: the evaluation assets are absent (logged
"no ground truth") and the run still succeeds, as it does for any shop.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from app.page_names import PAGE_NAMES

pytestmark = pytest.mark.slow

HOUSEHOLDS = 400
SEED = 0
APP_DIR = Path(__file__).resolve().parents[2] / "app"
PAGES = PAGE_NAMES


@pytest.fixture(scope="module")
def journey(platform_run, tmp_path_factory: pytest.TempPathFactory):
    """The full_refresh job with source=completejourney on a fresh warehouse."""
    root = tmp_path_factory.mktemp("completejourney")
    with platform_run(
        root,
        "cj",
        scale=0,
        seed=SEED,
        n_trials=2,
        source="completejourney",
        households=HOUSEHOLDS,
    ) as run:
        yield run.url, run.store, run.result, run.landing


def _one(url: str, statement: str) -> tuple:
    with psycopg.connect(url) as conn:
        row = conn.execute(statement).fetchone()
    assert row is not None
    return tuple(row)


def _churn_gate(result) -> dict:
    """The churn model's quality-bar verdict and the metrics it judged."""
    (check,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "quality_bar"
    ]
    return {
        "passed": check.passed,
        **{k: v.value for k, v in check.metadata.items()},
    }


def test_every_layer_runs_and_only_the_churn_gate_may_hold_back_scores(journey) -> None:
    """On a 400-household shop the XGBoost model and the recency/frequency baseline are within
    a hair of each other (on the full data the model wins, docs/real-data.md): the gate ships
    the model only when it is at least as good, and the run then fails at that gate and
    nowhere else."""
    _, _, result, _ = journey
    failed = {e.step_key for e in result.all_events if e.is_step_failure}
    gate = _churn_gate(result)
    assert gate["passed"] == (
        gate["roc_auc"] >= 0.6 and gate["roc_auc"] >= gate["baseline_roc_auc"]
    )
    assert failed == (set() if gate["passed"] else {"ml__churn_model"})
    assert result.success == gate["passed"]
    done = {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }
    assert {
        "landing/orders",
        "raw/order_items",
        "marts/fct_orders",
        "ml_features/ml_customer_features",
        "ml/churn_model",
        "ml/customer_clv",
        "ml/recommender_model",
        "ml/recommendations",
        "analytics/campaign_effects",
    } <= done
    assert ("ml/churn_scores" in done) == gate["passed"]
    # no planted truth: every evaluation asset is an observation saying so, and no check ran
    assert not [k for k in done if k.startswith("evaluation/")]
    observed = {
        e.asset_key.to_user_string(): e.event_specific_data.asset_observation.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    }
    evaluation = {k for k in observed if k.startswith("evaluation/")}
    # the churn model's evaluation follows the churn model (skipped when its gate held it)
    assert evaluation == {
        "evaluation/causal_effects_vs_planted",
        "evaluation/clv_vs_planted",
        "evaluation/recommender_vs_planted",
        *(["evaluation/churn_vs_oracle"] if gate["passed"] else []),
    }
    for key in evaluation:
        assert observed[key]["ground_truth"].value == "none"
        assert "no ground truth" in observed[key]["reason"].value
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert not [c for c in checks if c.asset_key.path[0] == "evaluation"]


def test_raw_and_marts_reconcile_exactly_with_the_source(journey) -> None:
    from sources.completejourney import source_totals

    url, _, _, _ = journey
    source = source_totals(HOUSEHOLDS, SEED)
    raw = _one(
        url,
        "select (select count(*) from raw.customers), (select count(*) from raw.orders),"
        " (select sum(order_total) from raw.orders), (select count(*) from raw.order_items),"
        " (select sum(line_total) from raw.order_items),"
        " (select sum(quantity) from raw.order_items)",
    )
    assert raw == (
        source["households"],
        source["baskets"],
        source["sales_value"],
        source["lines"],
        source["sales_value"],
        source["units"],
    )
    marts = _one(
        url,
        "select count(*), count(distinct customer_id), sum(order_total)"
        " from marts.fct_orders where is_purchase",
    )
    assert marts == (source["baskets"], source["households"], source["sales_value"])
    (lines,) = _one(url, "select sum(line_total) from marts.fct_order_items")
    assert Decimal(lines) == source["sales_value"]


def test_models_are_judged_against_their_baselines(journey) -> None:
    from mlflow import MlflowClient

    _, store, result, _ = journey
    client = MlflowClient(tracking_uri=store, registry_uri=store)
    (version,) = client.search_model_versions("name='ecom-churn'")
    churn = client.get_run(version.run_id).data
    assert churn.params["horizon_days"] == "42"  # the grocery horizon from the adapter
    # the holdout gate, not planted truth, decides: model and baseline both reported
    gate = _churn_gate(result)
    assert churn.metrics["eval_roc_auc"] == pytest.approx(gate["roc_auc"], abs=1e-4)
    assert churn.metrics["baseline_eval_roc_auc"] == pytest.approx(
        gate["baseline_roc_auc"], abs=1e-4
    )
    assert churn.tags["quality_bar"] == ("passed" if gate["passed"] else "failed")
    aliases = set(client.get_model_version("ecom-churn", version.version).aliases)
    assert aliases == ({"champion"} if gate["passed"] else {"challenger"})
    reco_champion = client.get_model_version_by_alias("ecom-recommender", "champion")
    for run_id in (version.run_id, reco_champion.run_id):
        metrics = client.get_run(run_id).data.metrics
        assert not [k for k in metrics if "oracle" in k or "planted" in k]
    meta = {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    clv = meta["ml/customer_clv"]
    assert clv["holdout_n_customers"].value > 0.9 * HOUSEHOLDS
    assert {"holdout_mae", "holdout_naive_mae", "holdout_beats_same_rate"} <= set(clv)
    recommender = meta["ml/recommender_model"]
    # grocery: judged on all items of the next purchases, against buy-again and popularity
    reco = client.get_run(recommender["mlflow_run_id"].value).data
    assert reco.params["protocol"] == "all_items"
    assert {"gate_buy_again_ndcg_at_10", "gate_popularity_ndcg_at_10"} <= set(
        reco.metrics
    )
    assert (
        reco.metrics["protocols_all_items_buy_again_ndcg_at_10"]
        > 3 * reco.metrics["protocols_all_items_popularity_ndcg_at_10"]
    )
    effects = meta["analytics/campaign_effects"]
    assert effects["dagster/row_count"].value >= 2
    # the rollout question has no data here (in-store grocery: no shipping), said so
    assert "rollout" in effects["not_identifiable"].value


def test_the_api_and_the_app_serve_the_real_shop(
    journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st
    from fastapi.testclient import TestClient
    from streamlit.testing.v1 import AppTest

    from serving.core.config import ServingSettings
    from serving.main import create_app
    from warehouse.settings import get_settings

    url, store, result, _ = journey
    (customer,) = _one(url, "select min(customer_id) from ml.recommendations")
    app = create_app(ServingSettings(database_url=url, tracking_uri=store))
    with TestClient(app) as client:
        recs = client.get(f"/v1/customers/{customer}/recommendations?k=5")
        assert recs.status_code == 200 and len(recs.json()["items"]) == 5
        churn = client.get(f"/v1/customers/{customer}/churn")
        if _churn_gate(result)["passed"]:
            assert churn.status_code == 200, churn.text
        else:  # no champion yet: said plainly, not a 500 or a made-up score
            assert churn.status_code == 503, churn.text
            assert "churn" in churn.json()["detail"].lower()
    monkeypatch.setenv("ECOM_DATABASE_URL", url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.setenv("ECOM_API_URL", "http://127.0.0.1:9")
    for name in PAGES:
        st.cache_data.clear()
        get_settings.cache_clear()
        at = AppTest.from_file(
            str(APP_DIR / "pages" / f"{name}.py"), default_timeout=90
        )
        at.run()
        assert not at.exception, (name, [e.value for e in at.exception])
    st.cache_data.clear()
    get_settings.cache_clear()
