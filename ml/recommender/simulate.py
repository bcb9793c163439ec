"""Synthetic interaction and rating data from a known low-rank preference process.

Used by the tests and the benchmark in docs/recommender.md; independent of the project's
warehouse so the library can be checked on data whose truth is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_interactions(
    n_users: int = 2000,
    n_items: int = 500,
    n_factors: int = 8,
    mean_interactions: float = 20.0,
    signal: float = 2.0,
    popularity_skew: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Implicit feedback from a low-rank process with popularity skew.

    Each user u has preferences theta_u ~ N(0, I_f), each item phi_i ~ N(0, I_f) and a
    popularity b_i ~ N(0, popularity_skew^2). User u draws n_u ~ 1 + Poisson(mean - 1) distinct
    items without replacement with probability proportional to
    exp(signal * theta_u . phi_i / sqrt(f) + b_i) (Gumbel top-n trick). Each pick gets a
    weight 1 + Poisson(0.5) and a timestamp uniform over 2024; preferences are static, so a
    temporal holdout tests generalisation to new items of the same taste.

    Returns:
        DataFrame user_id (str "u00000"), item_id (int), weight (float), timestamp (datetime64).
    """
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal((n_users, n_factors))
    phi = rng.standard_normal((n_items, n_factors))
    bias = popularity_skew * rng.standard_normal(n_items)
    logits = signal * (theta @ phi.T) / np.sqrt(n_factors) + bias[None, :]
    gumbel = -np.log(-np.log(rng.uniform(size=logits.shape)))
    order = np.argsort(-(logits + gumbel), axis=1)
    counts = np.minimum(1 + rng.poisson(mean_interactions - 1, size=n_users), n_items)
    users = np.repeat(np.arange(n_users), counts)
    items = np.concatenate([order[u, : counts[u]] for u in range(n_users)])
    start = np.datetime64("2024-01-01T00:00:00")
    seconds = rng.integers(0, 366 * 24 * 3600, size=len(users))
    return pd.DataFrame(
        {
            "user_id": np.char.add("u", np.char.zfill(users.astype(str), 5)),
            "item_id": items.astype(np.int64),
            "weight": (1 + rng.poisson(0.5, size=len(users))).astype(np.float64),
            "timestamp": start + seconds.astype("timedelta64[s]"),
        }
    )


def simulate_ratings(
    n_users: int = 1000,
    n_items: int = 300,
    n_factors: int = 5,
    ratings_per_user: int = 40,
    noise: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Explicit 1-5 star ratings: round(3.5 + b_u + b_i + p_u . q_i + noise), clipped to [1, 5].

    b_u ~ N(0, 0.4^2), b_i ~ N(0, 0.5^2), p_u, q_i ~ N(0, I_f / sqrt(f)) so the interaction term
    has unit variance; each user rates `ratings_per_user` distinct random items.
    """
    rng = np.random.default_rng(seed)
    user_bias = 0.4 * rng.standard_normal(n_users)
    item_bias = 0.5 * rng.standard_normal(n_items)
    p = rng.standard_normal((n_users, n_factors)) / n_factors**0.25
    q = rng.standard_normal((n_items, n_factors)) / n_factors**0.25
    per_user = min(ratings_per_user, n_items)
    items = np.argsort(rng.uniform(size=(n_users, n_items)), axis=1)[
        :, :per_user
    ].ravel()
    users = np.repeat(np.arange(n_users), per_user)
    raw = (
        3.5
        + user_bias[users]
        + item_bias[items]
        + np.einsum("ij,ij->i", p[users], q[items])
    )
    raw += noise * rng.standard_normal(len(users))
    return pd.DataFrame(
        {
            "user_id": users.astype(np.int64),
            "item_id": items.astype(np.int64),
            "rating": np.clip(np.round(raw), 1, 5),
        }
    )


def simulate_repeat_purchases(
    n_users: int = 500,
    n_items: int = 300,
    n_weeks: int = 20,
    n_staples: int = 8,
    explore_per_week: float = 1.0,
    n_factors: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """Grocery-like baskets: each user re-buys a few staples week after week, plus new items.

    Each user has `n_staples` staples (drawn ∝ exp(theta_u . phi_i + b_i), Gumbel top-n), each
    bought in a given week with the user's own probability p ~ Beta(2, 2); on top of that
    Poisson(`explore_per_week`) exploratory items per week drawn from the same affinity. So
    most of a next basket repeats earlier purchases, as in grocery data.

    Returns:
        DataFrame user_id (int), item_id (int), weight 1.0, timestamp (one per week of 2024).
    """
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal((n_users, n_factors))
    phi = rng.standard_normal((n_items, n_factors))
    logits = theta @ phi.T / np.sqrt(n_factors) + rng.standard_normal(n_items)[None, :]
    gumbel = -np.log(-np.log(rng.uniform(size=logits.shape)))
    staples = np.argsort(-(logits + gumbel), axis=1)[:, :n_staples]
    rate = rng.beta(2.0, 2.0, size=(n_users, n_staples))
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    users, items, weeks = [], [], []
    for week in range(n_weeks):
        bought = rng.uniform(size=rate.shape) < rate
        u, s = np.nonzero(bought)
        users.append(u)
        items.append(staples[u, s])
        weeks.append(np.full(len(u), week))
        n_explore = rng.poisson(explore_per_week, size=n_users)
        u = np.repeat(np.arange(n_users), n_explore)
        cumulative = probs[u].cumsum(axis=1)
        picks = (cumulative < rng.uniform(size=(len(u), 1))).sum(axis=1)
        users.append(u)
        items.append(np.minimum(picks, n_items - 1))
        weeks.append(np.full(len(u), week))
    start = np.datetime64("2024-01-01")
    week_index = np.concatenate(weeks)
    return pd.DataFrame(
        {
            "user_id": np.concatenate(users).astype(np.int64),
            "item_id": np.concatenate(items).astype(np.int64),
            "weight": 1.0,
            "timestamp": start + (7 * week_index).astype("timedelta64[D]"),
        }
    ).drop_duplicates(["user_id", "item_id", "timestamp"], ignore_index=True)
