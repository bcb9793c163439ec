"""`fit`: train a top-k recommender on any (user_id, item_id, weight) interaction log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ml.recommender.data import build_matrix
from ml.recommender.model import Recommender, Scorer
from ml.recommender.popularity import fit_popularity
from ml.recommender.repeats import (
    DEFAULT_REPEAT_WEIGHT,
    BuyAgainScorer,
    RepeatBlendScorer,
    buy_again_order,
    check_repeat_weight,
    history,
    repeat_share,
)
from ml.recommender.scorers import FactorScorer, ItemKNNScorer, item_cosine

# Defaults: a grid/optuna search on the simulated benchmark (docs/recommender.md); they are
# starting points -- run `tune` on your own data.
DEFAULTS: dict[str, dict[str, Any]] = {
    "als": {
        "factors": 32,
        "regularization": 10.0,
        "alpha": 2.0,
        "iterations": 15,
        "random_state": 0,
        "num_threads": 1,
    },
    "bpr": {
        "factors": 32,
        "learning_rate": 0.005,
        "regularization": 0.0002,
        "iterations": 150,
        "random_state": 0,
        "num_threads": 1,
    },
    "item_knn": {"neighbors": 100, "shrink": 1.0, "num_threads": 1},
    "popularity": {"num_threads": 1},
    "buy_again": {"num_threads": 1},
}
METHODS = tuple(DEFAULTS)
#: Collaborative-filtering methods: the ones a repeat blend (`exclude_seen=False`) applies to.
CF_METHODS: tuple[str, ...] = ("als", "bpr", "item_knn")


def fit(
    interactions: pd.DataFrame,
    method: str = "als",
    *,
    exclude_seen: bool | None = None,
    repeat_weight: float = DEFAULT_REPEAT_WEIGHT,
    **params: Any,
) -> Recommender:
    """Fit a recommender on `interactions` (columns user_id, item_id, weight[, timestamp]).

    Args:
        interactions: one row per event; duplicate (user, item) rows are summed, weight >= 0.
        method: "als" (implicit ALS, default), "bpr", "item_knn", "popularity" or
            "buy_again" (the user's own items by frequency then recency, then popularity;
            the timestamp is used for the recency tie-break).
        exclude_seen: the model's default for `recommend`: never recommend a user's training
            items (True; default for every method but buy_again) or allow repeats (False).
            A CF method fit with False scores repeats by the blend of `ml.recommender.repeats`
            (`repeat_weight` * the user's repeat share + the rest * the scaled CF score).
        repeat_weight: the blend weight in [0, 1) (CF methods with exclude_seen=False only).
        **params: method hyper-parameters (see `DEFAULTS`), plus `segments`: an optional
            pd.Series user_id -> segment used for per-segment popularity (the "popularity"
            method and the cold-start fallback of every method).

    Returns:
        A fitted `Recommender`.
    """
    if method not in DEFAULTS:
        raise ValueError(f"unknown method {method!r}; valid methods: {list(METHODS)}")
    segments = params.pop("segments", None)
    unknown = sorted(set(params) - set(DEFAULTS[method]))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for method {method!r}; "
            f"valid: {sorted(DEFAULTS[method])} and 'segments'"
        )
    settings = {**DEFAULTS[method], **params}
    data = build_matrix(interactions)
    popularity = fit_popularity(data.matrix, data.users, segments)
    threads = int(settings["num_threads"])
    exclude = method != "buy_again" if exclude_seen is None else bool(exclude_seen)
    weight = check_repeat_weight(repeat_weight)
    if method == "buy_again":
        hist = history(interactions, data.users, data.items)
        # the fallback follows the popularity walk exactly (ties included): scores in (0, 1)
        walk = popularity.ranking[popularity.global_row]
        fallback = np.empty(len(walk))
        fallback[walk] = (len(walk) - np.arange(len(walk))) / (len(walk) + 1.0)
        scorer: Scorer = BuyAgainScorer(buy_again_order(hist), fallback)
    else:
        with threadpool_limits(limits=threads, user_api="blas"):
            scorer = _BUILDERS[method](data.matrix, settings)
    model = Recommender(
        method=method,
        params=settings,
        users=data.users,
        items=data.items,
        seen=data.matrix,
        scorer=scorer,
        popularity=popularity,
        num_threads=threads,
        exclude_seen=exclude,
    )
    if not exclude and method in CF_METHODS:
        return with_repeats(model, interactions, weight)
    return model


def with_repeats(
    model: Recommender,
    interactions: pd.DataFrame,
    repeat_weight: float = DEFAULT_REPEAT_WEIGHT,
) -> Recommender:
    """The CF `model` made repeat-aware: exclude_seen=False, the repeat blend as scorer.

    Args:
        model: a fitted als/bpr/item_knn model (or a repeat-aware one: its CF part is reused).
        interactions: the rows `model` was fit on (their event counts give the repeat share).
        repeat_weight: blend weight in [0, 1): 0 = the CF scores alone, seen items allowed.
    """
    weight = check_repeat_weight(repeat_weight)
    base = model._scorer
    if isinstance(base, RepeatBlendScorer):
        base = base.base
    if not isinstance(base, FactorScorer | ItemKNNScorer):
        raise ValueError(
            f"a repeat blend needs a CF model ({list(CF_METHODS)}), got {model.method!r}"
        )
    share = repeat_share(history(interactions, model.user_ids, model.item_ids))
    return Recommender(
        method=model.method,
        params=model.params,
        users=model.user_ids,
        items=model.item_ids,
        seen=model._seen,
        scorer=RepeatBlendScorer(base, share, weight),
        popularity=model._popularity,
        num_threads=model._num_threads,
        exclude_seen=False,
        repeat_weight=weight,
    )


def _fit_als(matrix: sp.csr_matrix, settings: dict[str, Any]) -> Scorer:
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(
        factors=int(settings["factors"]),
        regularization=float(settings["regularization"]),
        alpha=float(settings["alpha"]),
        iterations=int(settings["iterations"]),
        random_state=settings["random_state"],
        num_threads=int(settings["num_threads"]),
    )
    model.fit(matrix, show_progress=False)
    return FactorScorer(
        np.ascontiguousarray(model.user_factors),
        np.ascontiguousarray(model.item_factors),
    )


def _fit_bpr(matrix: sp.csr_matrix, settings: dict[str, Any]) -> Scorer:
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    model = BayesianPersonalizedRanking(
        factors=int(settings["factors"]),
        learning_rate=float(settings["learning_rate"]),
        regularization=float(settings["regularization"]),
        iterations=int(settings["iterations"]),
        random_state=settings["random_state"],
        num_threads=int(settings["num_threads"]),
    )
    model.fit(matrix, show_progress=False)
    return FactorScorer(
        np.ascontiguousarray(model.user_factors),
        np.ascontiguousarray(model.item_factors),
    )


def _fit_item_knn(matrix: sp.csr_matrix, settings: dict[str, Any]) -> Scorer:
    neighbors = int(settings["neighbors"])
    if neighbors <= 0:
        raise ValueError(
            f"neighbors must be a positive integer, got {settings['neighbors']!r}"
        )
    return ItemKNNScorer(item_cosine(matrix, neighbors, float(settings["shrink"])))


def _fit_popularity(matrix: sp.csr_matrix, settings: dict[str, Any]) -> Scorer:
    return None


_BUILDERS: dict[
    str, Callable[[sp.csr_matrix, dict[str, Any]], Scorer]
] = {  # not buy_again
    "als": _fit_als,
    "bpr": _fit_bpr,
    "item_knn": _fit_item_knn,
    "popularity": _fit_popularity,
}
