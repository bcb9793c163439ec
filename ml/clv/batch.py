"""Batch CLV: fit the models on the purchase log in `marts.fct_orders` and replace
`ml.customer_clv` (layout: `contracts.ml_outputs.CUSTOMER_CLV`), one row per purchaser.

Time unit: weeks. CLV is the expected discounted spend over the next 52 weeks with an annual
discount rate converted to a weekly one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from contracts.ml_outputs import CUSTOMER_CLV
from ml.clv.marts import purchase_log
from ml.clv.train import FREQ, FittedCLV, fit_clv
from ml.clv.value import customer_lifetime_value
from warehouse.tables import replace_table


def clv_rows(fitted: FittedCLV, *, annual_discount_rate: float = 0.10) -> pd.DataFrame:
    """The `ml.customer_clv` rows of fitted models."""
    summary, bgnbd, gamma_gamma = fitted.summary, fitted.bgnbd, fitted.gamma_gamma
    weekly_rate = (1.0 + annual_discount_rate) ** (1.0 / 52.0) - 1.0
    value = customer_lifetime_value(
        bgnbd, gamma_gamma, summary, horizon=52, discount_rate=weekly_rate, freq=FREQ
    )
    x, t_x, big_t = (
        summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")
    )
    return pd.DataFrame(
        {
            "customer_id": summary.index.to_numpy(dtype=np.int64),
            "frequency": summary["frequency"].to_numpy(),
            "recency_weeks": t_x,
            "tenure_weeks": big_t,
            "monetary_value": summary["monetary_value"].to_numpy(),
            "p_alive": value["p_alive"].to_numpy(),
            "expected_purchases_90d": bgnbd.expected_purchases(90 / 7, x, t_x, big_t),
            "expected_avg_order_value": value["expected_spend"].to_numpy(),
            "clv_12m": value["clv"].to_numpy(),
            "bgnbd_r": bgnbd.r,
            "bgnbd_alpha": bgnbd.alpha,
            "bgnbd_a": bgnbd.a,
            "bgnbd_b": bgnbd.b,
            "gamma_gamma_p": gamma_gamma.p,
            "gamma_gamma_q": gamma_gamma.q,
            "gamma_gamma_gamma": gamma_gamma.gamma,
            "observation_end": fitted.observation_end,
            "fitted_at": dt.datetime.now(dt.UTC),
        }
    )


def compute_clv(
    transactions: pd.DataFrame,
    observation_end: dt.date,
    *,
    annual_discount_rate: float = 0.10,
) -> pd.DataFrame:
    """The `ml.customer_clv` rows for a (customer_id, ordered_at, order_total) purchase log."""
    return clv_rows(
        fit_clv(transactions, observation_end),
        annual_discount_rate=annual_discount_rate,
    )


def score_clv(
    url: str,
    *,
    observation_end: dt.date | None = None,
    annual_discount_rate: float = 0.10,
) -> int:
    """Fit the CLV models on the warehouse's purchases and replace `ml.customer_clv`; returns rows."""
    transactions, end = purchase_log(url, observation_end)
    rows = compute_clv(transactions, end, annual_discount_rate=annual_discount_rate)
    return replace_table(url, CUSTOMER_CLV, rows)
