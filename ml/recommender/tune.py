"""Hyper-parameter search for the top-k recommenders with optuna (seeded TPE)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ml.recommender.evaluate import evaluate
from ml.recommender.fit import fit

TUNABLE = ("als", "bpr", "item_knn")


def _suggest(trial: Any, method: str) -> dict[str, Any]:
    if method == "als":
        return {
            "factors": trial.suggest_int("factors", 8, 128, log=True),
            "regularization": trial.suggest_float(
                "regularization", 1e-3, 10.0, log=True
            ),
            "iterations": trial.suggest_int("iterations", 5, 30),
            "alpha": trial.suggest_float("alpha", 0.5, 50.0, log=True),
        }
    if method == "bpr":
        return {
            "factors": trial.suggest_int("factors", 8, 128, log=True),
            "learning_rate": trial.suggest_float("learning_rate", 1e-3, 0.2, log=True),
            "regularization": trial.suggest_float(
                "regularization", 1e-4, 0.1, log=True
            ),
            "iterations": trial.suggest_int("iterations", 20, 200, log=True),
        }
    return {
        "neighbors": trial.suggest_int("neighbors", 5, 500, log=True),
        "shrink": trial.suggest_float("shrink", 0.0, 50.0),
    }


def tune(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    method: str = "als",
    n_trials: int = 20,
    k: int = 10,
    metric: str = "ndcg@10",
    seed: int = 0,
) -> tuple[dict[str, Any], Any]:
    """Search `method`'s hyper-parameters to maximise `metric` of `evaluate` on `validation`.

    ALS searches factors, regularization, iterations and alpha (confidence = 1 + alpha * weight);
    BPR factors, learning_rate, regularization, iterations; item_knn neighbors, shrink.

    Returns:
        (best_params, the optuna Study) -- pass best_params to `fit(train, method, **best)`.
    """
    import optuna

    if method not in TUNABLE:
        raise ValueError(
            f"method {method!r} has nothing to tune; tunable methods: {list(TUNABLE)}"
        )
    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    valid_metrics = [
        f"{name}@{k}" for name in ("precision", "recall", "ndcg", "map", "coverage")
    ]
    if metric not in valid_metrics:
        raise ValueError(
            f"metric {metric!r} is not reported for k={k}; valid: {valid_metrics}"
        )

    def objective(trial: optuna.Trial) -> float:
        params = _suggest(trial, method)
        model = fit(train, method, **params)
        return evaluate(model, train, validation, k=k)[metric]

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
    )
    study.optimize(objective, n_trials=n_trials)
    return dict(study.best_params), study
