"""dbt vars that suit grocery data (dbt_project/dbt_project.yml `vars`); orchestration passes
them to the warehouse build when this source fed it, under anything the caller sets."""

from __future__ import annotations

from typing import Any

RECOMMENDED_WAREHOUSE_VARS: dict[str, Any] = {
    # Grocery households shop every few days: in The Complete Journey the median gap between a
    # household's baskets is 2 days, the 95th percentile 18 days, and only 1.2% of gaps reach
    # 42 days. A household that buys nothing for six weeks is lapsing; the default 90 days
    # (an e-commerce horizon) would call almost nobody churned within a one-year dataset.
    "churn_horizon_days": 42,
    # Left at their defaults on purpose:
    # - ml_cutoff_step_days (null = the horizon, so 42 here) and ml_train_cutoff_count (3): the
    #   training cutoffs D - 42 - k * 42 (k = 3..1) reach back to D - 168 days, early July 2017,
    #   with six months of history behind them in a one-year dataset. Setting the step
    #   explicitly would also break dbt unit tests that override only the horizon (a step
    #   shorter than their horizon is refused).
    # - fiscal_year_start_month (2): grocers keep the retail calendar too.
    # - daily_revenue_swing_threshold (3.0, warns only): the first and last days are partial
    #   (the data starts 2017-01-01 11:53 and ends 2018-01-01 04:01) and may warn; every
    #   other day's revenue is steady.
}

#: The recommender's primary evaluation protocol for grocery: a household's next basket is mostly
#: what it bought before, so models are judged on all the items of the next purchases (repeats
#: included), and the trainer ships a repeat-aware champion when repeats win there.
RECOMMENDER_PROTOCOL = "all_items"
