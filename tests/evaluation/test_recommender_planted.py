"""The recommender against the generator's planted preferences (evaluation only): the
agreement measure by hand, the world's champion against popularity, and the planted latent
state itself (the preferences carry shared low-rank structure a CF model can learn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ml.recommender as rec
from evaluation.ground_truth import find_truth
from evaluation.recommender_planted import evaluate_champion, planted_agreement
from ml.recommender.batch import CHAMPION_URI
from ml.recommender.holdout import Recipe, score_recipe, split_holdout
from ml.recommender.marts import load_interactions
from ml.recommender.scorers import FactorScorer

K = 10
BAR = 1.5


def test_planted_agreement_hand_computed() -> None:
    train = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 3, 3, 3],
            "item_id": [10, 11, 10, 10, 11, 12],
            "weight": 1.0,
        }
    )
    model = rec.fit(train, "popularity")  # ranking: 10 (3 users), 11 (2), 12 (1)
    planted = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 9],
            "product_id": [10, 12, 99, 11],
            "rank": [1, 2, 1, 1],
        }
    )
    got = planted_agreement(model, planted, k=2)
    # top-2 for everyone (seen items kept): [10, 11] -> hits: user 1: {10}; user 2: none; user 9: {11}
    assert got["precision@2"] == pytest.approx((1 / 2 + 0 + 1 / 2) / 3)
    assert got["recall@2"] == pytest.approx((1 / 2 + 0 + 1 / 1) / 3)
    assert got["precision@2_known_users"] == pytest.approx((1 / 2 + 0) / 2)
    assert got["n_customers"] == 3


@pytest.mark.slow
def test_the_champion_finds_more_planted_items_than_popularity(
    platform_world, world_tracking
) -> None:
    batches = find_truth(platform_world.url, [platform_world.landing])
    result = evaluate_champion(platform_world.url, batches, CHAMPION_URI, k=K)
    assert result["passed"] and result["lift"] > 1.5, result
    assert result["model"]["n_customers"] == result["popularity"]["n_customers"] > 4000
    assert 0 < result["model"][f"precision@{K}"] < 1


def _oracle_ndcg(
    split, scores: np.ndarray, customers: np.ndarray, products: np.ndarray
) -> float:
    """NDCG@K on the holdout of a recommender scoring with a planted (customers x products) matrix."""
    model = rec.fit(split.train, "popularity")
    rows = pd.Index(customers).get_indexer(model.user_ids)
    cols = pd.Index(products).get_indexer(model.item_ids)
    block = np.ascontiguousarray(scores[rows][:, cols])
    model._scorer = FactorScorer(block, np.eye(len(cols)))  # score(u, i) = block[u, i]
    return rec.evaluate(model, split.train, split.test, k=K)[f"ndcg@{K}"]


@pytest.mark.slow
def test_planted_preferences_are_learnable(platform_world) -> None:
    """The shared, learnable part of the planted preferences (low-rank affinity + popularity)
    already clears the CF bar on the holdout; the exact preferences (which add each
    customer's sampled consideration set) rank better still. (An earlier generator drew
    consideration sets by popularity alone; then no CF model could reach the bar.)"""
    from seeds_generator.preferences import POOL_SIZE, pools

    (batch,) = find_truth(platform_world.url, [platform_world.landing])
    seed = batch.summary()["state"]["seed"]
    customers = pd.read_parquet(batch.table("state_customers"))
    products = pd.read_parquet(batch.table("state_products"))
    factors = [f"f{i}" for i in range(8)]
    u, v = customers[factors].to_numpy(), products[factors].to_numpy()
    log_pop = products["_log_pop"].to_numpy()
    customer_ids = customers["t_customer_id"].to_numpy()
    pool = pools(seed, customer_ids, log_pop, u, v)
    weight = np.exp(np.einsum("ik,ijk->ij", u, v[pool]))
    exact = np.zeros((len(customer_ids), len(log_pop)))
    np.add.at(
        exact,
        (np.repeat(np.arange(len(customer_ids)), POOL_SIZE), pool.ravel()),
        weight.ravel(),
    )
    split = split_holdout(load_interactions(platform_world.url))
    popularity = score_recipe(
        Recipe("popularity", {}, {}), split.train, split.test, k=K
    )[f"ndcg@{K}"]
    args = (customer_ids, products["product_id"].to_numpy())
    exact_ratio = _oracle_ndcg(split, exact, *args) / popularity
    shared_ratio = _oracle_ndcg(split, u @ v.T + log_pop[None, :], *args) / popularity
    assert shared_ratio > BAR, shared_ratio
    assert exact_ratio > shared_ratio, (exact_ratio, shared_ratio)
