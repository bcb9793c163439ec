"""BG/NBD: parameter recovery, P(alive) behaviour and holdout predictions on simulated customers.

Populations come from `ml.clv.simulate`, which draws from the BG/NBD process itself, so the
true parameters and each customer's true state are known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ml.clv import BGNBDParams, fit_bgnbd
from ml.clv.bgnbd import bgnbd_log_likelihood
from ml.clv.simulate import simulate_bgnbd

TRUE = {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 2.5}  # weekly units
HOLDOUT = 26.0


def _population(n: int, seed: int) -> pd.DataFrame:
    ages = np.random.default_rng(1000 + seed).uniform(26, 52, n)
    return simulate_bgnbd(n, **TRUE, T=ages, holdout=HOLDOUT, seed=seed)


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return _population(5000, seed=7)


@pytest.fixture(scope="module")
def fitted(population: pd.DataFrame) -> BGNBDParams:
    return fit_bgnbd(population)


def test_fit_recovers_true_parameters_within_sampling_error(
    fitted: BGNBDParams,
) -> None:
    # Over 60 seeds the z-scores (estimate - truth) / SE had mean ~0, sd ~1 and max |z| 2.6,
    # so 4 standard errors is a safe bound that still catches a wrong likelihood.
    assert fitted.converged
    assert fitted.n_customers == 5000
    for name, truth in TRUE.items():
        estimate, se = getattr(fitted, name), fitted.standard_errors[name]
        assert np.isfinite(se) and 0 < se < 0.2 * truth, (name, se)
        assert abs(estimate - truth) < 4 * se, (name, estimate, truth, se)
        assert abs(estimate / truth - 1) < 0.25, (name, estimate, truth)


def test_maximum_beats_the_true_parameters(
    fitted: BGNBDParams, population: pd.DataFrame
) -> None:
    x, t_x, big_t = (
        population[c].to_numpy(float) for c in ("frequency", "recency", "T")
    )
    at_truth = bgnbd_log_likelihood(np.array(list(TRUE.values())), x, t_x, big_t).sum()
    assert fitted.log_likelihood >= at_truth
    assert fitted.log_likelihood == pytest.approx(at_truth, abs=10)


def test_aggregated_fit_equals_weighted_fit(population: pd.DataFrame) -> None:
    small = population.iloc[:800]
    once = fit_bgnbd(small)
    twice = fit_bgnbd(pd.concat([small, small]))
    assert twice.log_likelihood == pytest.approx(2 * once.log_likelihood, rel=1e-6)
    for name in TRUE:
        assert getattr(twice, name) == pytest.approx(getattr(once, name), rel=1e-3)


def test_p_alive_is_a_probability_and_ranks_the_truly_alive(
    fitted: BGNBDParams, population: pd.DataFrame
) -> None:
    p_alive = fitted.p_alive(
        population["frequency"], population["recency"], population["T"]
    )
    assert np.all((p_alive >= 0) & (p_alive <= 1))
    assert np.all(p_alive[population["frequency"].to_numpy() == 0] == 1.0)
    # Calibrated on average, and discriminating between alive and dropped-out customers.
    assert p_alive.mean() == pytest.approx(population["alive"].mean(), abs=0.03)
    assert roc_auc_score(population["alive"], p_alive) > 0.85


def test_p_alive_is_monotone_in_recency_and_frequency(fitted: BGNBDParams) -> None:
    recency = np.arange(1.0, 41.0)
    by_recency = fitted.p_alive(5, recency, 40.0)
    assert np.all(np.diff(by_recency) > 0), (
        "a more recent last purchase must raise P(alive)"
    )
    # Same last purchase long ago: the more frequent buyer is more suspicious of having left.
    by_frequency = fitted.p_alive(np.arange(1, 15), 10.0, 40.0)
    assert np.all(np.diff(by_frequency) < 0)
    # Older customer age with the same history lowers P(alive).
    assert np.all(np.diff(fitted.p_alive(3, 10.0, np.arange(10.0, 60.0))) < 0)


def test_holdout_purchases_are_tracked_overall_and_by_frequency_bucket() -> None:
    population = _population(20000, seed=11)
    model = fit_bgnbd(population)
    predicted = model.expected_purchases(
        HOLDOUT, population["frequency"], population["recency"], population["T"]
    )
    actual = population["holdout_purchases"].to_numpy()
    # Measured over 5 seeds: aggregate error within 3%, bucket errors within 9%.
    assert predicted.sum() / actual.sum() == pytest.approx(1.0, abs=0.05)
    buckets = pd.cut(population["frequency"], [-1, 0, 1, 2, 4, 7, np.inf])
    frame = pd.DataFrame({"predicted": predicted, "actual": actual, "bucket": buckets})
    by_bucket = frame.groupby("bucket", observed=True)[["predicted", "actual"]].mean()
    assert len(by_bucket) == 6
    ratio = by_bucket["predicted"] / by_bucket["actual"]
    assert ratio.between(0.85, 1.15).all(), ratio.to_dict()
    # Among repeat buyers, the more frequent are predicted to buy more. (Zero-repeat customers
    # are excluded: BG/NBD treats them as certainly alive, so they can out-predict x = 1.)
    assert by_bucket["predicted"].iloc[1:].is_monotonic_increasing


def test_expected_purchases_of_a_new_customer() -> None:
    truth = BGNBDParams(**TRUE)
    newcomers = simulate_bgnbd(20000, **TRUE, T=0.0, holdout=HOLDOUT, seed=5)
    expected = truth.expected_purchases_new(HOLDOUT)
    observed = newcomers["holdout_purchases"].mean()
    se = newcomers["holdout_purchases"].std() / np.sqrt(len(newcomers))
    assert abs(expected - observed) < 4 * se, (expected, observed, se)
    # A customer with no history at age 0 is a new customer.
    conditional = truth.expected_purchases(np.array([1.0, 10.0, 52.0]), 0, 0.0, 0.0)
    np.testing.assert_allclose(
        conditional, truth.expected_purchases_new([1.0, 10.0, 52.0])
    )
    assert np.all(np.diff(truth.expected_purchases_new(np.arange(0.0, 100.0))) > 0)


def test_bad_summaries_and_parameters_are_rejected() -> None:
    good = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 5.0], "T": [10.0, 12.0]})
    with pytest.raises(ValueError, match=r"missing column\(s\) \['T'\]"):
        fit_bgnbd(good.drop(columns=["T"]))
    with pytest.raises(ValueError, match="summary is empty"):
        fit_bgnbd(good.iloc[0:0])
    with pytest.raises(ValueError, match="T must be >= recency"):
        fit_bgnbd(good.assign(T=[10.0, 4.0]))
    with pytest.raises(
        ValueError, match="frequency must be a non-negative whole number"
    ):
        fit_bgnbd(good.assign(frequency=[0, 1.5]))
    with pytest.raises(ValueError, match="recency must be >= 0"):
        fit_bgnbd(good.assign(recency=[0.0, -1.0]))
    with pytest.raises(ValueError, match=r"must be finite and > 0.*'alpha': -1"):
        BGNBDParams(r=1.0, alpha=-1.0, a=1.0, b=1.0)
    with pytest.raises(ValueError, match=r"'r': 0"):
        fit_bgnbd(good, initial_params=(0.0, 1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="T must be >= recency"):
        BGNBDParams(**TRUE).p_alive(1, 5.0, 4.0)
