"""Propensity score matching on simulated confounded data with a known effect (tau = 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.causal.psm import estimate_att, naive_difference
from ml.causal.simulate import simulate_confounded

COVARIATES = ["x1", "x2", "x3"]
TAU = 2.0


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate_confounded(3000, effect=TAU, seed=11)


def test_att_interval_covers_truth_while_naive_difference_is_biased(
    data: pd.DataFrame,
) -> None:
    result = estimate_att(data, "treated", "outcome", COVARIATES)
    assert result.estimand == "ATT"
    assert result.ci_low <= TAU <= result.ci_high
    assert result.ci_low < result.estimate < result.ci_high
    assert 0 < result.std_error < 0.2
    naive = naive_difference(data, "treated", "outcome")
    assert not naive.ci_low <= TAU <= naive.ci_high
    assert naive.estimate > TAU + 1.0  # confounding pushes it up by ~1.4
    assert result.n_treated == int(data["treated"].sum())
    assert 0 < result.n_matched_controls <= result.n_treated


def test_ate_interval_covers_truth(data: pd.DataFrame) -> None:
    result = estimate_att(data, "treated", "outcome", COVARIATES, estimand="ATE")
    assert result.estimand == "ATE"
    assert result.ci_low <= TAU <= result.ci_high


def test_matching_balances_every_covariate(data: pd.DataFrame) -> None:
    result = estimate_att(
        data, "treated", "outcome", COVARIATES, n_neighbors=4, caliper=0.2
    )
    balance = result.balance.set_index("covariate")
    assert list(balance.index) == COVARIATES
    assert balance.loc["x1", "smd_before"] > 0.3  # the confounding is real
    assert (balance["smd_after"].abs() < 0.1).all(), balance
    assert (balance["smd_after"].abs() < balance["smd_before"].abs()).all()


def test_overlap_and_caliper_diagnostics(data: pd.DataFrame) -> None:
    loose = estimate_att(data, "treated", "outcome", COVARIATES)
    assert loose.overlap.n_dropped_by_caliper == 0
    assert loose.overlap.caliper_width is None
    lo, hi = loose.overlap.treated_range
    assert 0 < lo < hi < 1
    assert loose.propensity.index.equals(data.index)
    assert loose.propensity.between(0, 1).all()
    # Treated units are more likely treated: their scores sit higher on average.
    treated = data["treated"] == 1
    assert loose.propensity[treated].mean() > loose.propensity[~treated].mean()
    tight = estimate_att(data, "treated", "outcome", COVARIATES, caliper=0.001)
    assert tight.overlap.n_dropped_by_caliper > 0
    assert tight.n_treated == int(treated.sum()) - tight.overlap.n_dropped_by_caliper
    assert tight.overlap.caliper_width == pytest.approx(
        0.001 * np.log(loose.propensity / (1 - loose.propensity)).std()
    )


def test_matching_by_hand_on_a_tiny_example() -> None:
    # One covariate: the logit propensity is linear in x, so matching on it matches on x.
    df = pd.DataFrame(
        {
            "x": [0.0, 1.0, 2.4, -0.1, 0.5, 1.2, 2.0, 3.0],
            "t": [1, 1, 1, 0, 0, 0, 0, 0],
            "y": [5.0, 7.0, 9.0, 1.0, 2.0, 3.0, 4.0, 6.0],
        }
    )
    result = estimate_att(df, "t", "y", ["x"])
    # Nearest controls: 0.0 -> -0.1, 1.0 -> 1.2, 2.4 -> 2.0.
    assert result.estimate == pytest.approx(((5 - 1) + (7 - 3) + (9 - 4)) / 3)
    assert result.weights.tolist() == [1, 1, 1, 1, 0, 1, 1, 0]
    assert result.n_matched_controls == 3


def test_without_replacement_uses_each_control_once() -> None:
    data = simulate_confounded(1500, effect=TAU, confounding=0.5, seed=2)
    result = estimate_att(data, "treated", "outcome", COVARIATES, replace=False)
    control_weights = result.weights[data["treated"] == 0]
    assert control_weights.max() == 1.0
    assert result.n_matched_controls == result.n_treated


def test_gradient_boosting_propensity(data: pd.DataFrame) -> None:
    result = estimate_att(
        data, "treated", "outcome", COVARIATES, propensity_model="gbm"
    )
    assert result.ci_low <= TAU <= result.ci_high


def test_categorical_covariates_are_one_hot_encoded(data: pd.DataFrame) -> None:
    result = estimate_att(data, "treated", "outcome", [*COVARIATES, "segment"])
    assert set(result.balance["covariate"]) == {
        *COVARIATES,
        "segment=high",
        "segment=low",
        "segment=mid",
    }


def test_naive_difference_is_the_difference_in_means(data: pd.DataFrame) -> None:
    naive = naive_difference(data, "treated", "outcome")
    means = data.groupby("treated")["outcome"].mean()
    assert naive.estimate == pytest.approx(means[1] - means[0])
    assert naive.n_treated + naive.n_control == len(data)
    assert naive.ci_high - naive.ci_low == pytest.approx(2 * 1.959964 * naive.std_error)


@pytest.mark.parametrize(
    ("mutate", "kwargs", "message"),
    [
        (lambda d: d.drop(columns=["x2"]), {}, r"missing column\(s\) \['x2'\]"),
        (lambda d: d.iloc[0:0], {}, "df is empty"),
        (lambda d: d.assign(treated=d["treated"] * 2), {}, "'treated' must be binary"),
        (lambda d: d.assign(treated=1), {}, "'treated' has no variation"),
        (
            lambda d: d.assign(x1=np.where(d.index == 3, np.nan, d["x1"])),
            {},
            "null values",
        ),
        (lambda d: d.assign(outcome="high"), {}, "'outcome' must be numeric"),
        (lambda d: d.assign(treated=(d["x1"] > 0).astype(int)), {}, "no overlap"),
        (lambda d: d, {"caliper": 1e-12}, "caliper .* leaves no matched"),
        (lambda d: d, {"caliper": -1.0}, "caliper must be > 0"),
        (lambda d: d, {"estimand": "ATC"}, "estimand must be"),
        (lambda d: d, {"estimand": "ATE", "replace": False}, "needs replace=True"),
        (lambda d: d, {"propensity_model": "forest"}, "propensity_model must be"),
    ],
)
def test_bad_input_raises_a_named_error(
    data: pd.DataFrame, mutate, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        estimate_att(
            mutate(data.iloc[:600].copy()), "treated", "outcome", COVARIATES, **kwargs
        )
