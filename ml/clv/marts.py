"""Read the CLV models' input from the marts: the purchase log in `marts.fct_orders`."""

from __future__ import annotations

import datetime as dt

import pandas as pd

ORDERS_FACT = "marts.fct_orders"


def latest_purchase_date(url: str) -> dt.date:
    """The last day with a purchase (the data's "today"); ValueError when there is none."""
    from warehouse.reading import read_frame

    frame = read_frame(
        url, f"select max(ordered_date) as day from {ORDERS_FACT} where is_purchase"
    )
    day = frame["day"].iloc[0] if not frame.empty else None
    if day is None or pd.isna(day):
        raise ValueError(f"{ORDERS_FACT} holds no purchases")
    return day


def purchase_log(
    url: str, observation_end: dt.date | None = None
) -> tuple[pd.DataFrame, dt.date]:
    """(customer_id, ordered_at, order_total) of purchases up to `observation_end`
    (default: the latest purchase date), and that end date."""
    from warehouse.reading import read_frame

    end = observation_end or latest_purchase_date(url)
    frame = read_frame(
        url,
        f"select customer_id, ordered_at, order_total from {ORDERS_FACT}"
        " where is_purchase and ordered_date <= %s",
        (end,),
        numeric_as_float=True,
    )
    return frame, end
