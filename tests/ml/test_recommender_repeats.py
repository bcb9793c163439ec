"""Repeats: the buy-again baseline, the two evaluation protocols, the `exclude_seen` flag
through fit -> pyfunc -> batch, and selection of the repeat-aware recipe on grocery-like data."""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pandas as pd
import pytest

import ml.recommender as rec
from ml.recommender import batch as batch_module
from ml.recommender.holdout import (
    Recipe,
    score_recipe_protocols,
    select_recipe,
    split_holdout,
)
from ml.recommender.pyfunc import load_recommender, log_recommender
from ml.recommender.simulate import simulate_interactions, simulate_repeat_purchases
from ml.recommender.train import gate_report
from ml.registry import register_model

WEIGHTS = {"purchase": 1.0}


def _log(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """(user, item, day) events, weight 1."""
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "day"])
    return frame.assign(
        weight=1.0,
        timestamp=pd.Timestamp("2024-01-01") + pd.to_timedelta(frame.pop("day"), "D"),
    )


def _items(recs: list[tuple[object, float]]) -> list[object]:
    return [item for item, _ in recs]


# -- (a) buy-again ----------------------------------------------------------------------------


def test_buy_again_ranks_by_frequency_then_recency_then_popularity() -> None:
    frame = _log(
        [
            ("x", 10, 1),
            ("x", 10, 5),  # freq 2, last day 5
            ("x", 20, 2),
            ("x", 20, 3),  # freq 2, last day 3
            ("x", 30, 6),  # freq 1, last day 6
            ("x", 40, 4),  # freq 1, last day 4
            ("y", 50, 1),
            ("y", 60, 1),
            ("z", 50, 2),
        ]
    )
    model = rec.fit(frame, "buy_again")
    assert model.exclude_seen is False  # buy_again's own default
    # history by frequency, recency breaks ties; then popularity (50: 2 users, 60: 1)
    assert _items(model.recommend("x", k=6)) == [10, 20, 30, 40, 50, 60]
    assert _items(model.recommend("y", k=2)) == [50, 60]  # y's own two, once each
    assert _items(model.recommend("z", k=1)) == [50]
    # a user without history gets popularity
    assert _items(model.recommend("new", k=1)) == [50]
    assert not model.is_known_user("new")
    # excluding seen items leaves the popularity walk
    assert _items(model.recommend("x", k=2, exclude_seen=True)) == [50, 60]
    # more events of an older item overtake a single recent one
    more = pd.concat([frame, _log([("x", 40, 0), ("x", 40, 0)])])
    assert _items(rec.fit(more, "buy_again").recommend("x", k=1)) == [40]


def test_buy_again_without_timestamps_uses_frequency() -> None:
    frame = _log([("x", 1, 0), ("x", 2, 0), ("x", 2, 1), ("y", 3, 0)]).drop(
        columns="timestamp"
    )
    assert _items(rec.fit(frame, "buy_again").recommend("x", k=3)) == [2, 1, 3]


# -- (b) protocols ------------------------------------------------------------------------------

# Popularity (distinct users): item 1: 4, item 3: 3, item 2: 2, item 4: 1.
PROTOCOL_TRAIN = _log(
    [
        ("A", 1, 0),
        ("A", 1, 1),
        ("A", 2, 2),
        ("B", 3, 0),
        ("C", 1, 0),
        ("C", 4, 0),
        ("D", 1, 0),
        ("D", 3, 0),
        ("E", 1, 0),
        ("E", 3, 0),
        ("F", 2, 0),
    ]
)
PROTOCOL_TEST = _log([("A", 1, 9), ("A", 3, 9), ("B", 3, 9), ("B", 4, 9)])


