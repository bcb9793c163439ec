"""SQL behind the Overview page (one KPI row, daily trend, revenue by dimension)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from app import db
from app.metrics import Period

DATA_END = "select max(revenue_date) as data_end from marts.finance_orders_daily"

KPI_ROW = """
with bounds as (
    select %(cs)s::date as cs, %(ce)s::date as ce, %(ps)s::date as ps, %(pe)s::date as pe
),
orders as (
    select
        sum(order_total) filter (where revenue_date >= cs) as cur_revenue,
        sum(order_total) filter (where revenue_date <= pe) as prev_revenue,
        sum(order_count) filter (where revenue_date >= cs) as cur_orders,
        sum(order_count) filter (where revenue_date <= pe) as prev_orders
    from marts.finance_orders_daily cross join bounds
    where revenue_date between ps and ce
),
customers as (
    select
        count(distinct customer_id) filter (where ordered_date >= cs) as cur_active_customers,
        count(distinct customer_id) filter (where ordered_date <= pe) as prev_active_customers
    from marts.fct_orders cross join bounds
    where is_purchase and ordered_date between ps and ce
),
sessions as (
    select
        coalesce(sum(session_count) filter (where started_date >= cs), 0)::bigint
            as cur_sessions,
        coalesce(sum(session_count) filter (where started_date <= pe), 0)::bigint
            as prev_sessions,
        coalesce(sum(converted_session_count) filter (where started_date >= cs), 0)::bigint
            as cur_converted_sessions,
        coalesce(sum(converted_session_count) filter (where started_date <= pe), 0)::bigint
            as prev_converted_sessions
    from marts.marketing_sessions_daily cross join bounds
    where started_date between ps and ce
),
units as (
    select
        sum(unit_count) filter (where revenue_date >= cs) as cur_units,
        sum(unit_count) filter (where revenue_date <= pe) as prev_units
    from marts.finance_revenue_daily cross join bounds
    where revenue_date between ps and ce
),
returns as (
    select
        sum(returned_unit_count) filter (where return_date >= cs) as cur_returned_units,
        sum(returned_unit_count) filter (where return_date <= pe) as prev_returned_units
    from marts.finance_returns_daily cross join bounds
    where return_date between ps and ce
)
select * from orders, customers, sessions, units, returns
"""

DAILY = """
select
    revenue_date as day,
    sum(order_total) as revenue,
    sum(order_count) as orders
from marts.finance_orders_daily
where revenue_date between %(ps)s and %(ce)s
group by revenue_date
order by revenue_date
"""

BY_DIMENSION = """
select department_name, sales_channel, region, sum(gross_revenue) as revenue
from marts.finance_revenue_daily
where revenue_date between %(cs)s and %(ce)s
group by grouping sets ((department_name), (sales_channel), (region))
"""


def _params(current: Period, previous: Period) -> dict[str, dt.date]:
    return {
        "cs": current.start,
        "ce": current.end,
        "ps": previous.start,
        "pe": previous.end,
    }


def data_end(url: str, *, live: bool = False) -> dt.date | None:
    """The last day with orders (the Overview's 'today')."""
    frame = db.fetch(url, DATA_END) if live else db.query(url, DATA_END)
    value = frame["data_end"].iloc[0] if len(frame) else None
    return value if isinstance(value, dt.date) else None


def kpi_row(url: str, current: Period, previous: Period, *, live: bool = False) -> dict:
    """cur_*/prev_* revenue, orders, active customers, sessions, conversions, units, returns."""
    params = _params(current, previous)
    frame = db.fetch(url, KPI_ROW, params) if live else db.query(url, KPI_ROW, params)
    return frame.iloc[0].to_dict()


def daily(url: str, current: Period, previous: Period) -> pd.DataFrame:
    """Revenue and orders per day over both periods, with a `period` column."""
    frame = db.query(url, DAILY, _params(current, previous))
    frame = frame.assign(day=pd.to_datetime(frame["day"]))
    is_current = frame["day"] >= pd.Timestamp(current.start)
    frame["period"] = is_current.map({True: "current", False: "previous"})
    frame["day_index"] = (frame["day"] - pd.Timestamp(current.start)).dt.days.where(
        is_current, (frame["day"] - pd.Timestamp(previous.start)).dt.days
    )
    return frame


def by_dimension(url: str, current: Period) -> dict[str, pd.DataFrame]:
    """Current-period merchandise revenue by department, sales channel and region."""
    frame = db.query(url, BY_DIMENSION, {"cs": current.start, "ce": current.end})
    out = {}
    for column in ("department_name", "sales_channel", "region"):
        part = frame.loc[frame[column].notna(), [column, "revenue"]]
        out[column] = part.sort_values("revenue", ascending=False, ignore_index=True)
    return out
