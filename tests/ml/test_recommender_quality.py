"""Model tier: on data from a known low-rank process, CF beats the popularity baseline."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import ml.recommender as rec
from ml.recommender.simulate import simulate_interactions


@pytest.fixture(scope="module")
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    # 2000 users x 500 items, 8 latent factors, log-normal popularity skew, ~20 events/user
    return rec.temporal_split(simulate_interactions(seed=0), test_fraction=0.2)


@pytest.fixture(scope="module")
def popularity_ndcg(split: tuple[pd.DataFrame, pd.DataFrame]) -> float:
    train, test = split
    return rec.evaluate(rec.fit(train, "popularity"), train, test)["ndcg@10"]


def test_simulated_data_has_popularity_skew(
    split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = split
    counts = train["item_id"].value_counts()
    top_share = counts.iloc[: len(counts) // 10].sum() / counts.sum()
    assert (
        top_share > 0.3
    )  # the top 10% of items get >30% of events (uniform would be 10%)


def test_als_beats_popularity_by_1_5x(
    split: tuple[pd.DataFrame, pd.DataFrame], popularity_ndcg: float
) -> None:
    train, test = split
    model = rec.fit(train, "als")
    metrics = rec.evaluate(model, train, test)
    # observed: ALS 0.240 vs popularity 0.0875 (2.74x); required margin 1.5x
    assert metrics["ndcg@10"] >= 1.5 * popularity_ndcg
    assert metrics["n_users"] > 1900
    assert metrics["coverage@10"] > 0.2


@pytest.mark.parametrize("method", ["bpr", "item_knn"])
def test_other_cf_methods_beat_popularity(
    method: str, split: tuple[pd.DataFrame, pd.DataFrame], popularity_ndcg: float
) -> None:
    train, test = split
    metrics = rec.evaluate(rec.fit(train, method), train, test)
    assert metrics["ndcg@10"] >= 1.5 * popularity_ndcg  # observed 2.9-3.0x


def test_als_recovers_true_preferences_better_than_popularity() -> None:
    """Directional check against the planted truth: recommended items have higher true affinity."""
    rng = np.random.default_rng(11)
    n_users, n_items, dim = 600, 200, 4
    theta, phi = (
        rng.standard_normal((n_users, dim)),
        rng.standard_normal((n_items, dim)),
    )
    affinity = theta @ phi.T
    picks = np.argsort(-(affinity + rng.gumbel(size=affinity.shape)), axis=1)[:, :15]
    frame = pd.DataFrame(
        {
            "user_id": np.repeat(np.arange(n_users), 15),
            "item_id": picks.ravel(),
            "weight": 1.0,
        }
    )
    batch = rec.fit(frame, "als", factors=8).recommend_batch(range(n_users), k=5)
    pop = rec.fit(frame, "popularity").recommend_batch(range(n_users), k=5)
    true_als = affinity[batch["user_id"], batch["item_id"]].mean()
    true_pop = affinity[pop["user_id"], pop["item_id"]].mean()
    assert true_als > true_pop + 1.0


def test_batch_scoring_is_fast(split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = split
    model = rec.fit(train, "als")
    users = list(model.user_ids)
    start = time.perf_counter()
    batch = model.recommend_batch(users, k=10)
    elapsed = time.perf_counter() - start
    assert len(batch) == 10 * len(users)
    assert elapsed < 2.0  # observed ~0.01-0.02 s for 2000 users x 500 items
    start = time.perf_counter()
    for user in users[:200]:
        model.recommend(user, k=10)
    assert (time.perf_counter() - start) / 200 < 0.01  # observed ~0.15-0.3 ms per call
