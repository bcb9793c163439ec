"""The rollout question's panel, rebuilt from the warehouse marts.

Did free shipping in some regions raise purchase frequency? One row per customer and week
around the rollout date: orders (any status) that week. The regions and the date are found
in the orders themselves (`detect_rollout`): below the usual free-shipping threshold, orders
pay shipping except where the policy applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.causal.warehouse_data import WarehouseDataError, query, require_marts


@dataclass(frozen=True)
class RolloutDesign:
    """Regions that got the policy and the first day it applied."""

    treated_regions: tuple[str, ...]
    rollout_date: dt.date
    weeks: int = 12


def detect_rollout(url: str, weeks: int = 12) -> RolloutDesign:
    """Find a free-shipping rollout in the orders: regions whose small orders ship free.

    Orders below the usual free-shipping threshold pay shipping, except where the policy
    applies. The threshold is taken as the largest items_subtotal that ever paid shipping;
    a region is treated if any order at or below it shipped free, and the rollout date is
    the first day such an order appears (the policy's first day, up to days without orders).
    """
    require_marts(url, ("marts.fct_orders", "marts.dim_geography"))
    rows = query(
        url,
        """
        with threshold as (
            select max(items_subtotal) as paid_max
            from marts.fct_orders where shipping_amount > 0
        )
        select geography.region, min(orders.ordered_date) as first_free_date,
               count(*) as n_orders
        from marts.fct_orders as orders
        inner join marts.dim_geography as geography
            on orders.geography_key = geography.geography_key
        cross join threshold
        where orders.shipping_amount = 0 and orders.items_subtotal <= threshold.paid_max
        group by geography.region
        order by geography.region
        """,
    )
    if rows.empty:
        raise WarehouseDataError(
            "no free-shipping rollout found: every order below the free-shipping "
            "threshold paid shipping"
        )
    return RolloutDesign(
        treated_regions=tuple(rows["region"]),
        rollout_date=min(rows["first_free_date"]),
        weeks=weeks,
    )


_ROLLOUT_SQL = """
with

params as (
    select
        (%(rollout)s::date)::timestamp at time zone 'UTC' as rollout_at,
        ((%(rollout)s::date)::timestamp at time zone 'UTC')
            - make_interval(weeks => %(weeks)s) as pre_start_at,
        ((%(rollout)s::date)::timestamp at time zone 'UTC')
            + make_interval(weeks => %(weeks)s) as post_end_at
),

panel_customers as (
    select customers.customer_id, geography.region
    from marts.dim_customers as customers
    inner join marts.dim_geography as geography
        on customers.geography_key = geography.geography_key
    cross join params
    where customers.signed_up_at < params.pre_start_at
),

weekly as (
    select
        orders.customer_id,
        floor(extract(epoch from orders.ordered_at - params.rollout_at) / 604800)::int as week,
        count(*) as orders
    from marts.fct_orders as orders
    inner join panel_customers on orders.customer_id = panel_customers.customer_id
    cross join params
    where orders.ordered_at >= params.pre_start_at and orders.ordered_at < params.post_end_at
    group by 1, 2
)

select
    panel_customers.customer_id,
    panel_customers.region,
    weeks.week,
    coalesce(weekly.orders, 0)::float8 as orders
from panel_customers
cross join generate_series(-%(weeks)s, %(weeks)s - 1) as weeks (week)
left join weekly
    on panel_customers.customer_id = weekly.customer_id and weeks.week = weekly.week
order by panel_customers.customer_id, weeks.week
"""


def rollout_panel(url: str, design: RolloutDesign | None = None) -> pd.DataFrame:
    """Customer x week panel around the rollout, from the warehouse marts.

    Customers: signed up before the pre window (rollout - weeks). Weeks are 7-day periods
    counted from the rollout date (00:00 UTC), -weeks .. weeks-1. Columns: customer_id,
    region, week, orders (orders of any status that week), treated (customer's region got
    the policy), post (week >= 0), treated_post, start_week (0 for treated customers, NaN
    otherwise: what `event_study` takes), event_time (week - start_week) and cluster_id
    (the customer: the unit whose errors are serially correlated). `df.attrs["design"]`
    holds the RolloutDesign; by default it is detected from the orders (`detect_rollout`).
    """
    design = design or detect_rollout(url)
    if design.weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {design.weeks}")
    require_marts(
        url, ("marts.fct_orders", "marts.dim_customers", "marts.dim_geography")
    )
    df = query(
        url,
        _ROLLOUT_SQL,
        {"rollout": design.rollout_date, "weeks": design.weeks},
    )
    if df.empty:
        raise WarehouseDataError(
            f"no customer signed up before {design.weeks} weeks ahead of "
            f"{design.rollout_date}: the rollout panel is empty"
        )
    df["treated"] = df["region"].isin(design.treated_regions).astype(int)
    df["post"] = (df["week"] >= 0).astype(int)
    df["treated_post"] = df["treated"] * df["post"]
    df["start_week"] = np.where(df["treated"] == 1, 0.0, np.nan)
    df["event_time"] = df["week"] - df["start_week"]
    df["cluster_id"] = df["customer_id"]
    df.attrs["design"] = design
    return df
