"""The Sales and Customers pages read pre-aggregated marts (finance_sales_daily/_monthly,
customer_cohort_retention); on the real world warehouse they give exactly what a direct scan of
the facts gives, whatever the filters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from app import db
from app.queries import customers as customer_queries
from app.queries import sales as sales_queries

MEASURES = ["revenue", "margin", "units", "orders"]

# Every purchase line, the customer's tier when the order was placed; grouped as the page needs.
LINES_SCAN = """
with lines as (
    select
        items.ordered_date, products.department_name, products.category_name,
        products.brand_name, geographies.state, geographies.city, geographies.latitude,
        geographies.longitude, items.order_id, items.quantity, items.line_total, items.line_margin
    from marts.fct_order_items as items
    inner join marts.fct_orders as orders on items.order_key = orders.order_key
    inner join marts.dim_channels as channels on items.channel_key = channels.channel_key
    inner join marts.dim_products as products on items.product_key = products.product_key
    inner join marts.dim_geography as geographies
        on items.geography_key = geographies.geography_key
    inner join marts.dim_customer_versions as versions
        on orders.customer_id = versions.customer_id
        and (orders.ordered_at >= versions.valid_from or versions.version_number = 1)
        and (orders.ordered_at < versions.valid_to or versions.valid_to is null)
    where
        orders.is_purchase
        and items.ordered_date between %(start)s and %(end)s
        and channels.sales_channel = any(%(channels)s)
        and versions.loyalty_tier = any(%(segments)s)
)
select
    case
        when grouping(category_name) = 0 then 'categories'
        when grouping(brand_name) = 0 then 'brands'
        when grouping(city) = 0 then 'cities'
        when grouping(ordered_date) = 0 then 'days'
        else 'total'
    end as part,
    department_name, category_name, brand_name, state, city, latitude, longitude,
    ordered_date,
    sum(line_total) as revenue, sum(line_margin) as margin,
    sum(quantity) as units, count(distinct order_id) as orders
from lines
group by grouping sets (
    (department_name, category_name), (brand_name),
    (state, city, latitude, longitude), (ordered_date), ()
)
"""

ORDERS_SCAN = """
with purchases as (
    select distinct orders.customer_id, date_trunc('month', orders.ordered_date)::date as month
    from marts.fct_orders as orders
    inner join marts.customer_360 as customers on orders.customer_id = customers.customer_id
    where orders.is_purchase
        and customers.loyalty_tier = any(%(tiers)s) and customers.region = any(%(regions)s)
),
cohorts as (
    select customer_id, min(month) as cohort_month from purchases group by customer_id
)
select
    cohorts.cohort_month,
    (extract(year from age(purchases.month, cohorts.cohort_month)) * 12
        + extract(month from age(purchases.month, cohorts.cohort_month)))::int
        as months_since_first,
    count(*) as customers
from purchases
inner join cohorts on purchases.customer_id = cohorts.customer_id
group by 1, 2
order by 1, 2
"""


def _canonical(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame[[*keys, *MEASURES]].copy()
    out[MEASURES] = out[MEASURES].astype(float).round(2)
    return out.sort_values(keys, ignore_index=True)


def _month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


# (start, end) from the data's (first day, last day)
RANGES = {
    "last-364-days": lambda first, last: (last - dt.timedelta(days=364), last),
    "everything": lambda first, last: (first, last),
    "inside-one-month": lambda first, last: (
        _month_start(last, 2) + dt.timedelta(days=4),
        _month_start(last, 2) + dt.timedelta(days=19),
    ),
    "whole-months-then-days": lambda first, last: (
        _month_start(last, 4),
        _month_start(last, 1) + dt.timedelta(days=16),
    ),
    "days-then-whole-months": lambda first, last: (
        _month_start(last, 5) + dt.timedelta(days=9),
        _month_start(last, 1) - dt.timedelta(days=1),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("dates", RANGES)
@pytest.mark.parametrize(
    ("channels", "segments"),
    [(None, None), (["web"], ["bronze", "silver"])],
    ids=["all-filters", "web-bronze-silver"],
)
def test_sales_marts_equal_a_scan_of_the_order_lines(
    world_app, app_world, dates, channels, segments
):
    options = sales_queries.options(app_world.url)
    start, end = RANGES[dates](options.first_day, options.last_day)
    channels = channels or options.channels
    segments = segments or options.segments
    got = sales_queries.sales(app_world.url, start, end, channels, segments)
    scan = db.fetch(
        app_world.url,
        LINES_SCAN,
        {"start": start, "end": end, "channels": channels, "segments": segments},
    )
    assert got.total["orders"] > 0

    def expected(part: str, keys: list[str]) -> pd.DataFrame:
        return _canonical(scan.loc[scan["part"] == part], keys)

    total = scan.loc[scan["part"] == "total", MEASURES].astype(float).iloc[0]
    assert got.total.astype(float).round(2).to_dict() == total.round(2).to_dict()
    pd.testing.assert_frame_equal(
        _canonical(got.categories, ["department_name", "category_name"]),
        expected("categories", ["department_name", "category_name"]),
    )
    pd.testing.assert_frame_equal(
        _canonical(got.brands, ["brand_name"]), expected("brands", ["brand_name"])
    )
    city_keys = ["state", "city", "latitude", "longitude"]
    pd.testing.assert_frame_equal(
        _canonical(got.cities, city_keys).astype(
            {"latitude": float, "longitude": float}
        ),
        expected("cities", city_keys).astype({"latitude": float, "longitude": float}),
    )
    days = got.days.assign(ordered_date=got.days["ordered_date"].dt.date)
    pd.testing.assert_frame_equal(
        _canonical(days, ["ordered_date"]), expected("days", ["ordered_date"])
    )


@pytest.mark.slow
def test_cohort_mart_equals_a_scan_of_the_orders(world_app, app_world):
    tiers, regions = customer_queries.filter_options(app_world.url)
    for picked_tiers, picked_regions in [
        (tiers, regions),
        (tiers[:1], regions),
        (tiers[1:3], regions[:2]),
    ]:
        params = {"tiers": picked_tiers, "regions": picked_regions}
        got = db.fetch(app_world.url, customer_queries.COHORTS, params)
        scan = db.fetch(app_world.url, ORDERS_SCAN, params)
        assert len(scan) > 0
        pd.testing.assert_frame_equal(got, scan, check_dtype=False)


def test_whole_months_of_a_date_range():
    months = sales_queries.whole_months
    assert months(dt.date(2024, 12, 31), dt.date(2025, 12, 30)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 1),
    )
    assert months(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == (
        dt.date(2025, 1, 1),
        dt.date(2026, 1, 1),
    )
    assert months(dt.date(2024, 2, 1), dt.date(2024, 2, 29)) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    )
    # no whole month: an empty range, so every day comes from the daily mart
    assert months(dt.date(2025, 3, 5), dt.date(2025, 4, 20)) == (
        dt.date(2025, 3, 5),
        dt.date(2025, 3, 5),
    )
    assert months(dt.date(2025, 3, 5), dt.date(2025, 3, 5)) == (
        dt.date(2025, 3, 5),
        dt.date(2025, 3, 5),
    )
