"""The numpy tree walker scores exactly like XGBoost itself, missing values included."""

from __future__ import annotations

import numpy as np
import pytest

from serving.services.trees import compile_booster


@pytest.fixture(scope="module")
def booster_and_rows():
    from xgboost import XGBClassifier

    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, 8))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=600)) > 0
    # missing values in training give splits whose default direction is left and right
    x[rng.random(x.shape) < 0.15] = np.nan
    model = XGBClassifier(n_estimators=40, max_depth=5, learning_rate=0.3, n_jobs=1)
    model.fit(x, y)
    rows = rng.normal(size=(300, 8))
    rows[rng.random(rows.shape) < 0.25] = np.nan
    rows[0] = np.nan  # all missing
    return model.get_booster(), rows


def test_walker_matches_xgboost_for_batches_and_single_rows(booster_and_rows):
    booster, rows = booster_and_rows
    ensemble = compile_booster(booster)
    expected = booster.inplace_predict(rows, predict_type="value")
    np.testing.assert_allclose(ensemble.predict(rows), expected, atol=1e-6, rtol=0)
    single = np.concatenate([ensemble.predict(rows[i : i + 1]) for i in range(50)])
    np.testing.assert_allclose(single, expected[:50], atol=1e-6, rtol=0)


def test_both_default_directions_are_exercised(booster_and_rows):
    booster, _ = booster_and_rows
    ensemble = compile_booster(booster)
    splits = ~np.isnan(ensemble.threshold)
    n = ensemble.n_features
    # the widened row's first half serves default-right splits, the second default-left
    assert (ensemble.feature[splits] < n).any()
    assert (ensemble.feature[splits] >= n).any()


def test_rows_narrower_than_the_model_are_refused(booster_and_rows):
    booster, rows = booster_and_rows
    with pytest.raises(ValueError, match="features"):
        compile_booster(booster).predict(rows[:, :5])
