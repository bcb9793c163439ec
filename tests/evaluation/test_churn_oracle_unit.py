"""The churn oracles on a toy planted truth: the clairvoyant and the Bayes (BG/NBD) oracle."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from evaluation.churn_oracle import (
    GroundTruth,
    OracleAUC,
    OracleBar,
    bayes_churn_probability,
    clairvoyant_churn_probability,
)


def _toy_truth() -> GroundTruth:
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "signup": pd.to_datetime(["2024-01-01"] * 3 + ["2024-12-01"], utc=True),
            "lambda": [0.5, 0.5, 0.05, 0.5],
            "dropout_at": pd.to_datetime([None, "2024-03-01", None, None], utc=True),
        }
    )
    return GroundTruth(
        customers,
        pd.Series({10: "base", 11: "campaign"}),
        1.6,
        5.0,
        1.0,
        12.0,
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
    )


def test_clairvoyant_oracle():
    p = clairvoyant_churn_probability(_toy_truth(), dt.date(2024, 6, 1), 90)
    assert p[2] == 1.0  # dropped out before the cutoff
    assert p[1] == pytest.approx(np.exp(-0.5 * 90 / 7))
    assert p[3] > p[1]  # slower buyer, more likely quiet


def test_bayes_oracle():
    truth = _toy_truth()
    orders = pd.DataFrame(
        {
            "order_id": [10, 11, 12, 13],
            "customer_id": [1, 1, 2, 2],
            "ordered_at": pd.to_datetime(
                ["2024-05-30", "2024-05-31", "2024-01-10", "2024-02-01"], utc=True
            ),
        }
    )
    p = bayes_churn_probability(truth, orders, dt.date(2024, 6, 1), 90)
    # customer 1: one base purchase (the campaign order does not count), two days ago;
    # customer 2: silent for four months; customer 3: never bought -> alive for sure
    assert p[1] < p[2]
    assert 0 < p[3] < 1 and np.isnan(p[4])  # 4 signed up after the cutoff
    with pytest.raises(ValueError, match="past the generator window"):
        bayes_churn_probability(truth, orders, dt.date(2024, 12, 1), 90)


def test_oracle_bar_parts():
    bar = OracleBar()
    oracle = OracleAUC(bayes=0.92, clairvoyant=0.98)
    ok = bar.check({"accuracy": 0.86, "roc_auc": 0.90}, oracle)
    assert ok["passed"] and ok["oracle_ratio"] == pytest.approx(0.90 / 0.92)
    low = bar.check({"accuracy": 0.80, "roc_auc": 0.91}, oracle)
    assert low["accuracy_ok"] is False and not low["passed"]
    weak = bar.check({"accuracy": 0.90, "roc_auc": 0.85}, oracle)
    assert weak["auc_ok"] is False and not weak["passed"]
