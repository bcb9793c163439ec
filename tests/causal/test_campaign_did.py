"""The campaign's difference-in-differences on spend (exposed vs unexposed, the outcome window
against the same-length window before the start) with its placebo pre-trend check."""

from __future__ import annotations

import pytest

from ml.causal.campaign_estimates import pre_post_row
from ml.causal.marts import campaign_dataset

pytestmark = pytest.mark.slow


def test_the_estimate_is_the_difference_of_the_before_after_changes(
    causal_warehouse,
) -> None:
    df = campaign_dataset(causal_warehouse.url)
    means = df.groupby("treated")[
        ["net_revenue_pre2", "net_revenue_pre", "net_revenue_outcome"]
    ].mean()
    change = means["net_revenue_outcome"] - means["net_revenue_pre"]
    placebo = means["net_revenue_pre"] - means["net_revenue_pre2"]
    row = pre_post_row(df, {"campaign_id": df.attrs["design"].campaign_id})
    assert row["analysis"] == "campaign" and row["method"] == "did_pre_post"
    assert row["estimate"] == pytest.approx(change[1] - change[0])
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert (row["n"], row["n_treated"]) == (len(df), int(df["treated"].sum()))
    diagnostics = row["diagnostics"]
    assert diagnostics["placebo_estimate"] == pytest.approx(placebo[1] - placebo[0])
    low, high = diagnostics["placebo_ci"]
    assert diagnostics["placebo_covers_zero"] == (low <= 0 <= high)
    assert "same amount" in diagnostics["assumption"]
    assert diagnostics["window_days"] == df.attrs["design"].outcome_days


def test_the_pre_windows_end_where_the_outcome_window_starts(causal_warehouse) -> None:
    import psycopg

    df = campaign_dataset(causal_warehouse.url)
    design = df.attrs["design"]
    customer = int(df.loc[df["net_revenue_pre"] > 0, "customer_id"].iloc[0])
    with psycopg.connect(causal_warehouse.url) as conn:
        (expected,) = conn.execute(
            """select coalesce(sum(order_total), 0)::float8 from marts.fct_orders
            where customer_id = %s and order_status <> 'cancelled'
            and ordered_at >= (%s::date - %s)::timestamp at time zone 'UTC'
            and ordered_at < (%s::date)::timestamp at time zone 'UTC'""",
            (customer, design.start_date, design.outcome_days, design.start_date),
        ).fetchone()
    assert df.loc[df["customer_id"] == customer, "net_revenue_pre"].iloc[0] == (
        pytest.approx(expected)
    )
