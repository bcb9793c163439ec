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
    # Training cutoffs step back by the horizon: D - 42 - k * 42 for k = 3..1, so the earliest
    # training cutoff (D - 168 days, early July 2017) still has six months of history behind it
    # in a dataset that covers one year.
    "ml_train_cutoff_count": 3,
    "ml_cutoff_step_days": 42,
}
