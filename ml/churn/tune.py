"""Hyper-parameter search for the churn XGBoost: optuna TPE + median pruning, one nested
MLflow run per trial.

Validation is time-based when the training frame has several cutoffs (fit on the earlier ones,
validate on the latest training cutoff), otherwise a stratified 25% hold-out. Each trial
reports its validation ROC AUC every `report_every` boosting rounds; the MedianPruner stops
trials that fall below the median of earlier trials at the same round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from sklearn.model_selection import train_test_split
from xgboost.callback import TrainingCallback

from ml.churn.features import FeatureSpec, build_tree_preprocessor, model_inputs
from ml.churn.model import labels, xgb_classifier

log = logging.getLogger(__name__)


@dataclass
class TuningResult:
    best_params: dict[str, Any]
    best_value: float  # validation ROC AUC of the best trial
    n_trials: int
    n_pruned: int
    validation: str  # how the validation set was chosen
    trials: list[dict[str, Any]] = field(default_factory=list)


def search_space(trial: optuna.Trial) -> dict[str, Any]:
    """The XGBoost parameters a trial samples."""
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=50),
        "max_depth": trial.suggest_int("max_depth", 2, 6),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
        "min_child_weight": trial.suggest_float(
            "min_child_weight", 1.0, 50.0, log=True
        ),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
        "gamma": trial.suggest_float("gamma", 0.0, 2.0),
    }


class _ReportAndPrune(TrainingCallback):
    """Report validation AUC to optuna every `every` rounds; raise TrialPruned when told to."""

    def __init__(self, trial: optuna.Trial, every: int) -> None:
        super().__init__()
        self.trial, self.every = trial, every
        self.last: tuple[int, float] | None = None

    def after_iteration(self, model, epoch: int, evals_log) -> bool:
        step = epoch + 1
        if step % self.every:
            return False
        auc = float(evals_log["validation_0"]["auc"][-1])
        self.last = (step, auc)
        self.trial.report(auc, step)
        if self.trial.should_prune():
            raise optuna.TrialPruned(
                f"pruned at round {step} with validation AUC {auc:.4f}"
            )
        return False


def split_for_validation(
    frame: pd.DataFrame, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(fit part, validation part, description) of a labelled training frame."""
    cutoffs = sorted(frame["cutoff_date"].unique())
    if len(cutoffs) >= 2:
        last = cutoffs[-1]
        return (
            frame[frame["cutoff_date"] != last],
            frame[frame["cutoff_date"] == last],
            f"time-based: fit on cutoffs < {last}, validate on {last}",
        )
    fit_part, valid_part = train_test_split(
        frame, test_size=0.25, random_state=seed, stratify=labels(frame)
    )
    return fit_part, valid_part, "stratified 25% hold-out (single training cutoff)"


def tune_xgboost(
    train: pd.DataFrame,
    spec: FeatureSpec,
    *,
    n_trials: int = 20,
    seed: int = 0,
    report_every: int = 25,
    log_to_mlflow: bool = True,
    timeout_seconds: float | None = None,
) -> TuningResult:
    """Search XGBoost parameters on `train`; returns the best trial's parameters.

    With `log_to_mlflow`, each trial is a nested run under the active MLflow run.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    fit_part, valid_part, how = split_for_validation(train, seed)
    preprocess = build_tree_preprocessor(spec)
    x_fit = preprocess.fit_transform(model_inputs(fit_part, spec))
    x_valid = preprocess.transform(model_inputs(valid_part, spec))
    y_fit, y_valid = labels(fit_part), labels(valid_part)
    for name, y in (("fit", y_fit), ("validation", y_valid)):
        if len(np.unique(y)) < 2:
            raise ValueError(f"the tuning {name} set holds only one class ({how})")

    def objective(trial: optuna.Trial) -> float:
        params = search_space(trial)
        callback = _ReportAndPrune(trial, report_every)
        model = xgb_classifier(
            spec, params, seed, eval_metric="auc", callbacks=[callback]
        )
        run = _start_trial_run(trial, params) if log_to_mlflow else None
        try:
            model.fit(x_fit, y_fit, eval_set=[(x_valid, y_valid)], verbose=False)
        except optuna.TrialPruned:
            _end_trial_run(run, "pruned", callback.last)
            raise
        except Exception:
            _end_trial_run(run, "failed", callback.last)
            raise
        auc = float(model.evals_result()["validation_0"]["auc"][-1])
        _end_trial_run(run, "complete", (params["n_estimators"], auc))
        return auc

    sampler = optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=min(10, max(2, n_trials // 3))
    )
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=3, n_warmup_steps=report_every * 2
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # trials are logged to MLflow
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    # the hand-picked defaults are always tried first
    study.enqueue_trial(_defaults_in_space())
    study.optimize(objective, n_trials=n_trials, timeout=timeout_seconds, catch=())
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise RuntimeError("no tuning trial completed")
    best = study.best_trial
    return TuningResult(
        best_params=dict(best.params),
        best_value=float(best.value if best.value is not None else "nan"),
        n_trials=len(study.trials),
        n_pruned=sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
        validation=how,
        trials=[
            {"number": t.number, "state": t.state.name, "value": t.value, **t.params}
            for t in study.trials
        ],
    )


def _defaults_in_space() -> dict[str, Any]:
    from ml.churn.model import DEFAULT_XGB_PARAMS

    return dict(DEFAULT_XGB_PARAMS)


def _start_trial_run(trial: optuna.Trial, params: dict[str, Any]):
    import mlflow

    run = mlflow.start_run(run_name=f"trial-{trial.number:03d}", nested=True)
    mlflow.log_params(params)
    mlflow.set_tag("optuna.trial_number", str(trial.number))
    return run


def _end_trial_run(run, state: str, last: tuple[int, float] | None) -> None:
    if run is None:
        return
    import mlflow

    mlflow.set_tag("optuna.state", state)
    if last is not None:
        mlflow.log_metric("validation_roc_auc", last[1], step=last[0])
    mlflow.end_run(status="FINISHED" if state != "failed" else "FAILED")
