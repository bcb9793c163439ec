"""Churn end to end on the shared world (the platform's own job built it): the configured
cutoff plan flows from the warehouse build into training, the run is tracked and registered,
the production gate is judged on the holdout and a baseline, scores cover every active
customer; point-in-time and PII invariance on a writable copy of the world."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import psycopg
import pytest
from mlflow import MlflowClient

from ml.churn.batch import score_customers
from ml.churn.evaluate import MIN_ROC_AUC
from ml.churn.features import PII_COLUMNS
from ml.churn.marts import load_scoring_frame, load_training_frames
from ml.churn.predict import MODEL_NAME, churn_probability, load_churn_model
from ml.churn.train import EXPERIMENT, train_and_register
from ml.registry import CHALLENGER, CHAMPION, alias_version

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def champion(world_tracking):
    """The world's registered churn champion: (version, its training run); the world's
    MLflow store is the current one for this module's tests."""
    from ml.tracking import configure_tracking

    configure_tracking(world_tracking)
    client = MlflowClient(tracking_uri=world_tracking, registry_uri=world_tracking)
    version = str(client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version)
    run_id = client.get_model_version(MODEL_NAME, version).run_id
    return version, client.get_run(run_id)


def test_the_configured_plan_flows_from_the_build_into_training(
    platform_world, world_plan, champion
):
    """The world's warehouse build was configured with a non-default plan; the marts hold
    exactly that plan, and the champion trained and evaluated on it."""
    import dagster as dg

    count = platform_world.warehouse_config["ml_train_cutoff_count"]
    assert len(world_plan.train) == count != 3  # 3 is the dbt default
    steps = [
        b - a
        for a, b in zip(world_plan.labelled[:-1], world_plan.labelled[1:], strict=True)
    ]
    assert steps == [dt.timedelta(days=world_plan.horizon_days)] * count
    with psycopg.connect(platform_world.url) as conn:
        data_end = conn.execute(
            "select max(ordered_date) from marts.fct_orders"
        ).fetchone()[0]
    assert world_plan.scoring == data_end
    assert world_plan.evaluation == data_end - dt.timedelta(
        days=world_plan.horizon_days
    )
    _, run = champion
    params = run.data.params
    assert params["train_cutoffs"] == ",".join(d.isoformat() for d in world_plan.train)
    assert params["eval_cutoff"] == world_plan.evaluation.isoformat()
    assert params["scoring_cutoff"] == world_plan.scoring.isoformat()
    assert int(params["horizon_days"]) == world_plan.horizon_days
    # in the job, the model was trained after the warehouse build that made its features
    with dg.DagsterInstance.from_config(str(platform_world.dagster_home)) as instance:
        features = instance.get_latest_materialization_event(
            dg.AssetKey(["ml_features", "ml_customer_features"])
        )
        model = instance.get_latest_materialization_event(
            dg.AssetKey(["ml", "churn_model"])
        )
    assert features.run_id == model.run_id == platform_world.run_id
    assert features.timestamp < model.timestamp
    assert model.asset_materialization.metadata["eval_cutoff"].value == (
        world_plan.evaluation.isoformat()
    )


def test_production_bar_is_the_holdout_against_the_baseline(champion):
    _, run = champion
    m = run.data.metrics
    assert run.data.tags["quality_bar"] == "passed"
    assert m["eval_roc_auc"] >= MIN_ROC_AUC
    assert m["eval_roc_auc"] >= m["baseline_eval_roc_auc"]
    assert m["roc_auc_lift_over_baseline"] == pytest.approx(
        m["eval_roc_auc"] - m["baseline_eval_roc_auc"]
    )
    assert int(run.data.params["n_eval"]) > 1000
    assert int(run.data.params["n_train"]) > int(run.data.params["n_eval"])
    # no planted-truth metric in production training: that is the evaluation layer's
    assert not [k for k in m if "oracle" in k]


