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
}
METHODS = tuple(DEFAULTS)


def fit(interactions: pd.DataFrame, method: str = "als", **params: Any) -> Recommender:
    """Fit a recommender on `interactions` (columns user_id, item_id, weight[, timestamp]).

    Args:
        interactions: one row per event; duplicate (user, item) rows are summed, weight >= 0.
        method: "als" (implicit ALS, default), "bpr", "item_knn" or "popularity".
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
    with threadpool_limits(limits=threads, user_api="blas"):
        scorer = _BUILDERS[method](data.matrix, settings)
    return Recommender(
        method=method,
        params=settings,
        users=data.users,
        items=data.items,
        seen=data.matrix,
        scorer=scorer,
        popularity=popularity,
        num_threads=threads,
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


_BUILDERS: dict[str, Callable[[sp.csr_matrix, dict[str, Any]], Scorer]] = {
    "als": _fit_als,
    "bpr": _fit_bpr,
    "item_knn": _fit_item_knn,
    "popularity": _fit_popularity,
}
