"""Train, evaluate, log, register and gate the churn model (one MLflow parent run).

Run layout (experiment `ecom-churn`):
    churn-train                      parent: params, lineage tags, final metrics, artifacts, model
      trial-000 ... trial-NNN        nested: one per optuna trial (params, validation AUC, state)
      baseline-logistic-regression   nested: the recency/frequency baseline on the same customers
The model is logged with signature and input example, registered as `ecom-churn`, and the
promotion gate (ml.registry) aliases it `champion` or `challenger`. The cutoffs come from the
marts (`marts.cutoff_plan`): training never runs dbt, and judges the model only on holdout data
and baselines that any data source has (planted-truth oracles live in `evaluation/`).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.pipeline import Pipeline

from ml.churn import marts
from ml.churn.evaluate import (
    METRIC_NAMES,
    QualityBar,
    classification_metrics,
    save_evaluation_plots,
)
from ml.churn.explain import feature_importance, save_importance_plot, save_shap_summary
from ml.churn.features import FeatureSpec, infer_feature_spec, model_inputs
from ml.churn.model import build_baseline_pipeline, build_churn_pipeline, fit, labels
from ml.churn.predict import MODEL_NAME, churn_probability
from ml.churn.tune import tune_xgboost
from ml.registry import GatePolicy, PromotionDecision, promote_if_better, register_model

log = logging.getLogger(__name__)

EXPERIMENT = "ecom-churn"
#: XGBoost inside the pipeline is not skops-serialisable; our own registry is a trusted source.
SERIALIZATION_FORMAT = "cloudpickle"
#: The logged models' environment, declared (MLflow would otherwise infer it by loading each
#: model in a subprocess: seconds per model, and whatever happens to be imported).
PIP_REQUIREMENTS = (
    "scikit-learn>=1.5,<1.10",
    "xgboost>=2.1,<4",
    "pandas>=2.2,<3",
    "numpy>=1.26,<3",
    "cloudpickle>=3",
)
#: Metrics where lower is better (the gate flips its comparison for these).
LOWER_IS_BETTER = frozenset({"brier"})


@dataclass
class TrainingResult:
    """What one training run produced and decided."""

    run_id: str
    model_name: str
    version: str
    alias: str
    gate_reason: str
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    quality_bar: dict[str, Any]
    best_params: dict[str, Any]
    train_cutoffs: list[str]
    eval_cutoff: str
    n_train: int
    n_eval: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def promoted(self) -> bool:
        return self.alias == "champion"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FittedModels:
    """The outcome of `fit_models` (no MLflow registry involved)."""

    spec: FeatureSpec
    model: Pipeline
    baseline: Pipeline
    best_params: dict[str, Any]
    tuning: dict[str, Any]
    seconds: dict[str, float]


def fit_models(
    train: pd.DataFrame,
    *,
    n_trials: int = 20,
    seed: int = 0,
    log_trials: bool = True,
) -> FittedModels:
    """Tune XGBoost on `train`, refit it on all of `train` with the best parameters, fit the baseline."""
    spec = infer_feature_spec(train)
    t0 = time.perf_counter()
    tuning = tune_xgboost(
        train, spec, n_trials=n_trials, seed=seed, log_to_mlflow=log_trials
    )
    t1 = time.perf_counter()
    model = fit(build_churn_pipeline(spec, tuning.best_params, seed), train, spec)
    t2 = time.perf_counter()
    baseline = fit(build_baseline_pipeline(spec, seed), train, spec)
    t3 = time.perf_counter()
    return FittedModels(
        spec=spec,
        model=model,
        baseline=baseline,
        best_params=tuning.best_params,
        tuning={
            "best_validation_roc_auc": tuning.best_value,
            "n_trials": tuning.n_trials,
            "n_pruned": tuning.n_pruned,
            "validation": tuning.validation,
        },
        seconds={"tuning": t1 - t0, "final_fit": t2 - t1, "baseline_fit": t3 - t2},
    )


def _scorer(evaluation: pd.DataFrame, metric: str):
    y = labels(evaluation)

    def score(model_uri: str) -> float:
        from ml.churn.predict import load_churn_model

        pipeline = load_churn_model(model_uri)
        return classification_metrics(y, churn_probability(pipeline, evaluation))[
            metric
        ]

    return score


def train_and_register(
    url: str,
    *,
    n_trials: int = 20,
    margin: float = 0.0,
    metric: str = "roc_auc",
    seed: int = 0,
    model_name: str = MODEL_NAME,
    tracking_uri: str | None = None,
    require_quality_bar: bool = True,
    quality_bar: QualityBar | None = None,
    shap_sample: int = 1000,
) -> TrainingResult:
    """Tune, train, evaluate, log, register and gate the churn model.

    The cutoffs are the marts' plan (`ml_features.ml_cutoffs`: training cutoffs, then the
    evaluation cutoff); the horizon is the one the marts were built with.

    Args:
        margin: how much the gate metric must improve on the champion's to replace it.
        metric: the gate metric (a key of `evaluate.classification_metrics`).
        require_quality_bar: a version failing the quality bar cannot become champion.
    """
    import mlflow

    from ml.tracking import configure_tracking, ensure_experiment, lineage_tags

    if metric not in METRIC_NAMES:
        raise ValueError(
            f"unknown gate metric {metric!r}; choose one of {METRIC_NAMES}"
        )
    bar = quality_bar or QualityBar()
    plan = marts.cutoff_plan(url)
    train, evaluation = marts.load_training_frames(url, plan)
    config = configure_tracking(tracking_uri)
    ensure_experiment(EXPERIMENT, config)

    with mlflow.start_run(run_name="churn-train") as run:
        mlflow.set_tags(lineage_tags(url))
        mlflow.set_tags({"model_name": model_name, "stage": "train"})
        mlflow.log_params(
            {
                "train_cutoffs": ",".join(d.isoformat() for d in plan.train),
                "eval_cutoff": plan.evaluation.isoformat(),
                "scoring_cutoff": plan.scoring.isoformat(),
                "horizon_days": plan.horizon_days,
                "n_trials": n_trials,
                "gate_metric": metric,
                "gate_margin": margin,
                "seed": seed,
                "n_train": len(train),
                "n_eval": len(evaluation),
            }
        )
        fitted = fit_models(train, n_trials=n_trials, seed=seed)
        mlflow.log_params({f"best_{k}": v for k, v in fitted.best_params.items()})
        mlflow.log_metrics(
            {
                f"tuning_{k}": float(v)
                for k, v in fitted.tuning.items()
                if k != "validation"
            }
        )
        mlflow.set_tag("tuning.validation", fitted.tuning["validation"])

        y_eval = labels(evaluation)
        p_eval = churn_probability(fitted.model, evaluation)
        metrics = classification_metrics(y_eval, p_eval)
        baseline_metrics = classification_metrics(
            y_eval, churn_probability(fitted.baseline, evaluation)
        )
        verdict = bar.check(metrics, baseline_metrics)
        mlflow.log_metrics({f"eval_{k}": v for k, v in metrics.items()})
        mlflow.log_metrics(_bar_metrics(verdict, bar))
        mlflow.set_tag("quality_bar", "passed" if verdict["passed"] else "failed")
        with mlflow.start_run(run_name="baseline-logistic-regression", nested=True):
            mlflow.log_metrics({f"eval_{k}": v for k, v in baseline_metrics.items()})
            mlflow.set_tag("model", "LogisticRegression (recency/frequency)")
            mlflow.sklearn.log_model(
                fitted.baseline,
                name="model",
                serialization_format=SERIALIZATION_FORMAT,
                pip_requirements=list(PIP_REQUIREMENTS),
            )
        mlflow.log_metrics(
            {f"baseline_eval_{k}": v for k, v in baseline_metrics.items()}
        )

        _log_artifacts(fitted, evaluation, y_eval, p_eval, shap_sample, seed)
        info = _log_model(fitted, train)
        mlflow.log_metrics({f"seconds_{k}": v for k, v in fitted.seconds.items()})

        version = register_model(
            info.model_uri,
            model_name,
            tags={
                "run_id": run.info.run_id,
                "eval_cutoff": plan.evaluation.isoformat(),
                "horizon_days": str(plan.horizon_days),
            },
            description="Churn: P(no purchase in the horizon after the cutoff).",
        )
        blocked = None
        if require_quality_bar and not verdict["passed"]:
            blocked = f"quality bar failed ({json.dumps(_jsonable(verdict))})"
        decision: PromotionDecision = promote_if_better(
            model_name,
            version,
            _scorer(evaluation, metric),
            GatePolicy(
                metric=metric,
                margin=margin,
                greater_is_better=metric not in LOWER_IS_BETTER,
            ),
            candidate_score=metrics[metric],
            blocked_reason=blocked,
        )
        mlflow.set_tags(
            {
                "registry.version": version,
                "registry.alias": decision.alias,
                "registry.reason": decision.reason[:4000],
            }
        )
    return TrainingResult(
        run_id=run.info.run_id,
        model_name=model_name,
        version=version,
        alias=decision.alias,
        gate_reason=decision.reason,
        metrics=metrics,
        baseline_metrics=baseline_metrics,
        quality_bar=_jsonable(verdict),
        best_params=fitted.best_params,
        train_cutoffs=[d.isoformat() for d in plan.train],
        eval_cutoff=plan.evaluation.isoformat(),
        n_train=len(train),
        n_eval=len(evaluation),
        seconds=fitted.seconds,
    )


def _jsonable(verdict: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if v is None else (round(v, 4) if isinstance(v, float) else v))
        for k, v in verdict.items()
    }


def _bar_metrics(verdict: dict[str, Any], bar: QualityBar) -> dict[str, float]:
    return {
        "quality_bar_passed": float(verdict["passed"]),
        "quality_bar_min_roc_auc": bar.min_roc_auc,
        "quality_bar_min_lift_over_baseline": bar.min_lift_over_baseline,
        "roc_auc_lift_over_baseline": float(verdict["lift_over_baseline"]),
    }


def _log_artifacts(
    fitted: FittedModels,
    evaluation: pd.DataFrame,
    y_eval,
    p_eval,
    shap_sample: int,
    seed: int,
) -> None:
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        save_evaluation_plots(y_eval, p_eval, out, title="churn (XGBoost)")
        importance = feature_importance(fitted.model)
        importance.to_csv(out / "feature_importance.csv", index=False)
        save_importance_plot(importance, out / "feature_importance.png")
        shap_values = save_shap_summary(
            fitted.model,
            model_inputs(evaluation, fitted.spec),
            out / "shap_summary.png",
            sample_size=shap_sample,
            seed=seed,
        )
        shap_values.to_csv(out / "shap_mean_abs.csv", index=False)
        (out / "feature_spec.json").write_text(
            json.dumps(
                {
                    "numeric": fitted.spec.numeric,
                    "categorical": fitted.spec.categorical,
                    "monotone_increasing": fitted.spec.increasing,
                },
                indent=2,
            )
        )
        (out / "tuning.json").write_text(
            json.dumps({**fitted.tuning, "best_params": fitted.best_params}, indent=2)
        )
        mlflow.log_artifacts(str(out), artifact_path="evaluation")


def _log_model(fitted: FittedModels, train: pd.DataFrame):
    import mlflow
    from mlflow.models import infer_signature

    example = model_inputs(train.head(5), fitted.spec)
    signature = infer_signature(example, fitted.model.predict_proba(example))
    return mlflow.sklearn.log_model(
        fitted.model,
        name="model",
        signature=signature,
        input_example=example,
        pyfunc_predict_fn="predict_proba",
        serialization_format=SERIALIZATION_FORMAT,
        pip_requirements=list(PIP_REQUIREMENTS),
    )