def test_run_records_metrics_trials_artifacts_and_lineage(platform_world, champion):
    _, run = champion
    client = MlflowClient()
    for key in (
        "eval_roc_auc",
        "eval_pr_auc",
        "eval_accuracy",
        "eval_f1",
        "eval_brier",
        "eval_top_decile_lift",
        "quality_bar_passed",
        "baseline_eval_roc_auc",
    ):
        assert key in run.data.metrics, key
    tags = run.data.tags
    with psycopg.connect(platform_world.url) as conn:
        batch_id = conn.execute("select batch_id from raw._batches").fetchone()[0]
    assert tags["data.batch_ids"] == batch_id
    assert tags["git.commit"] and tags["dbt.manifest_sha256"]

    children = client.search_runs(
        [run.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{run.info.run_id}'",
    )
    names = sorted(r.info.run_name for r in children)
    assert names.count("baseline-logistic-regression") == 1
    assert len([n for n in names if n.startswith("trial-")]) == platform_world.n_trials

    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
    for name in (
        "roc_curve.png",
        "pr_curve.png",
        "calibration_curve.png",
        "feature_importance.png",
        "feature_importance.csv",
        "shap_summary.png",
    ):
        assert f"evaluation/{name}" in artifacts
    assert mlflow.get_experiment(run.info.experiment_id).name == EXPERIMENT


def test_registered_with_signature_and_first_version_is_champion(champion):
    version, _ = champion
    assert version == "1"
    info = mlflow.models.get_model_info(f"models:/{MODEL_NAME}/1")
    inputs = {c.name for c in info.signature.inputs.inputs}
    assert "days_since_last_order" in inputs and not inputs & PII_COLUMNS
    assert "customer_id" not in inputs
    assert info.saved_input_example_info is not None


def test_gate_keeps_the_champion_when_the_margin_is_not_met(
    platform_world, tmp_path: Path
):
    """Two trainings on the world's marts in a store of their own: the first becomes
    champion, the second (asked to win by 0.5 AUC) stays challenger."""
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    name = f"ecom-churn-test-{uuid.uuid4().hex[:6]}"
    try:
        first = train_and_register(
            platform_world.url,
            n_trials=1,
            model_name=name,
            tracking_uri=store,
            shap_sample=50,
        )
        again = train_and_register(
            platform_world.url,
            n_trials=1,
            margin=0.5,  # no model can win by 0.5 AUC
            model_name=name,
            tracking_uri=store,
            shap_sample=50,
        )
        assert (first.version, first.alias) == ("1", CHAMPION)
        assert again.version == "2" and again.alias == CHALLENGER
        assert alias_version(name, CHAMPION) == "1"
        assert alias_version(name, CHALLENGER) == "2"
        assert "does not beat the champion" in again.gate_reason
        stored = list(tmp_path.rglob("shap_summary.png"))
        assert stored, "artifacts must land under the store's artifact root"
    finally:
        mlflow.set_tracking_uri(platform_world.tracking_uri)
        mlflow.set_registry_uri(platform_world.tracking_uri)


def test_batch_scores_cover_every_active_customer(platform_world, world_plan, champion):
    version, _ = champion
    frame = load_scoring_frame(platform_world.url)
    with psycopg.connect(platform_world.url) as conn:
        rows = pd.DataFrame(
            conn.execute(
                "select customer_id, churn_probability, risk_band, model_name, model_version,"
                " cutoff_date from ml.churn_scores order by customer_id"
            ).fetchall(),
            columns=["customer_id", "p", "band", "name", "version", "cutoff"],
        )
        active = conn.execute(
            "select count(distinct customer_id) from marts.fct_orders"
            " where ordered_date <= %s",
            (world_plan.scoring,),
        ).fetchone()[0]
    assert len(rows) == len(frame) == active
    assert set(rows["cutoff"]) == {world_plan.scoring}
    assert set(rows["version"]) == {version} and set(rows["name"]) == {MODEL_NAME}
    assert rows["p"].between(0, 1).all()
    assert (rows.loc[rows["p"] >= 0.7, "band"] == "high").all()


def test_rescoring_replaces_the_scores(clone_platform_world, champion):
    version, _ = champion
    url = clone_platform_world()
    n = score_customers(url, f"models:/{MODEL_NAME}/{version}")
    assert score_customers(url, f"models:/{MODEL_NAME}@champion") == n
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from ml.churn_scores").fetchone()[0] == n


def test_direction_more_days_since_last_order_never_lowers_risk(
    platform_world, champion
):
    pipeline = load_churn_model(f"models:/{MODEL_NAME}@champion")
    frame = load_scoring_frame(platform_world.url)
    previous = churn_probability(pipeline, frame)
    for extra in (1, 7, 30, 90, 180, 365):
        later = frame.assign(
            days_since_last_order=frame["days_since_last_order"] + extra
        )
        current = churn_probability(pipeline, later)
        assert np.all(current >= previous - 1e-12), f"+{extra} days lowered some scores"
        previous = current
    assert previous.mean() > churn_probability(pipeline, frame).mean()


def test_feature_marts_hold_no_pii(platform_world, world_plan):
    train, evaluation = load_training_frames(platform_world.url, world_plan)
    assert not set(train.columns) & PII_COLUMNS
    assert sorted(train["cutoff_date"].unique()) == list(world_plan.train)
    assert set(evaluation["cutoff_date"]) == {world_plan.evaluation}


# ------- point-in-time correctness and PII invariance on a writable copy of the world -------

SHIFT = "interval '45 days'"


def _dbt_build_marts(url: str, cutoff: dt.date, work: Path) -> None:
    """Rebuild (full refresh) the churn marts on `url` for one cutoff."""
    from orchestration.dbt_runner import run_dbt

    code = run_dbt(
        [
            "run",
            "--select",
            "+ml_customer_features",
            "+ml_churn_labels",
            "+ml_cutoffs",
            "+dim_customers",
            "--full-refresh",
            "--vars",
            json.dumps({"ml_cutoff_dates": [cutoff.isoformat()]}),
            "--threads",
            "2",
            "--target-path",
            str(work / "target"),
        ],
        url,
    )
    assert code == 0


def _features(url: str, cutoff) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        cur = conn.execute(
            "select * from ml_features.ml_customer_features where cutoff_date = %s"
            " order by customer_id",
            (cutoff,),
        )
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def _labels(url: str, cutoff) -> pd.Series:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select customer_id, is_churned from ml_features.ml_churn_labels"
            " where cutoff_date = %s",
            (cutoff,),
        ).fetchall()
    return pd.Series(dict(rows)).sort_index()


