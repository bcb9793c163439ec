"""SQL behind the Sales page: the pre-aggregated sales marts, never the order lines.

`marts.finance_sales_daily` holds, per order date x sales channel x loyalty tier at order time,
the total and the category / brand / ship-to breakdowns (its `grain` column);
`marts.finance_sales_monthly` the same per calendar month. The breakdowns of a date range read
the monthly rows of its whole months and the daily rows of the days around them; the trend and
the totals read the daily `total` rows. Distinct orders add up over dates, channels, tiers and
ship-to areas (an order has one of each), so each summed `order_count` equals the
count(distinct order_id) a scan of the lines gives for the same category, brand, city or day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from app import db
from app.coverage import NOT_RECORDED

OPTIONS = f"""
select
    (select min(ordered_date) from marts.finance_sales_daily) as first_day,
    (select max(ordered_date) from marts.finance_sales_daily) as last_day,
    (select array_agg(sales_channel order by sales_channel) from marts.dim_channels) as channels,
    (
        -- the tier is an optional column: customers without one are a segment of their own
        select array_agg(distinct coalesce(loyalty_tier, {NOT_RECORDED!r}))
        from marts.finance_sales_monthly
        where grain = 'total'
    ) as segments
"""

SALES = f"""
with breakdowns as (
    -- the whole months of the range from the monthly mart ...
    select grain, category_id, brand_id, geography_key, order_count, unit_count,
        gross_revenue, gross_margin
    from marts.finance_sales_monthly
    where
        grain <> 'total'
        and ordered_month >= %(months_from)s and ordered_month < %(months_until)s
        and sales_channel = any(%(channels)s)
        and coalesce(loyalty_tier, {NOT_RECORDED!r}) = any(%(segments)s)
    union all
    -- ... and its days before and after them from the daily one
    select grain, category_id, brand_id, geography_key, order_count, unit_count,
        gross_revenue, gross_margin
    from marts.finance_sales_daily
    where
        grain <> 'total'
        and (
            (ordered_date >= %(start)s and ordered_date < %(months_from)s)
            or (ordered_date >= %(months_until)s and ordered_date <= %(end)s)
        )
        and sales_channel = any(%(channels)s)
        and coalesce(loyalty_tier, {NOT_RECORDED!r}) = any(%(segments)s)
),
days as (
    select
        ordered_date,
        sum(gross_revenue) as revenue, sum(gross_margin) as margin,
        sum(unit_count)::bigint as units, sum(order_count)::bigint as orders
    from marts.finance_sales_daily
    where
        grain = 'total'
        and ordered_date between %(start)s and %(end)s
        and sales_channel = any(%(channels)s)
        and coalesce(loyalty_tier, {NOT_RECORDED!r}) = any(%(segments)s)
    group by ordered_date
),
categories as (
    select distinct category_id, department_name, category_name from marts.dim_products
),
brands as (
    select distinct brand_id, brand_name from marts.dim_products
)
select
    'category' as grain,
    categories.department_name, categories.category_name,
    null as brand_name, null as state, null as city,
    null::double precision as latitude, null::double precision as longitude,
    null::date as ordered_date,
    sum(breakdowns.gross_revenue) as revenue, sum(breakdowns.gross_margin) as margin,
    sum(breakdowns.unit_count)::bigint as units, sum(breakdowns.order_count)::bigint as orders
from breakdowns
left join categories on breakdowns.category_id = categories.category_id
where breakdowns.grain = 'category'
group by categories.department_name, categories.category_name
union all
select
    'brand', null, null, brands.brand_name, null, null, null, null, null,
    sum(breakdowns.gross_revenue), sum(breakdowns.gross_margin),
    sum(breakdowns.unit_count)::bigint, sum(breakdowns.order_count)::bigint
from breakdowns
left join brands on breakdowns.brand_id = brands.brand_id
where breakdowns.grain = 'brand'
group by brands.brand_name
union all
select
    'city', null, null, null,
    geographies.state, geographies.city, geographies.latitude, geographies.longitude, null,
    sum(breakdowns.gross_revenue), sum(breakdowns.gross_margin),
    sum(breakdowns.unit_count)::bigint, sum(breakdowns.order_count)::bigint
from breakdowns
inner join marts.dim_geography as geographies
    on breakdowns.geography_key = geographies.geography_key
where breakdowns.grain = 'geography'
group by geographies.state, geographies.city, geographies.latitude, geographies.longitude
union all
select 'day', null, null, null, null, null, null, null, ordered_date, revenue, margin, units, orders
from days
union all
select
    'total', null, null, null, null, null, null, null, null,
    sum(revenue), sum(margin), sum(units)::bigint, sum(orders)::bigint
from days
"""


@dataclass(frozen=True)
class SalesOptions:
    first_day: dt.date
    last_day: dt.date
    channels: list[str]
    segments: list[str]


@dataclass(frozen=True)
class Sales:
    total: pd.Series
    categories: pd.DataFrame
    brands: pd.DataFrame
    cities: pd.DataFrame
    days: pd.DataFrame


def options(url: str) -> SalesOptions:
    """Date bounds, sales channels and customer segments (loyalty tiers) to filter by."""
    row = db.query(url, OPTIONS).iloc[0]
    return SalesOptions(
        row["first_day"],
        row["last_day"],
        list(row["channels"] or []),
        sorted(row["segments"] or []),
    )


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """[from, until): the first days of the calendar months lying wholly inside [start, end]
    (an empty range, from == until, when there are none)."""
    first = (
        start
        if start.day == 1
        else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    )
    until = (end + dt.timedelta(days=1)).replace(day=1)
    return (first, until) if first < until else (start, start)


def sales(
    url: str,
    start: dt.date,
    end: dt.date,
    channels: Sequence[str],
    segments: Sequence[str],
) -> Sales:
    """Merchandise revenue, margin, units and orders of purchases matching the filters
    (segment = the customer's loyalty tier when the order was placed)."""
    months_from, months_until = whole_months(start, end)
    frame = db.query(
        url,
        SALES,
        {
            "start": start,
            "end": end,
            "months_from": months_from,
            "months_until": months_until,
            "channels": list(channels),
            "segments": list(segments),
        },
    )

    def part(grain: str, columns: list[str]) -> pd.DataFrame:
        out = frame.loc[
            frame["grain"] == grain, [*columns, "revenue", "margin", "units", "orders"]
        ]
        return out.sort_values("revenue", ascending=False, ignore_index=True)

    totals = frame.loc[frame["grain"] == "total"]
    total = (
        totals.iloc[0][["revenue", "margin", "units", "orders"]].astype(float)
        if len(totals)
        else pd.Series({"revenue": 0.0, "margin": 0.0, "units": 0, "orders": 0})
    )
    # no purchases match: real zeros; a margin that stays null is unknown (no unit costs)
    total[["revenue", "units", "orders"]] = total[
        ["revenue", "units", "orders"]
    ].fillna(0)
    total = total.astype(object).where(total.notna(), None)
    days = part("day", ["ordered_date"]).sort_values("ordered_date", ignore_index=True)
    days["ordered_date"] = pd.to_datetime(days["ordered_date"])
    return Sales(
        total=total,
        categories=part("category", ["department_name", "category_name"]),
        brands=part("brand", ["brand_name"]),
        cities=part("city", ["state", "city", "latitude", "longitude"]),
        days=days,
    )
