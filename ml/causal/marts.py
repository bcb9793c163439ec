"""The causal analyses' datasets, rebuilt from the warehouse marts (and nothing below them).

Two questions, both read only from `marts.*` (dbt) tables:

- **Campaign** (`campaign_dataset`): did a targeted campaign raise the net revenue of the
  customers it reached? One row per eligible customer (signed up before the campaign's start
  and opted in to marketing), treated = exposed to the campaign, outcome = net revenue
  (`order_total` of non-cancelled orders) in the `outcome_days` from the start date, and
  covariates computed only from what was known before the start date (orders and net revenue
  in the `lookback_days` before it, tenure, loyalty tier).
- **Rollout** (`rollout_panel`): did free shipping in some regions raise purchase frequency?
  One row per customer and week around the rollout date: orders (any status) that week. The
  regions and the date are found in the orders themselves (`detect_rollout`).

No planted truth is read here; comparing estimates with it is `evaluation/`'s job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The marts the causal datasets read.
REQUIRED_MARTS = (
    "marts.fct_orders",
    "marts.fct_campaign_exposures",
    "marts.dim_customers",
    "marts.dim_campaigns",
    "marts.dim_geography",
)


class WarehouseDataError(RuntimeError):
    """The warehouse lacks the marts or the rows an analysis dataset needs."""


class NotIdentifiable(WarehouseDataError):
    """The marts are built but the data cannot answer the question (no campaign, no
    exposures, no unexposed customers, no rollout): an answer, not a failure."""


def require_marts(url: str, tables: tuple[str, ...] = REQUIRED_MARTS) -> None:
    """Raise WarehouseDataError naming every missing mart (run `dbt build` first)."""
    from warehouse.reading import missing_relations

    missing = missing_relations(url, tables)
    if missing:
        raise WarehouseDataError(
            f"the warehouse is missing {missing}: build the dbt marts first "
            "(`ecom dbt build` or `dbt build --select +fct_orders +fct_campaign_exposures`)"
        )


def query(url: str, sql: str, params: dict | tuple | None = None) -> pd.DataFrame:
    """Run one SELECT and return its rows as a DataFrame (column names from the cursor)."""
    from warehouse.reading import read_frame

    return read_frame(url, sql, params)


#: Loyalty tiers in rank order (the segment of the heterogeneity analysis).
TIERS = ("bronze", "silver", "gold", "platinum")
#: Pre-treatment covariates of the campaign question (the confounders of its targeting).
CAMPAIGN_COVARIATES = [
    "log_orders_lookback",
    "log_net_revenue_lookback",
    "tenure_years",
    "tier_rank",
]
CAMPAIGN_SEGMENT = "loyalty_tier"


@dataclass(frozen=True)
class CampaignDesign:
    """Which campaign, when it started, and the outcome/covariate windows (days)."""

    campaign_id: int
    campaign_name: str
    start_date: dt.date
    outcome_days: int = 30
    lookback_days: int = 180


def campaign_design(
    url: str,
    campaign_id: int | None = None,
    outcome_days: int = 30,
    lookback_days: int = 180,
) -> CampaignDesign:
    """The campaign to analyse: `campaign_id`, or (None) the one that reached most customers.

    Targeted campaigns reach far more customers than the untargeted background campaigns, so
    the default picks the targeted one without reading anything outside the warehouse.
    """
    if outcome_days < 1 or lookback_days < 1:
        raise ValueError(
            f"outcome_days and lookback_days must be >= 1, got {outcome_days}, {lookback_days}"
        )
    require_marts(url)
    campaigns = query(
        url,
        """
        select c.campaign_id, c.campaign_name, c.start_date,
               count(distinct e.customer_id) as n_exposed
        from marts.dim_campaigns as c
        left join marts.fct_campaign_exposures as e on e.campaign_id = c.campaign_id
        group by c.campaign_id, c.campaign_name, c.start_date
        order by n_exposed desc, c.campaign_id
        """,
    )
    if campaigns.empty:
        raise NotIdentifiable(
            "marts.dim_campaigns is empty: this shop delivered no campaigns to analyse"
        )
    if campaign_id is None:
        row = campaigns.iloc[0]
    else:
        match = campaigns[campaigns["campaign_id"] == campaign_id]
        if match.empty:
            raise ValueError(
                f"campaign_id {campaign_id} is not in marts.dim_campaigns "
                f"(have {sorted(campaigns['campaign_id'].tolist())})"
            )
        row = match.iloc[0]
    if int(row["n_exposed"]) == 0:
        raise NotIdentifiable(
            f"campaign {int(row['campaign_id'])} has no exposures in marts.fct_campaign_exposures"
        )
    return CampaignDesign(
        campaign_id=int(row["campaign_id"]),
        campaign_name=str(row["campaign_name"]),
        start_date=row["start_date"],
        outcome_days=outcome_days,
        lookback_days=lookback_days,
    )


_CAMPAIGN_SQL = """
with

