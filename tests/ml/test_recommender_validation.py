"""Bad input to the recommender library raises clear errors naming what is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ml.recommender as rec


def _frame(**overrides: object) -> pd.DataFrame:
    data = {"user_id": [1, 1, 2], "item_id": [10, 20, 10], "weight": [1.0, 2.0, 1.0]}
    data.update(overrides)
    return pd.DataFrame(data)


def test_missing_column_is_named_with_unknown_ones() -> None:
    frame = _frame().rename(columns={"user_id": "customer_id"})
    with pytest.raises(
        ValueError, match=r"missing required column\(s\) \['user_id'\].*customer_id"
    ):
        rec.fit(frame)


def test_not_a_dataframe() -> None:
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        rec.fit([(1, 2, 1.0)])  # type: ignore[arg-type]


def test_empty_data() -> None:
    with pytest.raises(ValueError, match="interactions is empty"):
        rec.fit(_frame().iloc[:0])


def test_all_zero_weights() -> None:
    with pytest.raises(ValueError, match="no row with weight > 0"):
        rec.fit(_frame(weight=[0.0, 0.0, 0.0]))


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            [1.0, -2.0, 1.0],
            r"interactions.weight has 1 negative value\(s\) \(first at index 1",
        ),
        ([1.0, np.nan, 1.0], r"interactions.weight has 1 missing or non-finite"),
        ([1.0, np.inf, -np.inf], r"interactions.weight has 2 missing or non-finite"),
        (["a", "b", "c"], "interactions.weight must be numeric"),
        ([True, False, True], "interactions.weight must be numeric"),
    ],
)
def test_bad_weights(weights: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rec.fit(_frame(weight=weights))


def test_null_ids() -> None:
    with pytest.raises(ValueError, match=r"interactions.item_id has 1 null value\(s\)"):
        rec.fit(_frame(item_id=[10, None, 20]))


def test_unknown_method_lists_valid_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown method 'svd'.*'als', 'bpr', 'item_knn', 'popularity'",
    ):
        rec.fit(_frame(), "svd")


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(
        ValueError, match=r"unknown parameter\(s\) \['factor'\] for method 'als'"
    ):
        rec.fit(_frame(), "als", factor=3)
    with pytest.raises(ValueError, match="neighbors must be a positive integer"):
        rec.fit(_frame(), "item_knn", neighbors=0)


def test_bad_segments() -> None:
    with pytest.raises(TypeError, match="segments must be a pandas Series"):
        rec.fit(_frame(), "popularity", segments={1: "a"})
    with pytest.raises(ValueError, match="duplicate user_id"):
        rec.fit(_frame(), "popularity", segments=pd.Series(["a", "b"], index=[1, 1]))


@pytest.mark.parametrize("k", [0, -1, 1.5, True, "10", None])
def test_bad_k(k: object) -> None:
    model = rec.fit(_frame(), "popularity")
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.recommend(1, k=k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.recommend_batch([1], k=k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.similar_items(10, k=k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        rec.evaluate(model, _frame(), _frame(), k=k)  # type: ignore[arg-type]


def test_evaluate_and_split_inputs() -> None:
    model = rec.fit(_frame(), "popularity")
    with pytest.raises(
        ValueError, match=r"test is missing required column\(s\) \['item_id'\]"
    ):
        rec.evaluate(model, _frame(), _frame().drop(columns="item_id"))
    with pytest.raises(
        ValueError, match="needs a 'timestamp' column; use random_split"
    ):
        rec.temporal_split(_frame())
    timed = _frame(timestamp=pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        rec.temporal_split(timed, test_fraction=1.5)
    with pytest.raises(ValueError, match="no training rows"):
        rec.temporal_split(timed, cutoff=pd.Timestamp("2023-01-01"))
    with pytest.raises(ValueError, match="not comparable"):
        rec.temporal_split(timed, cutoff="not-a-date")
    with pytest.raises(ValueError, match="min_train_interactions must be >= 1"):
        rec.temporal_split(timed, min_train_interactions=0)


def test_ratings_inputs() -> None:
    ratings = pd.DataFrame({"user_id": [1, 2], "item_id": [1, 1], "rating": [4.0, 5.0]})
    with pytest.raises(
        ValueError, match=r"ratings is missing required column\(s\) \['rating'\]"
    ):
        rec.fit_ratings(ratings.rename(columns={"rating": "stars"}))
    with pytest.raises(ValueError, match=r"unknown method 'knn'.*'svd', 'baseline'"):
        rec.fit_ratings(ratings, "knn")
    with pytest.raises(
        ValueError, match=r"ratings\.rating has 1 missing or non-finite"
    ):
        rec.fit_ratings(ratings.assign(rating=[4.0, np.nan]))
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['lr'\]"):
        rec.fit_ratings(ratings, "svd", lr=0.1)


def test_tune_inputs() -> None:
    with pytest.raises(ValueError, match="nothing to tune"):
        rec.tune(_frame(), _frame(), method="popularity")
    with pytest.raises(ValueError, match=r"metric 'ndcg@10' is not reported for k=5"):
        rec.tune(_frame(), _frame(), k=5)
