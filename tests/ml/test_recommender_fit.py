"""Behaviour of fitted recommenders: methods, cold start, exclusion, batch, similar items, pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import ml.recommender as rec
from ml.recommender.simulate import simulate_interactions

METHODS = ["als", "bpr", "item_knn", "popularity"]


@pytest.fixture(scope="module")
def interactions() -> pd.DataFrame:
    return simulate_interactions(n_users=300, n_items=120, mean_interactions=15, seed=3)


@pytest.fixture(scope="module")
def models(interactions: pd.DataFrame) -> dict[str, rec.Recommender]:
    return {method: rec.fit(interactions, method) for method in METHODS}


def _seen_pairs(frame: pd.DataFrame) -> set[tuple[object, object]]:
    return set(zip(frame["user_id"], frame["item_id"], strict=True))


def test_default_method_is_als(interactions: pd.DataFrame) -> None:
    model = rec.fit(interactions.head(500))
    assert model.method == "als"
    # buy_again recommends seen items by design: tests/ml/test_recommender_repeats.py
    assert set(rec.METHODS) == {*METHODS, "buy_again"}


@pytest.mark.parametrize("method", METHODS)
def test_recommend_returns_k_unseen_items(
    method: str, models: dict[str, rec.Recommender], interactions: pd.DataFrame
) -> None:
    model = models[method]
    seen = interactions.groupby("user_id")["item_id"].agg(set)
    for user in seen.index[:25]:
        recs = model.recommend(user, k=10)
        assert len(recs) == 10
        items = [item for item, _ in recs]
        assert len(set(items)) == 10
        assert not set(items) & seen[user]
        scores = [score for _, score in recs]
        assert scores == sorted(scores, reverse=True)
        assert all(isinstance(item, int) for item in items)


@pytest.mark.parametrize("method", METHODS)
def test_batch_never_returns_seen_items_and_matches_single(
    method: str, models: dict[str, rec.Recommender], interactions: pd.DataFrame
) -> None:
    model = models[method]
    users = list(model.user_ids)
    batch = model.recommend_batch(users, k=7)
    assert list(batch.columns) == ["user_id", "rank", "item_id", "score"]
    assert len(batch) == 7 * len(users)
    assert not _seen_pairs(batch) & _seen_pairs(interactions)
    assert (
        batch.groupby("user_id")["rank"]
        .apply(list)
        .map(lambda r: r == list(range(1, 8)))
        .all()
    )
    for user in users[:10]:
        single = model.recommend(user, k=7)
        rows = batch[batch["user_id"] == user]
        assert rows["item_id"].tolist() == [item for item, _ in single]
        np.testing.assert_allclose(rows["score"], [s for _, s in single], rtol=1e-5)


def test_exclude_seen_false_can_return_seen_items(
    models: dict[str, rec.Recommender], interactions: pd.DataFrame
) -> None:
    batch = models["als"].recommend_batch(
        models["als"].user_ids, k=10, exclude_seen=False
    )
    assert _seen_pairs(batch) & _seen_pairs(interactions)


@pytest.mark.parametrize("method", METHODS)
def test_cold_start_users_get_global_popularity(
    method: str, models: dict[str, rec.Recommender], interactions: pd.DataFrame
) -> None:
    model = models[method]
    assert model.is_known_user(interactions["user_id"].iloc[0])
    assert not model.is_known_user("never-seen")
    assert not model.is_known_user(["unhashable"])
    popular = (
        interactions.groupby("item_id")["user_id"]
        .nunique()
        .sort_values(ascending=False)
    )
    recs = model.recommend("never-seen", k=10)
    assert len(recs) == 10
    assert [score for _, score in recs] == sorted(
        popular.iloc[:10].astype(float), reverse=True
    )
    assert {item for item, _ in recs} <= set(popular[popular >= popular.iloc[9]].index)
    batch = model.recommend_batch(["never-seen", "also-new"], k=10)
    assert len(batch) == 20


def test_segment_popularity_for_cold_start_and_popularity_method() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for user in range(60):
        segment_items = range(0, 5) if user < 30 else range(5, 10)
        for item in rng.choice(list(segment_items), size=3, replace=False):
            rows.append((user, int(item), 1.0))
    for user in range(
        60, 100
    ):  # segment-less users make items 10..11 globally most popular
        rows += [(user, 10, 1.0), (user, 11, 1.0)]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "weight"])
    segments = pd.Series(
        ["a"] * 30 + ["b"] * 30 + ["a", "b"], index=[*range(60), 500, 501]
    )
    for method in ("popularity", "als"):
        model = rec.fit(frame, method, segments=segments)
        assert {item for item, _ in model.recommend(500, k=5)} == set(range(0, 5))
        assert {item for item, _ in model.recommend(501, k=5)} == set(range(5, 10))
        # beyond the segment's own items, the global order fills in
        assert [item for item, _ in model.recommend(501, k=7)][5:] in (
            [10, 11],
            [11, 10],
        )
        assert {item for item, _ in model.recommend(999, k=2)} == {10, 11}
    model = rec.fit(frame, "popularity", segments=segments)
    assert {item for item, _ in model.recommend(0, k=10)} <= set(range(12)) - set(
        frame.loc[frame["user_id"] == 0, "item_id"]
    )
    assert {item for item, _ in model.recommend(0, k=2)} <= set(range(5))


def test_string_and_int_ids_round_trip() -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3, 3, 3],
            "item_id": ["x", "y", "y", "z", "x", "z", "w"],
            "weight": [1, 2, 1, 1, 3, 1, 1],
        }
    )
    model = rec.fit(frame, "item_knn")
    assert {item for item, _ in model.recommend(1, k=5)} == {"z", "w"}
    batch = model.recommend_batch([1, 2, 99], k=1)
    assert batch["user_id"].tolist() == [1, 2, 99]
    assert set(batch["item_id"]) <= {"x", "y", "z", "w"}


def test_users_who_saw_everything_get_fewer_recommendations() -> None:
    frame = pd.DataFrame(
        {"user_id": [1, 1, 2], "item_id": [10, 20, 10], "weight": [1.0, 1.0, 1.0]}
    )
    model = rec.fit(frame, "popularity")
    assert model.recommend(1, k=5) == []
    assert [item for item, _ in model.recommend(2, k=5)] == [20]
    assert len(model.recommend(1, k=5, exclude_seen=False)) == 2


def test_duplicates_are_summed_and_zero_weights_dropped() -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 3],
            "item_id": [10, 10, 20, 30],
            "weight": [1.0, 2.0, 1.0, 0.0],
        }
    )
    model = rec.fit(frame, "popularity")
    assert model._seen[model.user_ids.get_loc(1), model.item_ids.get_loc(10)] == 3.0
    assert not model.is_known_user(3)
    assert 30 not in set(model.item_ids)


@pytest.mark.parametrize("method", METHODS)
def test_similar_items(method: str, models: dict[str, rec.Recommender]) -> None:
    model = models[method]
    item = model.item_ids[0]
    similar = model.similar_items(item, k=5)
    assert 0 < len(similar) <= 5
    assert item not in [other for other, _ in similar]
    scores = [score for _, score in similar]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0001 <= s <= 1.0001 for s in scores)
    with pytest.raises(KeyError, match="not in the model's catalogue"):
        model.similar_items("no-such-item")


def test_item_knn_similarity_is_cosine_of_item_columns() -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3],
            "item_id": ["a", "b", "a", "b", "c"],
            "weight": 1.0,
        }
    )
    model = rec.fit(frame, "item_knn", shrink=0.0)
    assert model.similar_items("a", k=3) == [("b", pytest.approx(1.0))]
    pop = rec.fit(frame, "popularity")
    assert pop.similar_items("a", k=3) == [("b", pytest.approx(1.0))]


@pytest.mark.parametrize("method", METHODS)
def test_pickle_and_save_load_round_trip(
    method: str, models: dict[str, rec.Recommender], tmp_path
) -> None:
    model = models[method]
    users = [*model.user_ids[:20], "cold"]
    expected = model.recommend_batch(users, k=5)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.recommend_batch(users, k=5), expected)
    loaded = rec.Recommender.load(model.save(tmp_path / "model.pkl"))
    pd.testing.assert_frame_equal(loaded.recommend_batch(users, k=5), expected)
    (tmp_path / "other.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(TypeError, match="does not hold a Recommender"):
        rec.Recommender.load(tmp_path / "other.pkl")


def test_als_fit_is_deterministic_for_a_seed(interactions: pd.DataFrame) -> None:
    first = rec.fit(interactions, "als", random_state=7).recommend_batch(
        ["u00001", "u00002"]
    )
    second = rec.fit(interactions, "als", random_state=7).recommend_batch(
        ["u00001", "u00002"]
    )
    pd.testing.assert_frame_equal(first, second)


def test_timestamp_and_extra_columns_are_ignored_by_fit(
    interactions: pd.DataFrame,
) -> None:
    with_extra = interactions.assign(channel="web")
    a = rec.fit(with_extra, "item_knn").recommend_batch(["u00001"])
    b = rec.fit(interactions.drop(columns="timestamp"), "item_knn").recommend_batch(
        ["u00001"]
    )
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("method", METHODS)
def test_mixed_known_and_cold_batch_matches_single_calls(
    method: str, models: dict[str, rec.Recommender]
) -> None:
    model = models[method]
    users = [
        model.user_ids[0],
        "cold-1",
        model.user_ids[1],
        "cold-2",
        model.user_ids[0],
    ]
    batch = model.recommend_batch(users, k=4)
    assert len(batch) == 4 * len(users)
    for position, user in enumerate(users):
        rows = batch.iloc[4 * position : 4 * position + 4]
        assert (rows["user_id"] == user).all()
        assert rows["item_id"].tolist() == [
            item for item, _ in model.recommend(user, k=4)
        ]
    empty = model.recommend_batch([], k=3)
    assert empty.empty and list(empty.columns) == [
        "user_id",
        "rank",
        "item_id",
        "score",
    ]
