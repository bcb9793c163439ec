"""SQL behind the Customers & CLV page: cohorts, RFM segments, CLV, top customers.

Cohorts come pre-aggregated from `marts.customer_cohort_retention` (cohort month x months since
x current loyalty tier x region); a customer has one tier and region, so the counts add up.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from app import db
from app.coverage import NOT_RECORDED
from contracts.ml_outputs import CUSTOMER_CLV

FILTER_OPTIONS = f"""
select
    array_agg(distinct coalesce(loyalty_tier, {NOT_RECORDED!r})) as tiers,
    array_agg(distinct coalesce(region, {NOT_RECORDED!r})) as regions
from marts.customer_360
"""

COHORTS = f"""
select
    cohort_month,
    months_since_first_purchase as months_since_first,
    sum(customer_count)::bigint as customers
from marts.customer_cohort_retention
where coalesce(loyalty_tier, {NOT_RECORDED!r}) = any(%(tiers)s)
    and coalesce(region, {NOT_RECORDED!r}) = any(%(regions)s)
group by cohort_month, months_since_first_purchase
order by cohort_month, months_since_first_purchase
"""

SEGMENTS = f"""
select
    coalesce(rfm_segment, 'no purchase') as rfm_segment,
    count(*) as customers,
    sum(total_spend) as total_spend,
    round(avg(total_spend), 2) as average_spend,
    round(avg(purchase_count), 2) as average_orders,
    round(avg(recency_days), 1) as average_recency_days
from marts.customer_360
where coalesce(loyalty_tier, {NOT_RECORDED!r}) = any(%(tiers)s)
    and coalesce(region, {NOT_RECORDED!r}) = any(%(regions)s)
group by 1
order by customers desc
"""

CLV = f"""
select
    clv.customer_id, clv.clv_12m, clv.p_alive, clv.expected_purchases_90d,
    clv.expected_avg_order_value, clv.frequency, clv.observation_end
from {CUSTOMER_CLV.qualified_name} as clv
inner join marts.customer_360 as customers on clv.customer_id = customers.customer_id
where coalesce(customers.loyalty_tier, {NOT_RECORDED!r}) = any(%(tiers)s)
    and coalesce(customers.region, {NOT_RECORDED!r}) = any(%(regions)s)
"""

TOP_CUSTOMERS = """
select
    customers.customer_id,
    customers.loyalty_tier,
    customers.region,
    customers.state,
    customers.rfm_segment,
    customers.purchase_count,
    customers.total_spend,
    customers.last_purchase_date
    {clv_columns}
from marts.customer_360 as customers
{clv_join}
where coalesce(customers.loyalty_tier, {not_recorded}) = any(%(tiers)s)
    and coalesce(customers.region, {not_recorded}) = any(%(regions)s)
    and customers.has_purchased
order by {order_by} desc nulls last
limit %(limit)s
"""


def filter_options(url: str) -> tuple[list[str], list[str]]:
    """(loyalty tiers, regions) present in customer_360; a customer without one (optional
    column, or no geography delivered) counts as NOT_RECORDED."""
    row = db.query(url, FILTER_OPTIONS).iloc[0]
    return sorted(row["tiers"] or []), sorted(row["regions"] or [])


def _params(tiers: Sequence[str], regions: Sequence[str], **extra) -> dict:
    return {"tiers": list(tiers), "regions": list(regions), **extra}


def cohort_retention(
    url: str, tiers: Sequence[str], regions: Sequence[str]
) -> pd.DataFrame:
    """Share of each monthly first-purchase cohort buying again N months later (cohort x N)."""
    frame = db.query(url, COHORTS, _params(tiers, regions))
    if frame.empty:
        return pd.DataFrame()
    counts = frame.pivot(
        index="cohort_month", columns="months_since_first", values="customers"
    )
    retention = counts.div(counts[0], axis=0)
    retention.index = [f"{d:%Y-%m}" for d in retention.index]
    retention.index.name = "first purchase month"
    retention.columns.name = "months since first purchase"
    retention.insert(0, "cohort_size", counts[0].to_numpy())
    return retention


def rfm_segments(
    url: str, tiers: Sequence[str], regions: Sequence[str]
) -> pd.DataFrame:
    return db.query(url, SEGMENTS, _params(tiers, regions))


def clv(url: str, tiers: Sequence[str], regions: Sequence[str]) -> pd.DataFrame:
    """`ml.customer_clv` rows of the selected customers (RelationMissing when absent)."""
    return db.query(url, CLV, _params(tiers, regions))


def top_customers(
    url: str,
    tiers: Sequence[str],
    regions: Sequence[str],
    *,
    with_clv: bool,
    limit: int = 50,
) -> pd.DataFrame:
    """Customers with the highest predicted CLV (when available) else the highest spend."""
    statement = TOP_CUSTOMERS.format(
        clv_columns=", clv.clv_12m, clv.p_alive" if with_clv else "",
        clv_join=f"left join {CUSTOMER_CLV.qualified_name} as clv"
        " on customers.customer_id = clv.customer_id"
        if with_clv
        else "",
        order_by="clv.clv_12m" if with_clv else "customers.total_spend",
        not_recorded=repr(NOT_RECORDED),
    )
    return db.query(url, statement, _params(tiers, regions, limit=limit))
