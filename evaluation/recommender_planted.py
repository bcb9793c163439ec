"""The recommender against the generator's planted preferences (evaluation only).

The generator plants, for each customer, the products they truly prefer (low-rank affinities;
`ground_truth/preferences.parquet`). This module measures how many of them a registered
recommender ranks in its top k, beside a popularity baseline fit on the same interactions: a
collaborative model that learned the taste structure finds more of them. The production gate
uses the temporal holdout instead (`ml.recommender.train`), which any data source has.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evaluation.ground_truth import TruthBatch
from ml.recommender.model import Recommender


def load_preferences(batches: list[TruthBatch]) -> pd.DataFrame:
    """Planted top items per customer (newest batch): customer_id, product_id, rank."""
    path = batches[-1].table("preferences")
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: the batch plants no preferences"
        )
    frame = pd.read_parquet(path, columns=["customer_id", "product_id", "rank"])
    return frame.astype(
        {"customer_id": "int64", "product_id": "int64", "rank": "int64"}
    )


def planted_agreement(
    model: Recommender, preferences: pd.DataFrame, k: int = 10
) -> dict[str, float]:
    """How many of each customer's planted top items the model puts in its top k.

    Recommendations are made WITHOUT excluding seen items: the planted favourites are mostly
    items the customer already interacted with, and the question is whether the model ranks
    the truly preferred items first. precision@k = |top-k ∩ planted| / k, averaged over the
    customers in `preferences` (cold ones get the popularity fallback); recall@k divides by
    the number of planted items (10 in the generator).
    """
    planted = preferences[["customer_id", "product_id"]].drop_duplicates()
    users = pd.Index(planted["customer_id"].unique())
    recs = model.recommend_batch(users, k=k, exclude_seen=False)
    hits = (
        recs.merge(
            planted,
            left_on=["user_id", "item_id"],
            right_on=["customer_id", "product_id"],
        )
        .groupby("user_id")
        .size()
        .reindex(users, fill_value=0)
    )
    n_planted = planted.groupby("customer_id").size().reindex(users)
    known = np.array([model.is_known_user(u) for u in users])
    return {
        f"precision@{k}": float((hits / k).mean()),
        f"recall@{k}": float((hits / n_planted).mean()),
        f"precision@{k}_known_users": float((hits[known] / k).mean())
        if known.any()
        else 0.0,
        "n_customers": len(users),
    }


def evaluate_champion(
    url: str, batches: list[TruthBatch], model_uri: str, k: int = 10
) -> dict[str, Any]:
    """Planted agreement of the registered model and of global popularity on the same log.

    Returns {"model": {...}, "popularity": {...}, "method": ..., "lift": model / popularity
    precision@k, "passed": the model finds more planted items than popularity}.
    """
    from ml.recommender.holdout import Recipe, fit_recipe
    from ml.recommender.marts import load_interactions
    from ml.recommender.pyfunc import load_recommender

    model, recipe = load_recommender(model_uri)
    preferences = load_preferences(batches)
    popularity = fit_recipe(
        load_interactions(url, recipe.weights),
        Recipe("popularity", {}, recipe.weights),
        None,
    )
    mine = planted_agreement(model, preferences, k)
    base = planted_agreement(popularity, preferences, k)
    key = f"precision@{k}"
    return {
        "method": recipe.method,
        "model": mine,
        "popularity": base,
        "lift": mine[key] / base[key] if base[key] > 0 else None,
        "passed": mine[key] > base[key],
    }
