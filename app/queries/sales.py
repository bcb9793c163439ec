"""SQL behind the Sales page: one scan of the order lines, grouped four ways."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from app import db

OPTIONS = """
select
    (select min(ordered_date) from marts.fct_orders) as first_day,
    (select max(ordered_date) from marts.fct_orders) as last_day,
    (select array_agg(sales_channel order by sales_channel) from marts.dim_channels) as channels,
    (select array_agg(distinct loyalty_tier) from marts.dim_customers) as segments
"""

SALES = """
with lines as (
    select
        items.ordered_date,
        products.department_name,
        products.category_name,
        products.brand_name,
        geographies.state,
        geographies.city,
        geographies.latitude,
        geographies.longitude,
        items.order_id,
        items.quantity,
        items.line_total,
        items.line_margin
    from marts.fct_order_items as items
    inner join marts.fct_orders as orders on items.order_key = orders.order_key
    inner join marts.dim_channels as channels on items.channel_key = channels.channel_key
    inner join marts.dim_customers as customers on items.customer_key = customers.customer_key
    inner join marts.dim_products as products on items.product_key = products.product_key
    inner join marts.dim_geography as geographies
        on items.geography_key = geographies.geography_key
    where
        orders.is_purchase
        and items.ordered_date between %(start)s and %(end)s
        and channels.sales_channel = any(%(channels)s)
        and customers.loyalty_tier = any(%(segments)s)
)
select
    case
        when grouping(category_name) = 0 then 'category'
        when grouping(brand_name) = 0 then 'brand'
        when grouping(city) = 0 then 'city'
        when grouping(ordered_date) = 0 then 'day'
        else 'total'
    end as grain,
    department_name, category_name, brand_name, state, city, latitude, longitude,
    ordered_date,
    sum(line_total) as revenue,
    sum(line_margin) as margin,
    sum(quantity) as units,
    count(distinct order_id) as orders
from lines
group by grouping sets (
    (department_name, category_name),
    (brand_name),
    (state, city, latitude, longitude),
    (ordered_date),
    ()
)
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


def sales(
    url: str,
    start: dt.date,
    end: dt.date,
    channels: Sequence[str],
    segments: Sequence[str],
) -> Sales:
    """Merchandise revenue, margin, units and orders of purchases matching the filters."""
    frame = db.query(
        url,
        SALES,
        {
            "start": start,
            "end": end,
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
        totals.iloc[0][["revenue", "margin", "units", "orders"]].astype(float).fillna(0)
        if len(totals)
        else pd.Series({"revenue": 0.0, "margin": 0.0, "units": 0, "orders": 0})
    )
    days = part("day", ["ordered_date"]).sort_values("ordered_date", ignore_index=True)
    days["ordered_date"] = pd.to_datetime(days["ordered_date"])
    return Sales(
        total=total,
        categories=part("category", ["department_name", "category_name"]),
        brands=part("brand", ["brand_name"]),
        cities=part("city", ["state", "city", "latitude", "longitude"]),
        days=days,
    )
