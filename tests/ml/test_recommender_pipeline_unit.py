"""Fast tests of the recommender pipeline's pieces (no warehouse): weights, holdout selection,
metric flattening, and the pyfunc round trip through a real MLflow registry."""

from __future__ import annotations

import uuid
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

import ml.recommender as rec
from ml.recommender.batch import resolve_version, similar_products_frame
from ml.recommender.holdout import (
    Recipe,
    ratings_holdout,
    select_recipe,
    split_holdout,
)
from ml.recommender.marts import DEFAULT_WEIGHTS, resolve_weights
from ml.recommender.pyfunc import OUTPUT_COLUMNS, load_recommender, log_recommender
from ml.recommender.repeats import REPEAT_WEIGHT_GRID
from ml.recommender.simulate import simulate_interactions, simulate_ratings
from ml.recommender.train import _flat_metrics
from ml.registry import register_model


@pytest.fixture(scope="module")
def log_frame() -> pd.DataFrame:
    frame = simulate_interactions(n_users=400, n_items=120, seed=3)
    return frame.assign(user_id=lambda f: f["user_id"].str[1:].astype("int64"))


def test_weights_default_override_and_errors() -> None:
    assert resolve_weights(None) == DEFAULT_WEIGHTS
    assert resolve_weights({"view": 0}) == {**DEFAULT_WEIGHTS, "view": 0.0}
    with pytest.raises(
        ValueError, match=r"unknown interaction weight\(s\) \['clicks'\]"
    ):
        resolve_weights({"clicks": 1.0})
    with pytest.raises(ValueError, match="finite and >= 0"):
        resolve_weights({"purchase": -1.0})
    with pytest.raises(ValueError, match="finite and >= 0"):
        resolve_weights({"purchase": float("nan")})
    with pytest.raises(ValueError, match="at least one"):
        resolve_weights({"purchase": 0, "add_to_cart": 0, "view": 0})


def test_split_and_selection(log_frame: pd.DataFrame) -> None:
    split = split_holdout(log_frame, test_fraction=0.2)
    assert (
        split.train["timestamp"].max() < split.cutoff <= split.test["timestamp"].min()
    )
    assert split.inner["timestamp"].max() < split.validation_cutoff <= split.cutoff
    selection = select_recipe(
        split, DEFAULT_WEIGHTS, methods=("als", "popularity"), n_trials=2, seed=0
    )
    # every CF method also gets a repeat-aware candidate, scored but not eligible under the
    # default "new_items" protocol (a repeat can never be hit there)
    assert set(selection.validation) == {"als", "als+repeats", "popularity"}
    assert selection.protocol == "new_items"
    eligible = {m: v for m, v in selection.validation.items() if "+" not in m}
    assert selection.recipe.name == max(eligible, key=eligible.get)
    assert selection.recipe.exclude_seen
    assert set(selection.repeat_weights["als"]) == set(REPEAT_WEIGHT_GRID)
    blend = selection.candidates["als+repeats"]
    assert not blend.exclude_seen and blend.repeat_weight in REPEAT_WEIGHT_GRID
    assert selection.best_cf is not None and selection.best_cf.method == "als"
    assert len(selection.trials) == 2
    with pytest.raises(ValueError, match="unknown or no method"):
        select_recipe(split, DEFAULT_WEIGHTS, methods=("svd",))
    with pytest.raises(ValueError, match="test_fraction must be in"):
        split_holdout(log_frame, test_fraction=1.5)


def test_ratings_holdout_reports_models_and_baselines() -> None:
    ratings = simulate_ratings(seed=0)
    ratings["timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(len(ratings)) % 365, unit="D"
    )
    out = ratings_holdout(ratings)
    assert out["svd_rmse"] < out["baseline_rmse"] < out["global_mean_rmse"]
    assert out["n_train"] + out["n_test"] == len(ratings)
    with pytest.raises(ValueError, match="at least 10 ratings"):
        ratings_holdout(ratings.head(5))


def test_flat_metrics_names_nested_numbers() -> None:
    flat = _flat_metrics(
        {
            "holdout": {"cf": {"ndcg@10": 0.2, "n_users": 3}},
            "method": "als",
            "x": None,
            "ok": True,
        }
    )
    assert flat == {"holdout_cf_ndcg_at_10": 0.2, "holdout_cf_n_users": 3.0}


def test_resolve_version_rejects_non_registry_uris() -> None:
    with pytest.raises(ValueError, match="not a registry reference"):
        resolve_version("runs:/abc/model")
    with pytest.raises(ValueError, match="names no version or alias"):
        resolve_version("models:/just-a-name")
    assert resolve_version("models:/m/3") == ("m", "3")


def test_similar_products_frame_ranks(log_frame: pd.DataFrame) -> None:
    model = rec.fit(log_frame, "als")
    frame = similar_products_frame(model, k=5)
    assert len(frame) == 5 * model.n_items
    assert (frame["product_id"] != frame["similar_product_id"]).all()
    assert (
        frame.groupby("product_id")["rank"]
        .apply(list)
        .map(lambda r: r == [1, 2, 3, 4, 5])
        .all()
    )


def test_pyfunc_round_trip_through_the_registry(
    log_frame: pd.DataFrame, mlflow_store: Path, tmp_path: Path
) -> None:
    segments = pd.Series(
        "gold", index=pd.Index([*log_frame["user_id"].unique(), 999_999])
    )
    model = rec.fit(log_frame, "als", segments=segments)
    recipe = Recipe("als", model.params, DEFAULT_WEIGHTS)
    name = f"rec-pyfunc-{uuid.uuid4().hex[:6]}"
    # the active experiment may belong to another module's store: pick one in this store
    mlflow.set_experiment("recommender-pyfunc-test")
    with mlflow.start_run():
        info = log_recommender(model, recipe, tmp_path / "model")
    version = register_model(info.model_uri, name)
    uri = f"models:/{name}/{version}"
    loaded = mlflow.pyfunc.load_model(uri)
    assert loaded.metadata.signature is not None
    ids = [
        *model.user_ids[:30],
        999_999,
        123_456_789,
    ]  # known, cold with segment, cold unknown
    out = loaded.predict(pd.DataFrame({"customer_id": ids}), params={"k": 7})
    expected = model.recommend_batch(ids, k=7)
    assert tuple(out.columns) == OUTPUT_COLUMNS
    assert out["customer_id"].tolist() == expected["user_id"].tolist()
    assert out["product_id"].tolist() == expected["item_id"].tolist()
    np.testing.assert_allclose(out["score"].to_numpy(), expected["score"].to_numpy())
    assert out.groupby("customer_id")["is_cold_start"].first().to_dict() == {
        u: u in (999_999, 123_456_789) for u in ids
    }
    back, back_recipe = load_recommender(uri)
    assert back_recipe == recipe
    assert back.recommend(ids[0], k=5) == model.recommend(ids[0], k=5)
    with pytest.raises(ValueError, match="customer_id"):
        loaded.unwrap_python_model().predict(None, pd.DataFrame({"user": [1]}))
