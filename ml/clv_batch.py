"""Batch CLV: fit BG/NBD + Gamma-Gamma (ml.clv) on the purchase history in `marts.fct_orders`
and write one row per customer to `ml.customer_clv` (replaced atomically).

Time unit: weeks (the generator's unit too). CLV is the expected discounted spend over the
next 52 weeks with an annual discount rate converted to a weekly one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from contracts.ml_outputs import CUSTOMER_CLV
from warehouse.tables import replace_table


def purchase_log(
    url: str, observation_end: dt.date | None = None
) -> tuple[pd.DataFrame, dt.date]:
    """(customer_id, ordered_at, order_total) of purchases up to `observation_end` (default: latest)."""
    from psycopg.types.numeric import FloatLoader

    from warehouse.connection import connect, scalar

    with connect(url) as conn:
        conn.adapters.register_loader("numeric", FloatLoader)
        if observation_end is None:
            observation_end = scalar(
                conn, "select max(ordered_date) from marts.fct_orders where is_purchase"
            )
            if observation_end is None:
                raise ValueError("marts.fct_orders holds no purchases")
        rows = conn.execute(
            "select customer_id, ordered_at, order_total from marts.fct_orders"
            " where is_purchase and ordered_date <= %s",
            (observation_end,),
        ).fetchall()
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "order_total"])
    return frame, observation_end


def compute_clv(
    transactions: pd.DataFrame,
    observation_end: dt.date,
    *,
    annual_discount_rate: float = 0.10,
) -> pd.DataFrame:
    """The `ml.customer_clv` rows for a (customer_id, ordered_at, order_total) purchase log."""
    from ml.clv import customer_lifetime_value, fit_bgnbd, fit_gamma_gamma, rfm_summary

    end = (
        pd.Timestamp(observation_end)
        + pd.Timedelta(days=1)
        - pd.Timedelta(microseconds=1)
    )
    summary = rfm_summary(
        transactions, "customer_id", "ordered_at", "order_total", end, freq="W"
    )
    bgnbd = fit_bgnbd(summary)
    gamma_gamma = fit_gamma_gamma(summary)
    weekly_rate = (1.0 + annual_discount_rate) ** (1.0 / 52.0) - 1.0
    value = customer_lifetime_value(
        bgnbd, gamma_gamma, summary, horizon=52, discount_rate=weekly_rate, freq="W"
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
            "observation_end": observation_end,
            "fitted_at": dt.datetime.now(dt.UTC),
        }
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
