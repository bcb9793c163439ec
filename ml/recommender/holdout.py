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

Candidates: each method in `methods` as fitted (seen items excluded; `buy_again` allows them),
plus, for each CF method, a repeat-aware variant `<method>+repeats` (exclude_seen=False, the
blend of `ml.recommender.repeats` with its weight picked on validation under "all_items").
Selection is by NDCG@k on validation under the primary `protocol` ("new_items" or
"all_items", see `ml.recommender.evaluate`); under "new_items" repeats cannot be hit, so only
recipes that exclude seen items compete there.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.recommender.evaluate import PROTOCOLS, evaluate
from ml.recommender.fit import CF_METHODS, DEFAULTS, fit, with_repeats
from ml.recommender.model import Recommender
from ml.recommender.ratings import evaluate_ratings, fit_ratings
from ml.recommender.repeats import DEFAULT_REPEAT_WEIGHT, REPEAT_WEIGHT_GRID
from ml.recommender.split import temporal_split
from ml.recommender.tune import TUNABLE, tune

log = logging.getLogger(__name__)

#: Candidate methods of the pipeline; the validation winner ships (baselines included).
DEFAULT_METHODS: tuple[str, ...] = ("als", "item_knn", "popularity", "buy_again")
#: Methods that are baselines, not collaborative filtering.
BASELINES: tuple[str, ...] = ("popularity", "buy_again")
#: Suffix of a CF method's repeat-aware candidate.
REPEATS_SUFFIX = "+repeats"
#: Default primary protocol: discovery (today's behaviour); "all_items" for grocery data.
DEFAULT_PROTOCOL = "new_items"


@dataclass(frozen=True)
class Recipe:
    """How to rebuild a model: method, hyper-parameters, interaction weights, and whether it
    recommends a user's training items (`exclude_seen=False`, with `repeat_weight` for CF)."""

    method: str
    params: dict[str, Any]
    weights: dict[str, float]
    exclude_seen: bool = True
    repeat_weight: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipe:
        """Also reads recipes written before `exclude_seen` existed (they excluded seen items)."""
        weight = data.get("repeat_weight")
        return cls(
            str(data["method"]),
            dict(data["params"]),
            dict(data["weights"]),
            bool(data.get("exclude_seen", True)),
            None if weight is None else float(weight),
        )

    @property
    def name(self) -> str:
        """Candidate label: the method, `+repeats` for a repeat-aware CF recipe."""
        repeats = not self.exclude_seen and self.method in CF_METHODS
        return self.method + (REPEATS_SUFFIX if repeats else "")


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


#: What counts as relevant in a holdout: every interaction (today's default) or purchases only.
RELEVANCE: tuple[str, ...] = ("interactions", "purchases")


def split_holdout(
    log_frame: pd.DataFrame,
    test_fraction: float = 0.2,
    validation_fraction: float = 0.2,
    relevant: str = "interactions",
) -> HoldoutSplit:
    """Temporal train/test split, then the same split of train into inner/validation.

    `relevant="purchases"` keeps only rows with `purchase_count > 0` in test and validation
    (the models still train on every interaction): the holdout is then judged on what was
    bought, which matters for the "all_items" protocol when the log also holds views.
    """
    if relevant not in RELEVANCE:
        raise ValueError(f"unknown relevance {relevant!r}; valid: {list(RELEVANCE)}")
    if relevant == "purchases" and "purchase_count" not in log_frame.columns:
        raise ValueError(
            "relevant='purchases' needs a purchase_count column "
            "(load_interactions(..., with_purchases=True))"
        )
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
    if relevant == "purchases":
        test = test.loc[test["purchase_count"] > 0]
        validation = validation.loc[validation["purchase_count"] > 0]
    for name, frame in (("test", test), ("validation", validation)):
        if frame.empty:
            raise ValueError(
                f"the temporal {name} set is empty (no user active on both sides of the "
                "cutoff with an item seen before it); the interaction log is too small or too short"
            )
    return HoldoutSplit(train, test, inner, validation, cutoff, validation_cutoff)


