"""`evaluate` against hand-computed metrics, and the train/test splits."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import ml.recommender as rec
from ml.recommender.simulate import simulate_interactions


def _pairs(rows: dict[str, list[int]]) -> pd.DataFrame:
    records = [(user, item, 1.0) for user, items in rows.items() for item in items]
    return pd.DataFrame(records, columns=["user_id", "item_id", "weight"])


# Popularity (distinct users): item 1: 5, item 2: 4, item 3: 3, item 4: 2, item 5: 1.
TRAIN = _pairs(
    {
        "A": [1],
        "B": [2],
        "C": [1, 2],
        "F1": [1, 2, 3, 4, 5],
        "F2": [1, 2, 3, 4],
        "F3": [1, 3],
    }
)
TEST = _pairs({"A": [3, 5, 1], "B": [1, 4], "C": [2], "D": [5]})


def test_metrics_match_hand_computation() -> None:
    model = rec.fit(TRAIN, "popularity")
    # A: relevant {3, 5} (1 is a train item), recs [2, 3, 4] -> hits [0, 1, 0]
    # B: relevant {1, 4}, recs [1, 3, 4] -> hits [1, 0, 1]
    # C: relevant {} (2 is a train item) -> skipped
    # D: cold start, relevant {5}, recs [1, 2, 3] -> hits [0, 0, 0]
    assert [i for i, _ in model.recommend("A", k=3)] == [2, 3, 4]
    assert [i for i, _ in model.recommend("B", k=3)] == [1, 3, 4]
    got = rec.evaluate(model, TRAIN, TEST, k=3)

    log2 = math.log2
    idcg2 = 1 + 1 / log2(3)
    expected = {
        "precision@3": (1 / 3 + 2 / 3 + 0) / 3,
        "recall@3": (1 / 2 + 2 / 2 + 0) / 3,
        "ndcg@3": ((1 / log2(3)) / idcg2 + (1 + 1 / log2(4)) / idcg2 + 0) / 3,
        "map@3": ((1 / 2) * (1 / 2) + (1 / 2) * (1 / 1 + 2 / 3) + 0) / 3,
        "coverage@3": 4 / 5,  # {2,3,4} | {1,3,4} | {1,2,3}
        "n_users": 3,
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


def test_perfect_and_useless_recommenders() -> None:
    train = _pairs({"A": [1], "B": [1], "C": [1, 2]})
    model = rec.fit(train, "popularity")  # A and B have one unseen item: 2
    perfect = rec.evaluate(model, train, _pairs({"A": [2], "B": [2]}), k=1)
    assert perfect == {
        "precision@1": 1.0,
        "recall@1": 1.0,
        "ndcg@1": 1.0,
        "map@1": 1.0,
        "coverage@1": 0.5,
        "n_users": 2,
    }
    unreachable = rec.evaluate(model, train, _pairs({"A": [9]}), k=5)
    assert unreachable["ndcg@5"] == 0.0 and unreachable["recall@5"] == 0.0
    assert unreachable["precision@5"] == 0.0  # 1 recommendation, 0 hits, denominator k
    nothing = rec.evaluate(model, train, _pairs({"C": [1]}), k=5)
    assert nothing["n_users"] == 0


def test_evaluate_excludes_train_items_the_model_did_not_see() -> None:
    model = rec.fit(TRAIN, "popularity")
    extra_train = pd.concat(
        [TRAIN, _pairs({"B": [1]})]
    )  # B's item 1 now counts as train
    got = rec.evaluate(model, extra_train, _pairs({"B": [3]}), k=1)
    assert got["precision@1"] == 1.0  # recs skip 2 (model-seen) and 1 (train) -> 3


def test_temporal_split_is_by_global_cutoff_and_filters_test() -> None:
    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "a", "c", "b"],
            "item_id": [1, 2, 1, 3, 1, 2],
            "weight": 1.0,
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-02",
                    "2024-01-03",
                    "2024-02-01",
                    "2024-02-02",
                    "2024-02-03",
                ]
            ),
        }
    )
    train, test = rec.temporal_split(frame, cutoff=pd.Timestamp("2024-02-01"))
    assert train["timestamp"].max() < pd.Timestamp("2024-02-01")
    assert len(train) == 3
    # a's item 3 is unseen in train, c is unseen in train -> only (b, 2) remains
    assert list(zip(test["user_id"], test["item_id"], strict=True)) == [("b", 2)]
    _, strict = rec.temporal_split(
        frame, cutoff=pd.Timestamp("2024-02-01"), min_train_interactions=2
    )
    assert strict.empty  # b has only 1 train row
    train_f, _ = rec.temporal_split(frame, test_fraction=0.5)
    assert len(train_f) == 3


def test_temporal_split_fraction_on_simulated_data() -> None:
    frame = simulate_interactions(n_users=200, n_items=80, seed=1)
    train, test = rec.temporal_split(frame, test_fraction=0.2)
    assert train["timestamp"].max() < test["timestamp"].min()
    assert len(train) == pytest.approx(0.8 * len(frame), abs=2)
    assert set(test["user_id"]) <= set(train["user_id"])
    assert set(test["item_id"]) <= set(train["item_id"])


def test_random_split() -> None:
    frame = simulate_interactions(n_users=200, n_items=80, seed=1).drop(
        columns="timestamp"
    )
    train, test = rec.random_split(frame, test_fraction=0.25, seed=4)
    assert len(train) == pytest.approx(0.75 * len(frame), rel=0.05)
    assert set(test["item_id"]) <= set(train["item_id"])
    again, _ = rec.random_split(frame, test_fraction=0.25, seed=4)
    pd.testing.assert_frame_equal(train, again)