def test_protocols_hand_computed_ndcg() -> None:
    buy_again = rec.fit(PROTOCOL_TRAIN, "buy_again")
    popularity = rec.fit(PROTOCOL_TRAIN, "popularity")
    assert _items(buy_again.recommend("A", k=2)) == [1, 2]
    assert _items(buy_again.recommend("B", k=2)) == [3, 1]
    one_of_two = 1 / (1 + 1 / math.log2(3))  # hit at rank 1 of 2 relevant items

    # all items: A relevant {1, 3}, recs [1, 2]; B relevant {3, 4}, recs [3, 1]
    got = rec.evaluate(
        buy_again, PROTOCOL_TRAIN, PROTOCOL_TEST, k=2, protocol="all_items"
    )
    assert got["ndcg@2"] == pytest.approx(one_of_two)
    assert got["precision@2"] == pytest.approx(0.5)
    assert got["recall@2"] == pytest.approx(0.5)
    assert got["n_users"] == 2
    # new items: A relevant {3}, recs skip 1, 2 -> [3, 4]: 1; B relevant {4}, recs [1, 2]: 0
    got = rec.evaluate(
        buy_again, PROTOCOL_TRAIN, PROTOCOL_TEST, k=2, protocol="new_items"
    )
    assert got["ndcg@2"] == pytest.approx(0.5)
    assert got["recall@2"] == pytest.approx(0.5)
    # the default protocol is new items (today's)
    assert rec.evaluate(buy_again, PROTOCOL_TRAIN, PROTOCOL_TEST, k=2) == got

    # popularity excludes seen items as fitted: all items judges it as it serves
    # A recs [3, 4] vs {1, 3}: hit at rank 1; B recs [1, 2] vs {3, 4}: nothing
    got = rec.evaluate(
        popularity, PROTOCOL_TRAIN, PROTOCOL_TEST, k=2, protocol="all_items"
    )
    assert got["ndcg@2"] == pytest.approx(one_of_two / 2)
    with pytest.raises(ValueError, match="unknown protocol"):
        rec.evaluate(popularity, PROTOCOL_TRAIN, PROTOCOL_TEST, protocol="repeats")


# -- (c) the flag through fit, pyfunc and batch -------------------------------------------------


@pytest.fixture(scope="module")
def grocery() -> pd.DataFrame:
    return simulate_repeat_purchases(n_users=300, n_items=150, n_weeks=16, seed=1)


def _overlap(
    recs: pd.DataFrame,
    frame: pd.DataFrame,
    user: str = "user_id",
    item: str = "item_id",
) -> int:
    """Recommendation rows that are one of the user's training items."""
    seen = frame[["user_id", "item_id"]].drop_duplicates()
    pairs = recs[[user, item]].set_axis(["user_id", "item_id"], axis=1)
    return len(pairs.merge(seen, on=["user_id", "item_id"]))


@pytest.mark.parametrize("method", ["als", "item_knn"])
def test_exclude_seen_flag_in_fit_and_recommend(
    method: str, grocery: pd.DataFrame
) -> None:
    users = grocery["user_id"].unique()[:100]
    excluding = rec.fit(grocery, method)
    repeating = rec.fit(grocery, method, exclude_seen=False, repeat_weight=0.5)
    assert excluding.exclude_seen and not repeating.exclude_seen
    assert repeating.repeat_weight == 0.5
    assert _overlap(excluding.recommend_batch(users, k=10), grocery) == 0
    with_repeats = repeating.recommend_batch(users, k=10)
    assert _overlap(with_repeats, grocery) > 200  # most of 1,000 rows
    # an explicit argument overrides the model's own setting
    assert (
        _overlap(repeating.recommend_batch(users, k=10, exclude_seen=True), grocery)
        == 0
    )
    # the repeat blend leaves the CF ranking of new items alone
    assert _items(repeating.recommend(users[0], k=5, exclude_seen=True)) == _items(
        excluding.recommend(users[0], k=5)
    )
    with pytest.raises(ValueError, match="repeat_weight"):
        rec.fit(grocery, method, exclude_seen=False, repeat_weight=1.0)