params as (
    select
        (%(start)s::date)::timestamp at time zone 'UTC' as start_at,
        ((%(start)s::date)::timestamp at time zone 'UTC')
            + make_interval(days => %(outcome_days)s) as outcome_end_at,
        ((%(start)s::date)::timestamp at time zone 'UTC')
            - make_interval(days => %(lookback_days)s) as lookback_start_at
),

eligible as (
    select customers.customer_id, customers.loyalty_tier, customers.signed_up_at
    from marts.dim_customers as customers
    cross join params
    -- a shop that does not export marketing consent (NULL) could reach every customer
    where customers.signed_up_at < params.start_at
        and coalesce(customers.is_marketing_opt_in, true)
),

exposed as (
    select distinct customer_id
    from marts.fct_campaign_exposures
    where campaign_id = %(campaign_id)s
),

purchases as (
    select orders.customer_id, orders.ordered_at, orders.order_total
    from marts.fct_orders as orders
    inner join eligible on orders.customer_id = eligible.customer_id
    where orders.order_status <> 'cancelled'
),

windows as (
    select
        purchases.customer_id,
        count(*) filter (
            where purchases.ordered_at >= params.lookback_start_at
            and purchases.ordered_at < params.start_at
        ) as orders_lookback,
        coalesce(sum(purchases.order_total) filter (
            where purchases.ordered_at >= params.lookback_start_at
            and purchases.ordered_at < params.start_at
        ), 0) as net_revenue_lookback,
        count(*) filter (where purchases.ordered_at < params.start_at) as orders_before,
        coalesce(sum(purchases.order_total) filter (
            where purchases.ordered_at >= params.start_at
            and purchases.ordered_at < params.outcome_end_at
        ), 0) as net_revenue_outcome,
        -- the same-length windows before the start (difference-in-differences, its placebo)
        coalesce(sum(purchases.order_total) filter (
            where purchases.ordered_at >= params.start_at - (params.outcome_end_at - params.start_at)
            and purchases.ordered_at < params.start_at
        ), 0) as net_revenue_pre,
        coalesce(sum(purchases.order_total) filter (
            where purchases.ordered_at
                >= params.start_at - 2 * (params.outcome_end_at - params.start_at)
            and purchases.ordered_at < params.start_at - (params.outcome_end_at - params.start_at)
        ), 0) as net_revenue_pre2
    from purchases
    cross join params
    group by purchases.customer_id
)

select
    eligible.customer_id,
    (exposed.customer_id is not null)::int as treated,
    coalesce(windows.net_revenue_outcome, 0)::float8 as net_revenue_outcome,
    coalesce(windows.net_revenue_pre, 0)::float8 as net_revenue_pre,
    coalesce(windows.net_revenue_pre2, 0)::float8 as net_revenue_pre2,
    coalesce(windows.orders_lookback, 0)::int as orders_lookback,
    coalesce(windows.net_revenue_lookback, 0)::float8 as net_revenue_lookback,
    coalesce(windows.orders_before, 0)::int as orders_before,
    extract(epoch from params.start_at - eligible.signed_up_at)::float8
        / (365.25 * 86400) as tenure_years,
    eligible.loyalty_tier