def _email_hashes(url: str) -> pd.Series:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select customer_id, email_hash from marts.dim_customers"
        ).fetchall()
    return pd.Series(dict(rows)).sort_index()


def _rewrite_the_future_and_the_pii(url: str, cutoff) -> None:
    """Move every event after the cutoff 45 days later and change its values; replace every
    customer's personal data."""
    from contracts.raw_tables import TABLES

    cutoff_at = f"(date '{cutoff.isoformat()}' + 1)::timestamp at time zone 'UTC'"
    with psycopg.connect(url) as conn:
        for table in TABLES:
            stamps = [c.name for c in table.columns if c.type == "timestamp"]
            for col in stamps:  # any timestamp after the cutoff, e.g. resolved_at
                conn.execute(
                    f"update raw.{table.name} set {col} = {col} + {SHIFT}"
                    f" where {col} >= {cutoff_at}"
                )
        conn.execute(
            f"update raw.orders set order_total = order_total * 3, status = 'delivered'"
            f" where ordered_at >= {cutoff_at}"
        )
        conn.execute(
            f"update raw.reviews set rating = 1 where reviewed_at >= {cutoff_at}"
        )
        conn.execute(
            "update raw.support_tickets set satisfaction_score = 1"
            f" where resolved_at >= {cutoff_at}"
        )
        conn.execute(
            "update raw.customers set loyalty_tier = 'platinum'"
            f" where updated_at >= {cutoff_at}"
        )
        conn.execute(
            "update raw.customers set email = 'changed+' || customer_id || '@example.org',"
            " first_name = 'Changed', last_name = 'Person', phone = '+1-000-000-0000',"
            " street_address = '1 Nowhere Road'"
        )


@pytest.fixture(scope="module")
def rewritten(platform_world, world_plan, tmp_path_factory):
    """A copy of the world whose future (after the evaluation cutoff) and personal data are
    rewritten in raw, with the churn marts rebuilt from scratch for that cutoff."""
    from warehouse.databases import admin_url, create_database, drop_database

    admin = admin_url(platform_world.url)
    name, url = create_database(admin, "rewritten", template=platform_world.template)
    try:
        _rewrite_the_future_and_the_pii(url, world_plan.evaluation)
        _dbt_build_marts(url, world_plan.evaluation, tmp_path_factory.mktemp("dbt"))
        yield url
    finally:
        drop_database(admin, name)


def test_point_in_time_features_ignore_everything_after_the_cutoff(
    platform_world, world_plan, rewritten
):
    cutoff = world_plan.evaluation
    original = _features(platform_world.url, cutoff)
    assert len(original) > 1000
    pd.testing.assert_frame_equal(original, _features(rewritten, cutoff))
    # the rewrite did touch the outcome window: some labels moved
    before, after = _labels(platform_world.url, cutoff), _labels(rewritten, cutoff)
    assert (after != before.reindex(after.index)).sum() > 0


def test_invariance_changing_pii_does_not_change_scores(
    platform_world, world_plan, rewritten, champion
):
    # the personal data did change all the way to the marts (hashed there) ...
    before_hash, after_hash = (
        _email_hashes(platform_world.url),
        _email_hashes(rewritten),
    )
    assert (before_hash != after_hash.reindex(before_hash.index)).all()
    # ... and the champion's scores at the cutoff did not
    pipeline = load_churn_model(f"models:/{MODEL_NAME}@champion")
    cutoff = world_plan.evaluation
    before = churn_probability(pipeline, load_scoring_frame(platform_world.url, cutoff))
    after = churn_probability(pipeline, load_scoring_frame(rewritten, cutoff))
    assert len(before) > 1000
    np.testing.assert_array_equal(before, after)
