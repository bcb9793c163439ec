"""customer_lifetime_value: the discounting arithmetic, and end to end against simulated revenue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.clv import (
    BGNBDParams,
    GammaGammaParams,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    rfm_summary,
)
from ml.clv.simulate import simulate_transactions

BGNBD = BGNBDParams(r=0.6, alpha=4.0, a=0.8, b=2.5)
GG = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
SUMMARY = pd.DataFrame(
    {
        "frequency": [0, 1, 4, 10],
        "recency": [0.0, 3.0, 30.0, 38.0],
        "T": [10.0, 40.0, 40.0, 40.0],
        "monetary_value": [0.0, 50.0, 20.0, 35.0],
    },
    index=pd.Index(["new", "lapsed", "regular", "loyal"], name="customer"),
)


def test_undiscounted_clv_is_purchases_times_spend() -> None:
    result = customer_lifetime_value(BGNBD, GG, SUMMARY, horizon=52, discount_rate=0.0)
    assert list(result.columns) == [
        "p_alive",
        "expected_purchases",
        "expected_spend",
        "clv",
    ]
    assert list(result.index) == list(SUMMARY.index)
    purchases = BGNBD.expected_purchases(
        52, SUMMARY["frequency"], SUMMARY["recency"], SUMMARY["T"]
    )
    spend = GG.expected_spend(SUMMARY["frequency"], SUMMARY["monetary_value"])
    np.testing.assert_allclose(result["expected_purchases"], purchases)
    np.testing.assert_allclose(result["clv"], purchases * spend)


def test_discounting_matches_a_hand_sum() -> None:
    row = SUMMARY.loc[["regular"]]
    result = customer_lifetime_value(BGNBD, GG, row, horizon=3, discount_rate=0.1)
    cumulative = [BGNBD.expected_purchases(k, 4, 30.0, 40.0)[0] for k in range(4)]
    spend = GG.expected_spend(4, 20.0)[0]
    by_hand = sum(
        (cumulative[k] - cumulative[k - 1]) * spend / 1.1**k for k in (1, 2, 3)
    )
    assert result["clv"].iloc[0] == pytest.approx(by_hand, rel=1e-12)


def test_clv_grows_with_horizon_and_shrinks_with_discount_rate() -> None:
    short = customer_lifetime_value(BGNBD, GG, SUMMARY, horizon=13)["clv"]
    long = customer_lifetime_value(BGNBD, GG, SUMMARY, horizon=104)["clv"]
    steep = customer_lifetime_value(
        BGNBD, GG, SUMMARY, horizon=104, discount_rate=0.05
    )["clv"]
    assert (long > short).all()
    assert (steep < long).all()
    assert long["loyal"] > long["regular"] > long["lapsed"]


def test_period_conversion_between_summary_and_horizon() -> None:
    # The same customers measured in days: weekly horizon on a daily summary/model.
    daily_model = BGNBDParams(r=0.6, alpha=4.0 * 7, a=0.8, b=2.5)
    daily = SUMMARY.assign(recency=SUMMARY["recency"] * 7, T=SUMMARY["T"] * 7)
    weeks = customer_lifetime_value(BGNBD, GG, SUMMARY, horizon=26, discount_rate=0.01)
    days = customer_lifetime_value(
        daily_model,
        GG,
        daily,
        horizon=26,
        discount_rate=0.01,
        freq="W",
        summary_freq="D",
    )
    np.testing.assert_allclose(days["clv"], weeks["clv"], rtol=1e-9)


def test_end_to_end_clv_predicts_holdout_revenue() -> None:
    """Transaction log -> rfm_summary -> fits -> CLV, compared with the revenue that followed."""
    transactions = simulate_transactions(
        5000, (0.6, 4.0, 0.8, 2.5), (6.0, 4.0, 15.0), "2023-01-01", "2024-12-29", seed=0
    )
    cutoff = pd.Timestamp("2024-06-30")
    summary = rfm_summary(
        transactions, "customer_id", "ordered_at", "amount", cutoff, freq="D"
    )
    bgnbd, gamma_gamma = fit_bgnbd(summary), fit_gamma_gamma(summary)
    # The daily fit recovers the weekly truth (alpha is a rate per day: 4 weeks = 28 days).
    assert bgnbd.r == pytest.approx(0.6, rel=0.2)
    assert bgnbd.alpha / 7 == pytest.approx(4.0, rel=0.2)
    assert gamma_gamma.mean_spend() == pytest.approx(30.0, rel=0.1)
    clv = customer_lifetime_value(
        bgnbd, gamma_gamma, summary, horizon=182, discount_rate=0.0, freq="D"
    )
    later = transactions[transactions["ordered_at"] > cutoff]
    actual = (
        later.groupby("customer_id")["amount"]
        .sum()
        .reindex(summary.index, fill_value=0)
    )
    # Measured over 3 seeds: total CLV / actual revenue = 0.98-1.06.
    assert clv["clv"].sum() / actual.sum() == pytest.approx(1.0, abs=0.1)
    # Customer-level: CLV ranks who will spend.
    assert np.corrcoef(clv["clv"], actual)[0, 1] > 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, "horizon must be a positive whole number"),
        ({"horizon": 2.5}, "horizon must be a positive whole number"),
        ({"discount_rate": -1.5}, "discount_rate must be > -1"),
        ({"freq": "Y"}, "freq must be one of"),
        ({"summary_freq": "H"}, "summary_freq must be one of"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        customer_lifetime_value(BGNBD, GG, SUMMARY, **kwargs)


def test_summary_without_monetary_value_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['monetary_value'\]"):
        customer_lifetime_value(BGNBD, GG, SUMMARY.drop(columns=["monetary_value"]))