from eligible
cross join params
left join exposed on eligible.customer_id = exposed.customer_id
left join windows on eligible.customer_id = windows.customer_id
order by eligible.customer_id
"""


def campaign_dataset(
    url: str,
    campaign_id: int | None = None,
    outcome_days: int = 30,
    lookback_days: int = 180,
) -> pd.DataFrame:
    """One row per customer eligible for the campaign, from the warehouse marts.

    Eligible: signed up before the start date (00:00 UTC) and opted in to marketing.
    Columns: customer_id, treated (0/1: exposed to the campaign), net_revenue_outcome
    (sum of order_total of non-cancelled orders in [start, start + outcome_days)),
    net_revenue_pre / net_revenue_pre2 (the same sum over the outcome_days before the start,
    and over the outcome_days before those: the DiD's pre period and its placebo),
    orders_lookback / net_revenue_lookback (non-cancelled orders and their order_total in
    the lookback_days before the start), their log1p transforms (revenue in hundreds),
    orders_before (all non-cancelled orders before the start), tenure_years, loyalty_tier
    and tier_rank (0 = bronze .. 3 = platinum). Every covariate is dated before the start.
    `df.attrs["design"]` holds the CampaignDesign.
    """
    design = campaign_design(url, campaign_id, outcome_days, lookback_days)
    df = query(
        url,
        _CAMPAIGN_SQL,
        {
            "start": design.start_date,
            "outcome_days": design.outcome_days,
            "lookback_days": design.lookback_days,
            "campaign_id": design.campaign_id,
        },
    )
    if df.empty:
        raise NotIdentifiable(
            f"no customer is eligible for campaign {design.campaign_id} "
            f"(signed up before {design.start_date} and opted in)"
        )
    unknown = sorted(set(df["loyalty_tier"].dropna()) - set(TIERS))
    if unknown:
        raise WarehouseDataError(
            f"marts.dim_customers.loyalty_tier has unknown values {unknown}"
        )
    n_treated = int(df["treated"].sum())
    if n_treated == 0 or n_treated == len(df):
        raise NotIdentifiable(
            f"campaign {design.campaign_id} reached {n_treated} of the {len(df)} eligible "
            "customers: with no "
            + ("exposed" if n_treated == 0 else "unexposed")
            + " customers to compare, its effect is not identifiable from these data"
        )
    df["log_orders_lookback"] = np.log1p(df["orders_lookback"])
    df["log_net_revenue_lookback"] = np.log1p(df["net_revenue_lookback"] / 100.0)
    df["tier_rank"] = df["loyalty_tier"].map({t: i for i, t in enumerate(TIERS)})
    df.attrs["design"] = design
    return df


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
        raise NotIdentifiable(
            "no free-shipping rollout found: no order below the free-shipping threshold "
            "shipped free (or no order paid shipping at all), so there is no policy change "
            "to evaluate"
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
        raise NotIdentifiable(
            f"no customer signed up before {design.weeks} weeks ahead of "
            f"{design.rollout_date}: the rollout panel is empty"
        )
    df["treated"] = df["region"].isin(design.treated_regions).astype(int)
    if df["treated"].nunique() < 2:
        raise NotIdentifiable(
            f"every region in the panel ({', '.join(sorted(set(df['region'])))}) "
            f"{'got' if df['treated'].iloc[0] else 'did not get'} the policy: with no "
            "comparison regions a difference-in-differences is not identifiable"
        )
    df["post"] = (df["week"] >= 0).astype(int)
    df["treated_post"] = df["treated"] * df["post"]
    df["start_week"] = np.where(df["treated"] == 1, 0.0, np.nan)
    df["event_time"] = df["week"] - df["start_week"]
    df["cluster_id"] = df["customer_id"]
    df.attrs["design"] = design
    return df
