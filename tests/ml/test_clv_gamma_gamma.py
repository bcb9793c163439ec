"""Gamma-Gamma: parameter recovery and conditional expected spend on simulated customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.clv import GammaGammaParams, fit_gamma_gamma
from ml.clv.simulate import simulate_spend

TRUE = {
    "p": 6.0,
    "q": 4.0,
    "gamma": 15.0,
}  # population mean spend p * gamma / (q - 1) = 30


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frequency = rng.poisson(3.0, 5000)
    return pd.DataFrame(
        {
            "frequency": frequency,
            "monetary_value": simulate_spend(frequency, **TRUE, seed=3),
        }
    )


def test_fit_recovers_true_parameters_within_sampling_error(
    summary: pd.DataFrame,
) -> None:
    fitted = fit_gamma_gamma(summary)
    # Over 60 seeds the z-scores had sd 1.0-1.2 and max |z| 3.0; q and gamma are strongly
    # correlated, so the mean spend (a function of both) is also checked tightly.
    assert fitted.converged
    assert fitted.n_customers == int((summary["frequency"] > 0).sum())
    for name, truth in TRUE.items():
        estimate, se = getattr(fitted, name), fitted.standard_errors[name]
        assert abs(estimate - truth) < 4 * se, (name, estimate, truth, se)
    assert fitted.mean_spend() == pytest.approx(30.0, rel=0.05)


def test_expected_spend_shrinks_towards_the_population_mean() -> None:
    model = GammaGammaParams(**TRUE)
    assert model.expected_spend(0, 0.0)[0] == pytest.approx(model.mean_spend())
    # One purchase of 100 moves the estimate less than ten purchases of 100.
    one, ten = model.expected_spend([1, 10], [100.0, 100.0])
    assert model.mean_spend() < one < ten < 100.0
    # A customer's own mean pulls the estimate monotonically.
    assert np.all(np.diff(model.expected_spend(5, np.linspace(1, 200, 50))) > 0)


def test_expected_spend_tracks_each_customers_true_mean(summary: pd.DataFrame) -> None:
    # Bayes posterior mean: E[true mean | data] = expected_spend, so regressing the truth on it
    # must give slope ~1. Rebuild the truth with the simulator's own draws (same seed).
    rng = np.random.default_rng(3)
    nu = rng.gamma(TRUE["q"], 1.0 / TRUE["gamma"], len(summary))
    true_mean = TRUE["p"] / nu
    model = GammaGammaParams(**TRUE)
    buyers = summary["frequency"].to_numpy() > 0
    predicted = model.expected_spend(summary["frequency"], summary["monetary_value"])[
        buyers
    ]
    slope = np.polyfit(predicted, true_mean[buyers], 1)[0]
    assert slope == pytest.approx(1.0, abs=0.1)
    assert np.mean(true_mean[buyers]) == pytest.approx(np.mean(predicted), rel=0.05)


def test_bad_input_is_rejected() -> None:
    good = pd.DataFrame({"frequency": [0, 2, 3], "monetary_value": [0.0, 10.0, 20.0]})
    with pytest.raises(ValueError, match=r"missing column\(s\) \['monetary_value'\]"):
        fit_gamma_gamma(good.drop(columns=["monetary_value"]))
    with pytest.raises(ValueError, match="summary is empty"):
        fit_gamma_gamma(good.iloc[0:0])
    with pytest.raises(
        ValueError, match="monetary_value must be > 0 where frequency > 0"
    ):
        fit_gamma_gamma(good.assign(monetary_value=[0.0, 0.0, 20.0]))
    with pytest.raises(ValueError, match="at least 2 customers with frequency > 0"):
        fit_gamma_gamma(good.assign(frequency=[0, 0, 1]))
    with pytest.raises(ValueError, match=r"'q': -2"):
        GammaGammaParams(p=1.0, q=-2.0, gamma=1.0)
    with pytest.raises(ValueError, match="expected spend is infinite"):
        GammaGammaParams(p=1.0, q=0.5, gamma=1.0).expected_spend(1, 10.0)
    with pytest.raises(ValueError, match="monetary_value must be >= 0"):
        GammaGammaParams(**TRUE).expected_spend(1, -10.0)
