"""Churn model code on a toy labelled frame: features, metrics, the quality bar, tuning,
explanations, and the cutoff plan read from the marts."""

from __future__ import annotations

import datetime as dt

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from ml.churn.evaluate import (
    QualityBar,
    classification_metrics,
    save_evaluation_plots,
    top_decile_lift,
)
from ml.churn.explain import feature_importance, save_importance_plot, save_shap_summary
from ml.churn.features import PII_COLUMNS, infer_feature_spec, model_inputs
from ml.churn.marts import (
    CutoffPlan,
    FeatureMartError,
    cutoff_plan,
    plan_from_cutoffs,
)
from ml.churn.model import build_churn_pipeline, fit, labels
from ml.churn.predict import churn_probability, risk_band
from ml.churn.train import fit_models
from ml.churn.tune import tune_xgboost


@pytest.fixture(scope="module")
def fitted(synthetic_frames):
    train, _ = synthetic_frames
    return fit_models(train, n_trials=4, log_trials=False)


def test_feature_spec_excludes_ids_labels_dates_and_pii(synthetic_frames):
    train, _ = synthetic_frames
    frame = train.assign(
        email="a@example.com",
        first_name="Ann",
        last_name="Lee",
        phone="+1",
        street_address="x",
        last_order_date=pd.Timestamp("2024-01-01"),
        next_purchase_date=dt.date(2024, 2, 1),
    )
    spec = infer_feature_spec(frame)
    assert not set(spec.columns) & (
        PII_COLUMNS | {"customer_id", "customer_key", "cutoff_date"}
    )
    assert not set(spec.columns) & {
        "is_churned",
        "next_purchase_date",
        "last_order_date",
    }
    assert (
        "loyalty_tier" in spec.categorical and "days_since_last_order" in spec.numeric
    )
    assert spec.monotone_constraints() == {
        "num__days_since_last_order": 1,
        "num__days_since_last_session": 1,
    }


def test_model_inputs_names_missing_columns(synthetic_frames):
    train, _ = synthetic_frames
    spec = infer_feature_spec(train)
    with pytest.raises(KeyError, match="days_since_last_order"):
        model_inputs(train.drop(columns=["days_since_last_order"]), spec)


def test_metrics_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.1, 0.3, 0.2, 0.1, 0.4])
    m = classification_metrics(y, p)
    assert m["accuracy"] == pytest.approx(0.9)  # only the 0.7 negative is wrong at 0.5
    assert m["f1"] == pytest.approx(2 * 0.75 * 1 / 1.75)
    assert m["roc_auc"] == pytest.approx(
        20 / 21
    )  # one of 21 pairs misordered (0.7 > 0.6)
    assert m["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert top_decile_lift(y, p) == pytest.approx(
        1 / 0.3
    )  # top 10% = 1 row, a positive
    with pytest.raises(ValueError, match="one class"):
        classification_metrics(np.zeros(4), np.full(4, 0.2))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        classification_metrics(y, p * 2)


def test_quality_bar_parts():
    bar = QualityBar()
    ok = bar.check({"roc_auc": 0.90}, {"roc_auc": 0.85})
    assert ok["passed"] and ok["lift_over_baseline"] == pytest.approx(0.05)
    worse = bar.check({"roc_auc": 0.84}, {"roc_auc": 0.85})
    assert worse["beats_baseline"] is False and not worse["passed"]
    chance = bar.check({"roc_auc": 0.55}, {"roc_auc": 0.50})
    assert chance["beats_baseline"] and chance["auc_ok"] is False
    assert not chance["passed"]


def test_risk_bands():
    bands = risk_band([0.0, 0.39, 0.4, 0.69, 0.7, 1.0])
    assert bands.tolist() == ["low", "low", "medium", "medium", "high", "high"]
    with pytest.raises(ValueError, match="band edges"):
        risk_band([0.5], (0.8, 0.2))


def test_tuned_model_beats_chance_and_the_best_params_are_used(
    fitted, synthetic_frames
):
    _, evaluation = synthetic_frames
    xgb = fitted.model.named_steps["model"]
    for key, value in fitted.best_params.items():
        assert xgb.get_params()[key] == value
    metrics = classification_metrics(
        labels(evaluation), churn_probability(fitted.model, evaluation)
    )
    assert metrics["roc_auc"] > 0.85 and metrics["top_decile_lift"] > 1.5
    assert "time-based" in fitted.tuning["validation"]