def test_pyfunc_and_batch_carry_the_flag(
    grocery: pd.DataFrame,
    mlflow_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mlflow.set_experiment("recommender-repeats-test")
    name = f"rec-repeats-{uuid.uuid4().hex[:6]}"
    uris = {}
    for exclude in (True, False):
        model = rec.fit(grocery, "als", exclude_seen=exclude, repeat_weight=0.5)
        recipe = Recipe("als", model.params, WEIGHTS, exclude, None if exclude else 0.5)
        with mlflow.start_run():
            info = log_recommender(model, recipe, tmp_path / f"model-{exclude}")
        uris[exclude] = f"models:/{name}/{register_model(info.model_uri, name)}"
    customers = pd.Series(
        "gold", index=pd.Index(grocery["user_id"].unique()[:80], dtype="int64")
    )
    written: dict[str, pd.DataFrame] = {}
    monkeypatch.setattr(batch_module, "load_customers", lambda url: customers)
    monkeypatch.setattr(
        "warehouse.tables.replace_table",
        lambda url, table, frame: len(written.setdefault(table.name, frame)),
    )
    for exclude, uri in uris.items():
        loaded = mlflow.pyfunc.load_model(uri)
        params = {p.name: p.default for p in loaded.metadata.signature.params}
        assert (
            params["exclude_seen"] is exclude
        )  # the signature carries the model's own default
        _, recipe = load_recommender(uri)
        assert recipe.exclude_seen is exclude
        ids = pd.DataFrame({"customer_id": customers.index})
        out = loaded.predict(ids)  # no params: the model's setting
        overlap = _overlap(out, grocery, "customer_id", "product_id")
        assert (overlap == 0) if exclude else (overlap > 100)
        forced = loaded.predict(ids, params={"exclude_seen": True})
        assert _overlap(forced, grocery, "customer_id", "product_id") == 0

        # the batch writer (warehouse calls stubbed) passes the model's setting through
        written.clear()
        batch_module.write_batch_outputs("postgresql://unused", uri, k=10)
        recs = written["recommendations"]
        assert len(recs) == 10 * len(customers)
        overlap = _overlap(recs, grocery, "customer_id", "product_id")
        assert (overlap == 0) if exclude else (overlap > 100)


def test_recipes_and_models_from_before_the_flag_still_load(
    grocery: pd.DataFrame,
) -> None:
    old = Recipe.from_dict({"method": "als", "params": {}, "weights": WEIGHTS})
    assert old.exclude_seen is True and old.repeat_weight is None and old.name == "als"
    new = Recipe("als", {}, WEIGHTS, exclude_seen=False, repeat_weight=0.25)
    assert Recipe.from_dict(new.as_dict()) == new and new.name == "als+repeats"
    model = rec.fit(grocery.head(300), "als", factors=4)
    del model.__dict__["exclude_seen"], model.__dict__["repeat_weight"]  # an old pickle
    user = model.user_ids[0]
    seen = set(grocery.head(300).query("user_id == @user")["item_id"])
    assert not set(_items(model.recommend(user, k=5))) & seen


# -- (d) grocery-like data: repeats win on all items and are selected ---------------------------


@pytest.fixture(scope="module")
def grocery_split():
    return split_holdout(simulate_repeat_purchases(seed=0))


def test_holdout_can_be_judged_on_purchases_only() -> None:
    frame = simulate_repeat_purchases(n_users=200, n_items=100, n_weeks=10, seed=3)
    frame["purchase_count"] = (frame.index % 3 == 0).astype(
        int
    )  # a third are purchases
    everything = split_holdout(frame)
    bought = split_holdout(frame, relevant="purchases")
    assert len(bought.train) == len(
        everything.train
    )  # models train on every interaction
    for split in (bought.test, bought.validation):
        assert (split["purchase_count"] > 0).all()
    assert len(bought.test) == (everything.test["purchase_count"] > 0).sum()
    with pytest.raises(ValueError, match="purchase_count"):
        split_holdout(frame.drop(columns="purchase_count"), relevant="purchases")
    with pytest.raises(ValueError, match="unknown relevance"):
        split_holdout(frame, relevant="views")


def test_repeat_aware_recipe_beats_new_items_only_on_grocery_data(
    grocery_split,
) -> None:
    split = grocery_split
    scores = {
        name: score_recipe_protocols(recipe, split.train, split.test)
        for name, recipe in {
            "als": Recipe("als", {}, WEIGHTS),
            "als+repeats": Recipe("als", {}, WEIGHTS, False, 0.5),
            "buy_again": Recipe("buy_again", {}, WEIGHTS, False),
            "popularity": Recipe("popularity", {}, WEIGHTS),
        }.items()
    }
    all_items = {name: s["all_items"]["ndcg@10"] for name, s in scores.items()}
    new_items = {name: s["new_items"]["ndcg@10"] for name, s in scores.items()}
    # observed (seed 0): als+repeats 0.82, buy_again 0.83, als 0.05, popularity 0.06
    assert all_items["als+repeats"] > 5 * all_items["als"]
    assert all_items["buy_again"] > 5 * all_items["popularity"]
    assert all_items["als+repeats"] > all_items["buy_again"] - 0.05
    # on new items the blend is the CF model and buy-again is popularity
    assert new_items["als+repeats"] == pytest.approx(new_items["als"])
    assert new_items["buy_again"] == pytest.approx(new_items["popularity"])


def test_selection_picks_repeats_on_all_items_and_not_on_new_items(
    grocery_split,
) -> None:
    common = {"methods": ("als", "item_knn", "popularity", "buy_again"), "n_trials": 0}
    chosen = select_recipe(grocery_split, WEIGHTS, protocol="all_items", **common)
    assert chosen.recipe.exclude_seen is False
    assert chosen.validation[chosen.recipe.name] == max(chosen.validation.values())
    assert chosen.validation["als+repeats"] > 5 * chosen.validation["als"]
    blend = chosen.candidates["als+repeats"]
    grid = chosen.repeat_weights["als"]
    assert blend.repeat_weight == max(grid, key=lambda w: grid[w])
    assert grid[blend.repeat_weight] > grid[0.0]  # the user's own history helps
    discovery = select_recipe(grocery_split, WEIGHTS, protocol="new_items", **common)
    assert discovery.recipe.exclude_seen is True


def test_selection_keeps_excluding_seen_items_without_repeats() -> None:
    """The low-rank simulation draws distinct items per user: repeats never pay there."""
    frame = simulate_interactions(n_users=400, n_items=150, seed=2)
    split = split_holdout(
        frame.assign(user_id=frame["user_id"].str[1:].astype("int64"))
    )
    chosen = select_recipe(
        split,
        WEIGHTS,
        methods=("als", "popularity", "buy_again"),
        n_trials=0,
        protocol="all_items",
    )
    assert chosen.recipe.exclude_seen is True
    assert chosen.validation["als"] > chosen.validation["als+repeats"]


def test_gate_report_compares_the_champion_with_both_baselines() -> None:
    holdout = {"popularity": {"ndcg@10": 0.1}, "buy_again": {"ndcg@10": 0.4}}
    selected = Recipe("als", {}, WEIGHTS, False, 0.5)
    evaluation = SimpleNamespace(
        k=10,
        protocol="all_items",
        metrics={"holdout": holdout},
        selection=SimpleNamespace(recipe=selected),
    )
    promoted = gate_report(evaluation, 0.5, True, 0.3, Recipe("als", {}, WEIGHTS))  # type: ignore[arg-type]
    assert promoted["champion_ndcg@10"] == 0.5
    assert promoted["champion_over_popularity_ndcg@10"] == pytest.approx(5.0)
    assert promoted["champion_over_buy_again_ndcg@10"] == pytest.approx(1.25)
    assert (
        promoted["champion_exclude_seen"] is False
        and promoted["protocol"] == "all_items"
    )
    kept = gate_report(evaluation, 0.2, False, 0.3, Recipe("als", {}, WEIGHTS))  # type: ignore[arg-type]
    assert kept["champion_ndcg@10"] == 0.3 and kept["champion_exclude_seen"] is True
    assert kept["champion_over_buy_again_ndcg@10"] == pytest.approx(0.75)