@dataclass
class Selection:
    """Validation scores per candidate and the chosen recipe."""

    recipe: Recipe
    # the best collaborative-filtering recipe that excludes seen items (None if none tried)
    best_cf: Recipe | None
    validation: dict[
        str, float
    ]  # candidate name -> validation metric (primary protocol)
    trials: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: dict[str, Recipe] = field(default_factory=dict)  # name -> recipe
    protocol: str = DEFAULT_PROTOCOL
    # CF method -> {repeat weight: validation NDCG under "all_items"}
    repeat_weights: dict[str, dict[float, float]] = field(default_factory=dict)


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
    protocol: str = DEFAULT_PROTOCOL,
    repeats: bool = True,
    repeat_weights: Sequence[float] = REPEAT_WEIGHT_GRID,
) -> Selection:
    """Tune each tunable method on inner/validation (n_trials each) and pick the best by NDCG@k.

    `params` fixes a method's hyper-parameters (no tuning for it). With `n_trials=0` the
    library defaults are used. `segments` (user_id -> segment) makes popularity per segment.
    CF hyper-parameters are tuned for new items (their job in the blend); with `repeats`
    every CF method also gets a `+repeats` candidate whose weight is the best of
    `repeat_weights` on validation under "all_items". The winner is the best candidate under
    `protocol` (ties: the earlier candidate; seen-excluding ones come first).
    """
    unknown = [m for m in methods if m not in DEFAULTS]
    if unknown or not methods:
        raise ValueError(
            f"unknown or no method(s) {unknown or list(methods)}; valid: {list(DEFAULTS)}"
        )
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; valid: {list(PROTOCOLS)}")
    if n_trials < 0:
        raise ValueError(f"n_trials must be >= 0, got {n_trials}")
    metric = f"ndcg@{k}"
    fixed = {m: dict(p) for m, p in (params or {}).items()}
    w = dict(weights)
    scores: dict[str, float] = {}
    candidates: dict[str, Recipe] = {}
    repeat_scores: dict[str, dict[float, float]] = {}
    blended: list[Recipe] = []
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
        recipe = Recipe(method, dict(model.params), w, model.exclude_seen)
        candidates[recipe.name] = recipe
        scores[recipe.name] = evaluate(
            model, split.inner, split.validation, k=k, protocol=protocol
        )[metric]
        log.info(
            "validation %s of %s: %.4f (%s)",
            metric,
            recipe.name,
            scores[recipe.name],
            best,
        )
        if repeats and method in CF_METHODS:
            repeat_scores[method] = {
                float(weight): evaluate(
                    with_repeats(model, split.inner, weight),
                    split.inner,
                    split.validation,
                    k=k,
                    protocol="all_items",
                )[metric]
                for weight in repeat_weights
            }
            grid = repeat_scores[method]
            chosen = max(grid, key=lambda x: grid[x]) if grid else DEFAULT_REPEAT_WEIGHT
            blend = Recipe(method, dict(model.params), w, False, chosen)
            blended.append(blend)
            scores[blend.name] = (
                grid[chosen]
                if protocol == "all_items"
                else evaluate(
                    with_repeats(model, split.inner, chosen),
                    split.inner,
                    split.validation,
                    k=k,
                    protocol=protocol,
                )[metric]
            )
            log.info(
                "validation %s of %s: %.4f", metric, blend.name, scores[blend.name]
            )
    for blend in blended:
        candidates[blend.name] = blend
    # under "new_items" a repeat cannot be hit: only seen-excluding recipes compete
    eligible = [
        name
        for name, recipe in candidates.items()
        if protocol == "all_items" or recipe.exclude_seen
    ]
    if not eligible:
        raise ValueError(
            f"no candidate excludes seen items, so none can be selected under {protocol!r}: "
            f"add a method other than buy_again to {list(methods)}"
        )
    winner = max(eligible, key=lambda name: scores[name])
    cf = [m for m in methods if m not in BASELINES]
    best_cf = max(cf, key=lambda m: scores[m]) if cf else None
    return Selection(
        recipe=candidates[winner],
        best_cf=candidates[best_cf] if best_cf else None,
        validation=scores,
        trials=pd.concat(trial_frames, ignore_index=True)
        if trial_frames
        else pd.DataFrame(),
        candidates=candidates,
        protocol=protocol,
        repeat_weights=repeat_scores,
    )


def fit_recipe(
    log_frame: pd.DataFrame, recipe: Recipe, segments: pd.Series | None
) -> Recommender:
    """Fit `recipe` on an interaction log (weights already applied by the loader)."""
    return fit(
        log_frame,
        recipe.method,
        **recipe.params,
        segments=segments,
        exclude_seen=recipe.exclude_seen,
        repeat_weight=DEFAULT_REPEAT_WEIGHT
        if recipe.repeat_weight is None
        else recipe.repeat_weight,
    )


def score_recipe(
    recipe: Recipe,
    train: pd.DataFrame,
    test: pd.DataFrame,
    segments: pd.Series | None = None,
    k: int = 10,
    protocol: str = DEFAULT_PROTOCOL,
) -> dict[str, float]:
    """Fit `recipe` on `train` and evaluate it on `test` (the library's `evaluate` metrics)."""
    model = fit_recipe(train, recipe, segments)
    return evaluate(model, train, test, k=k, protocol=protocol)


def score_recipe_protocols(
    recipe: Recipe,
    train: pd.DataFrame,
    test: pd.DataFrame,
    segments: pd.Series | None = None,
    k: int = 10,
) -> dict[str, dict[str, float]]:
    """Fit `recipe` on `train` once and evaluate it under every protocol: {protocol: metrics}."""
    model = fit_recipe(train, recipe, segments)
    return {p: evaluate(model, train, test, k=k, protocol=p) for p in PROTOCOLS}


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
