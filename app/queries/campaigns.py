"""SQL behind the Campaigns page: estimated effects and campaign performance."""

from __future__ import annotations

import pandas as pd

from app import db
from contracts.ml_outputs import CAMPAIGN_EFFECTS

EFFECTS = f"""
select analysis, method, estimand, subgroup, estimate, std_error, ci_low, ci_high, p_value,
    n, n_treated, runtime_seconds, diagnostics::text as diagnostics,
    data_batch_id, computed_at
from {CAMPAIGN_EFFECTS.qualified_name}
order by analysis, method, subgroup
"""

PERFORMANCE = """
select campaign_id, campaign_name, campaign_type, marketing_channel, start_date, end_date,
    budget_amount, exposure_count, exposed_customer_count, open_rate, click_rate,
    conversion_rate, attributed_order_count, attributed_revenue
from marts.marketing_campaign_performance
order by start_date, campaign_id
"""


def effects(url: str) -> pd.DataFrame:
    """Every row of analytics.campaign_effects (RelationMissing when absent)."""
    return db.query(url, EFFECTS)


def performance(url: str) -> pd.DataFrame:
    """Exposure, engagement and attributed revenue per campaign."""
    return db.query(url, PERFORMANCE)


def week_number(subgroup: str) -> int | None:
    """'week -3' -> -3, 'week +2' -> 2 (event-study rows)."""
    try:
        return int(str(subgroup).split()[-1])
    except (ValueError, IndexError):
        return None
