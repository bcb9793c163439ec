"""`tune`: seeded optuna search over ALS hyper-parameters."""

from __future__ import annotations

import pytest

import ml.recommender as rec
from ml.recommender.simulate import simulate_interactions


def test_tune_als_is_seeded_and_reports_the_validation_metric() -> None:
    frame = simulate_interactions(
        n_users=400, n_items=150, mean_interactions=15, seed=5
    )
    train, validation = rec.temporal_split(frame, test_fraction=0.2)
    best, study = rec.tune(train, validation, method="als", n_trials=5, seed=1)
    assert set(best) == {"factors", "regularization", "iterations", "alpha"}
    assert len(study.trials) == 5
    refit = rec.evaluate(rec.fit(train, "als", **best), train, validation)["ndcg@10"]
    assert refit == pytest.approx(study.best_value)
    assert study.best_value == max(t.value for t in study.trials)
    again, _ = rec.tune(train, validation, method="als", n_trials=5, seed=1)
    assert again == best


def test_tune_item_knn_and_other_k() -> None:
    frame = simulate_interactions(n_users=200, n_items=80, mean_interactions=10, seed=6)
    train, validation = rec.temporal_split(frame, test_fraction=0.2)
    best, study = rec.tune(
        train, validation, method="item_knn", n_trials=3, k=5, metric="recall@5"
    )
    assert set(best) == {"neighbors", "shrink"}
    assert 0 <= study.best_value <= 1
