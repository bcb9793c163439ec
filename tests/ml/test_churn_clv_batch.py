"""Batch CLV (ml.clv_batch) on the generated warehouse: one row per purchaser, sane values,
and expected purchases that track the purchases actually made in the next 90 days."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pytest

from ml.clv_batch import score_clv

pytestmark = pytest.mark.slow


def test_customer_clv_rows_and_holdout(churn_warehouse):
    end = churn_warehouse.eval_cutoff
    n = score_clv(churn_warehouse.url, observation_end=end)
    with psycopg.connect(churn_warehouse.url) as conn:
        cur = conn.execute("select * from ml.customer_clv")
        clv = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
        purchasers = conn.execute(
            "select count(distinct customer_id) from marts.fct_orders"
            " where is_purchase and ordered_date <= %s",
            (end,),
        ).fetchone()[0]
        actual = pd.Series(
            dict(
                conn.execute(
                    "select customer_id, count(*) from marts.fct_orders where is_purchase"
                    " and ordered_date > %s and ordered_date <= %s group by 1",
                    (end, end + dt.timedelta(days=90)),
                ).fetchall()
            ),
            dtype=float,
        )
    assert n == len(clv) == purchasers
    assert clv["p_alive"].between(0, 1).all() and (clv["clv_12m"] >= 0).all()
    assert clv["expected_avg_order_value"].gt(0).all()
    assert clv["bgnbd_r"].nunique() == 1 and set(clv["observation_end"]) == {end}
    actual = actual.reindex(clv["customer_id"]).fillna(0.0).to_numpy()
    expected = clv["expected_purchases_90d"].to_numpy()
    # weekly buckets count several orders in a week once, so expect at most the order count
    assert 0.5 * actual.sum() <= expected.sum() <= 1.1 * actual.sum()
    assert pd.Series(expected).corr(pd.Series(actual), method="spearman") > 0.5
