"""Offline evaluation of recommender recipes on a temporal holdout.

A *recipe* is what a registered model was built from: method, hyper-parameters and interaction
weights. Recipes, not fitted models, are compared on the holdout: a production model is refit
on all data (holdout included), so scoring it on the holdout would score memorised rows. The
gate therefore refits each recipe on the rows before the evaluation cutoff and evaluates it on
the same held-out pairs (`score_recipe`).

Splits (one global time cutoff each, see `temporal_split`):
    log  = [ inner | validation ] | test
           `------ train -------'
Tuning and method selection use inner/validation only; `test` is touched once per recipe.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.recommender.evaluate import evaluate
from ml.recommender.fit import DEFAULTS, fit
from ml.recommender.model import Recommender
from ml.recommender.ratings import evaluate_ratings, fit_ratings
from ml.recommender.split import temporal_split
from ml.recommender.tune import TUNABLE, tune

log = logging.getLogger(__name__)

#: Candidate methods of the pipeline; the validation winner ships (popularity included).
DEFAULT_METHODS: tuple[str, ...] = ("als", "item_knn", "popularity")


@dataclass(frozen=True)
class Recipe:
    """How to rebuild a model: method, hyper-parameters, interaction weights."""

    method: str
    params: dict[str, Any]
    weights: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipe:
        return cls(str(data["method"]), dict(data["params"]), dict(data["weights"]))


@dataclass(frozen=True)
class HoldoutSplit:
    """train/test at `cutoff`; inner/validation split `train` at `validation_cutoff`."""

    train: pd.DataFrame
    test: pd.DataFrame
    inner: pd.DataFrame
    validation: pd.DataFrame
    cutoff: pd.Timestamp
    validation_cutoff: pd.Timestamp


def _quantile_cutoff(times: pd.Series, fraction: float) -> pd.Timestamp:
    ordered = times.sort_values()
    return ordered.iloc[math.floor(len(ordered) * (1 - fraction))]


def split_holdout(
    log_frame: pd.DataFrame,
    test_fraction: float = 0.2,
    validation_fraction: float = 0.2,
) -> HoldoutSplit:
    """Temporal train/test split, then the same split of train into inner/validation."""
    for name, value in (
        ("test_fraction", test_fraction),
        ("validation_fraction", validation_fraction),
    ):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    cutoff = _quantile_cutoff(log_frame["timestamp"], test_fraction)
    train, test = temporal_split(log_frame, cutoff=cutoff)
    validation_cutoff = _quantile_cutoff(train["timestamp"], validation_fraction)
    inner, validation = temporal_split(train, cutoff=validation_cutoff)
    for name, frame in (("test", test), ("validation", validation)):
        if frame.empty:
            raise ValueError(
                f"the temporal {name} set is empty (no user active on both sides of the "
                "cutoff with an item seen before it); the interaction log is too small or too short"
            )
    return HoldoutSplit(train, test, inner, validation, cutoff, validation_cutoff)


@dataclass
class Selection:
    """Validation scores per method and the chosen recipe."""

    recipe: Recipe
    best_cf: (
        Recipe | None
    )  # the best collaborative-filtering recipe (None if none tried)
    validation: dict[str, float]  # method -> validation metric
    trials: pd.DataFrame = field(default_factory=pd.DataFrame)


def select_recipe(
    split: HoldoutSplit,
    weights: Mapping[str, float],
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    n_trials: int = 10,
    k: int = 10,
    seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    segments: pd.Series | None = None,
) -> Selection:
    """Tune each tunable method on inner/validation (n_trials each) and pick the best by NDCG@k.

    `params` fixes a method's hyper-parameters (no tuning for it). With `n_trials=0` the
    library defaults are used. `segments` (user_id -> segment) makes popularity per segment.
    """
    unknown = [m for m in methods if m not in DEFAULTS]
    if unknown or not methods:
        raise ValueError(
            f"unknown or no method(s) {unknown or list(methods)}; valid: {list(DEFAULTS)}"
        )
    if n_trials < 0:
        raise ValueError(f"n_trials must be >= 0, got {n_trials}")
    metric = f"ndcg@{k}"
    fixed = {m: dict(p) for m, p in (params or {}).items()}
    scores: dict[str, float] = {}
    chosen: dict[str, dict[str, Any]] = {}
    trial_frames = []
    for method in methods:
        if method in TUNABLE and n_trials > 0 and method not in fixed:
            best, study = tune(
                split.inner,
                split.validation,
                method,
                n_trials=n_trials,
                k=k,
                metric=metric,
                seed=seed,
            )
            trials = study.trials_dataframe()
            trials.insert(0, "method", method)
            trial_frames.append(trials)
        else:
            best = fixed.get(method, {})
        model = fit(split.inner, method, **best, segments=segments)
        scores[method] = evaluate(model, split.inner, split.validation, k=k)[metric]
        chosen[method] = dict(model.params)
        log.info("validation %s of %s: %.4f (%s)", metric, method, scores[method], best)
    w = dict(weights)
    winner = max(methods, key=lambda m: scores[m])
    cf = [m for m in methods if m != "popularity"]
    best_cf = max(cf, key=lambda m: scores[m]) if cf else None
    return Selection(
        recipe=Recipe(winner, chosen[winner], w),
        best_cf=Recipe(best_cf, chosen[best_cf], w) if best_cf else None,
        validation=scores,
        trials=pd.concat(trial_frames, ignore_index=True)
        if trial_frames
        else pd.DataFrame(),
    )


def fit_recipe(
    log_frame: pd.DataFrame, recipe: Recipe, segments: pd.Series | None
) -> Recommender:
    """Fit `recipe` on an interaction log (weights already applied by the loader)."""
    return fit(log_frame, recipe.method, **recipe.params, segments=segments)


def score_recipe(
    recipe: Recipe,
    train: pd.DataFrame,
    test: pd.DataFrame,
    segments: pd.Series | None = None,
    k: int = 10,
) -> dict[str, float]:
    """Fit `recipe` on `train` and evaluate it on `test` (the library's `evaluate` metrics)."""
    return evaluate(fit_recipe(train, recipe, segments), train, test, k=k)


def ratings_holdout(
    ratings: pd.DataFrame, test_fraction: float = 0.2, **svd_params: Any
) -> dict[str, float]:
    """RMSE/MAE of the SVD model vs the bias baseline vs the global mean on a temporal holdout."""
    if len(ratings) < 10:
        raise ValueError(f"need at least 10 ratings for a holdout, got {len(ratings)}")
    cutoff = _quantile_cutoff(ratings["timestamp"], test_fraction)
    train = ratings.loc[ratings["timestamp"] < cutoff]
    test = ratings.loc[ratings["timestamp"] >= cutoff]
    out: dict[str, float] = {"n_train": len(train), "n_test": len(test)}
    for name, model in (
        ("svd", fit_ratings(train, "svd", **svd_params)),
        ("baseline", fit_ratings(train, "baseline")),
    ):
        for metric, value in evaluate_ratings(model, test).items():
            out[f"{name}_{metric}"] = value
    error = test["rating"].to_numpy(float) - float(train["rating"].mean())
    out["global_mean_rmse"] = float(np.sqrt(np.mean(error**2)))
    out["global_mean_mae"] = float(np.mean(np.abs(error)))
    return out