def test_tuning_logs_one_nested_run_per_trial(mlflow_store, synthetic_frames):
    train, _ = synthetic_frames
    spec = infer_feature_spec(train)
    mlflow.set_experiment("tune-test")
    with mlflow.start_run() as parent:
        result = tune_xgboost(train, spec, n_trials=6, report_every=10)
    children = MlflowClient().search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
    )
    assert len(children) == result.n_trials == 6
    states = {r.data.tags["optuna.state"] for r in children}
    assert states <= {"complete", "pruned"} and "complete" in states
    assert (
        sum(r.data.tags["optuna.state"] == "pruned" for r in children)
        == result.n_pruned
    )
    best = max(
        (r for r in children if r.data.tags["optuna.state"] == "complete"),
        key=lambda r: r.data.metrics["validation_roc_auc"],
    )
    assert best.data.metrics["validation_roc_auc"] == pytest.approx(result.best_value)
    assert int(best.data.params["max_depth"]) == result.best_params["max_depth"]


def test_more_days_since_last_order_never_lowers_risk_toy(fitted, synthetic_frames):
    _, evaluation = synthetic_frames
    sample = evaluation.head(300)
    previous = churn_probability(fitted.model, sample)
    for extra in (1, 7, 30, 90, 365):
        shifted = sample.assign(
            days_since_last_order=sample["days_since_last_order"] + extra
        )
        current = churn_probability(fitted.model, shifted)
        assert np.all(current >= previous - 1e-9)
        previous = current


def test_extra_pii_columns_do_not_change_scores_toy(fitted, synthetic_frames):
    _, evaluation = synthetic_frames
    base = churn_probability(fitted.model, evaluation)
    with_pii = evaluation.assign(email="x@example.com", first_name="Zed", last_name="Q")
    np.testing.assert_array_equal(base, churn_probability(fitted.model, with_pii))


def test_plots_importance_and_shap(tmp_path, fitted, synthetic_frames):
    _, evaluation = synthetic_frames
    y, p = labels(evaluation), churn_probability(fitted.model, evaluation)
    paths = save_evaluation_plots(y, p, tmp_path)
    assert [x.name for x in paths] == [
        "roc_curve.png",
        "pr_curve.png",
        "calibration_curve.png",
    ]
    importance = feature_importance(fitted.model)
    assert importance["share"].sum() == pytest.approx(1.0)
    assert importance.iloc[0]["feature"].startswith("num__")
    save_importance_plot(importance, tmp_path / "imp.png")
    shap_frame = save_shap_summary(
        fitted.model,
        model_inputs(evaluation, fitted.spec),
        tmp_path / "shap.png",
        sample_size=200,
    )
    assert shap_frame.iloc[0]["mean_abs_shap"] > 0
    for name in ("imp.png", "shap.png", *[x.name for x in paths]):
        assert (tmp_path / name).stat().st_size > 5000


def test_single_class_training_frame_is_refused(synthetic_frames):
    train, _ = synthetic_frames
    spec = infer_feature_spec(train)
    with pytest.raises(ValueError, match="one class"):
        fit(build_churn_pipeline(spec), train.assign(is_churned=True), spec)


def _cutoffs(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Rows as `ml_cutoffs` returns them: (cutoff_date, horizon, role)."""
    frame = pd.DataFrame(
        rows, columns=["cutoff_date", "churn_horizon_days", "cutoff_role"]
    )
    frame["cutoff_date"] = pd.to_datetime(frame["cutoff_date"]).dt.date
    return frame


def test_cutoff_plan_reads_the_roles_the_build_produced():
    plan = plan_from_cutoffs(
        _cutoffs(
            [
                ("2025-01-04", 90, "train"),
                ("2025-04-04", 90, "train"),
                ("2025-07-03", 90, "evaluation"),
                ("2025-10-01", 90, "scoring"),
            ]
        )
    )
    assert plan == CutoffPlan(
        train=(dt.date(2025, 1, 4), dt.date(2025, 4, 4)),
        evaluation=dt.date(2025, 7, 3),
        scoring=dt.date(2025, 10, 1),
        horizon_days=90,
    )
    assert plan.labelled == [*plan.train, plan.evaluation]


def test_overlapping_training_label_window_is_refused():
    cutoffs = _cutoffs([("2025-01-01", 90, "train"), ("2025-02-01", 90, "evaluation")])
    with pytest.raises(FeatureMartError, match="leaks evaluation-period outcomes"):
        plan_from_cutoffs(cutoffs)


def test_a_plan_without_training_cutoffs_names_the_vars():
    with pytest.raises(FeatureMartError, match="ml_train_cutoff_count"):
        plan_from_cutoffs(_cutoffs([("2025-10-01", 90, "scoring")]))


def test_mixed_horizons_are_refused():
    cutoffs = _cutoffs([("2025-01-01", 60, "train"), ("2025-06-01", 90, "evaluation")])
    with pytest.raises(FeatureMartError, match="mixes churn horizons"):
        plan_from_cutoffs(cutoffs)


def test_missing_marts_name_the_fix(fresh_database):
    with pytest.raises(FeatureMartError, match="warehouse_dbt"):
        cutoff_plan(fresh_database)
