"""Offline top-k evaluation against a holdout: precision, recall, NDCG, MAP, coverage.

Two protocols (`PROTOCOLS`):

- "new_items": discovery. The relevant set is the user's test items minus its train items,
  and recommendations never include train items (whatever the model's `exclude_seen`).
- "all_items": the next purchases, repeats included. The relevant set is every item the user
  has in test; recommendations are the model's own (`exclude_seen` as fitted), so a model that
  excludes repeats is judged as it would serve. On grocery data this is the protocol that
  matters: most of a household's next basket is items it bought before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ml.recommender._validation import check_frame, check_k
from ml.recommender.model import Recommender

PROTOCOLS: tuple[str, ...] = ("new_items", "all_items")


def evaluate(
    model: Recommender,
    train: pd.DataFrame,
    test: pd.DataFrame,
    k: int = 10,
    protocol: str = "new_items",
) -> dict[str, float]:
    """Score `model`'s top-k lists against the items each user interacted with in `test`.

    Definitions (binary relevance; averages over evaluated users):
      * protocol "new_items": a user's relevant set R_u = items in `test` minus items the user
        has in `train`; recommendations exclude the user's `train` items and the model's own
        seen items (so a train item could never be hit).
      * protocol "all_items": R_u = every item the user has in `test`; recommendations follow
        the model's `exclude_seen` (repeats allowed for a repeat-aware model).
      * users with an empty R_u are skipped. Test items outside the model's catalogue stay in
        R_u (misses).
      * precision@k = hits / k;  recall@k = hits / |R_u|
      * ndcg@k = sum_i rel_i / log2(i + 1) / IDCG, IDCG over min(|R_u|, k) relevant items
      * map@k = (1 / min(|R_u|, k)) * sum_i rel_i * precision@i
      * coverage@k = distinct recommended items over all evaluated users / catalogue size

    Returns:
        {"precision@k", "recall@k", "ndcg@k", "map@k", "coverage@k", "n_users"}.
    """
    k = check_k(k)
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; valid: {list(PROTOCOLS)}")
    check_frame(train, ("user_id", "item_id"), "train")
    check_frame(test, ("user_id", "item_id"), "test")
    test_pairs = test[["user_id", "item_id"]].drop_duplicates()
    new_items = protocol == "new_items"
    if new_items:
        train_pairs = pd.MultiIndex.from_frame(train[["user_id", "item_id"]])
        in_train = pd.MultiIndex.from_frame(test_pairs).isin(train_pairs)
        relevant = test_pairs.loc[~in_train]
    else:
        relevant = test_pairs
    keys = [f"precision@{k}", f"recall@{k}", f"ndcg@{k}", f"map@{k}", f"coverage@{k}"]
    if relevant.empty:
        return {**dict.fromkeys(keys, 0.0), "n_users": 0}

    users = pd.Index(relevant["user_id"].unique())
    user_pos = users.get_indexer(relevant["user_id"])
    n_relevant = np.bincount(user_pos, minlength=len(users))
    if new_items:
        items, _ = model._top_items(
            list(users),
            k,
            exclude_seen=True,
            extra_exclude=_exclusion_matrix(model, users, train),
        )
    else:
        items, _ = model._top_items(list(users), k, exclude_seen=model.exclude_seen)
    if items.shape[1] < k:  # catalogue smaller than k: pad with "no recommendation"
        items = np.pad(items, ((0, 0), (0, k - items.shape[1])), constant_values=-1)
    hits = _hits(model, users, relevant, items)

    n_hits = hits.sum(axis=1)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, k) - 1]
    precision_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    recommended = items[items >= 0]
    return {
        keys[0]: float(np.mean(n_hits / k)),
        keys[1]: float(np.mean(n_hits / n_relevant)),
        keys[2]: float(np.mean((hits * discounts).sum(axis=1) / ideal)),
        keys[3]: float(
            np.mean((hits * precision_at_i).sum(axis=1) / np.minimum(n_relevant, k))
        ),
        keys[4]: float(len(np.unique(recommended)) / model.n_items),
        "n_users": len(users),
    }


def _exclusion_matrix(
    model: Recommender, users: pd.Index, train: pd.DataFrame
) -> sp.csr_matrix:
    rows = users.get_indexer(train["user_id"])
    cols = model.item_ids.get_indexer(train["item_id"])
    keep = (rows >= 0) & (cols >= 0)
    return sp.csr_matrix(
        (np.ones(keep.sum(), dtype=np.float32), (rows[keep], cols[keep])),
        shape=(len(users), model.n_items),
    )


def _hits(
    model: Recommender, users: pd.Index, relevant: pd.DataFrame, items: np.ndarray
) -> np.ndarray:
    """(n_users, k) 0/1 array: is the i-th recommendation in the user's relevant set."""
    rel_rows = users.get_indexer(relevant["user_id"])
    rel_cols = model.item_ids.get_indexer(relevant["item_id"])
    known = rel_cols >= 0
    rel_keys = rel_rows[known].astype(np.int64) * model.n_items + rel_cols[known]
    rec_keys = np.arange(len(users), dtype=np.int64)[:, None] * model.n_items + items
    hits = np.isin(rec_keys, rel_keys) & (items >= 0)
    return hits.astype(np.float64)
