"""Sales: by category and brand, by geography, and over time, with date/channel/segment filters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import charts, coverage, exports, ui
from app.queries import sales as q

MARGIN_NEEDS = (
    "Gross margin needs the unit cost of the products sold (the optional unit_cost column "
    "of products); this shop's batches did not deliver it, so the margin is unknown."
)


def filters(url: str) -> tuple[dt.date, dt.date, list[str], list[str]]:
    opts = q.options(url)
    default_start = max(opts.first_day, opts.last_day - dt.timedelta(days=364))
    with st.sidebar:
        st.header("Filters")
        picked = st.date_input(
            "Date range",
            value=(default_start, opts.last_day),
            min_value=opts.first_day,
            max_value=opts.last_day,
            key="sales-dates",
        )
        channels = st.multiselect(
            "Sales channel", opts.channels, default=opts.channels, key="sales-channels"
        )
        segments = st.multiselect(
            "Customer segment (loyalty tier at order time)",
            opts.segments,
            default=opts.segments,
            key="sales-segments",
        )
    # while a range is being picked the widget holds one date
    dates = [d for d in (picked if isinstance(picked, tuple) else (picked,)) if d]
    start, end = (dates[0], dates[-1]) if dates else (default_start, opts.last_day)
    return start, end, channels, segments


def weekly(days: pd.DataFrame) -> pd.DataFrame:
    if days.empty:
        return days
    return (
        days.set_index("ordered_date")[["revenue", "orders"]]
        .resample("W-MON", label="left", closed="left")
        .sum()
        .reset_index()
        .rename(columns={"ordered_date": "week"})
    )


def render(url: str) -> None:
    start, end, channels, segments = filters(url)
    if not channels or not segments:
        st.warning("Pick at least one sales channel and one customer segment.")
        return
    data = q.sales(url, start, end, channels, segments)
    st.caption(
        f"{start:%d %b %Y} – {end:%d %b %Y} · channels: {', '.join(channels)} · segments: {', '.join(segments)}"
    )
    total = data.total
    cols = st.columns(4)
    cols[0].metric("Merchandise revenue", ui.money(total["revenue"]), border=True)
    cols[1].metric(
        "Gross margin",
        ui.money(total["margin"]),
        help=None if total["margin"] is not None else MARGIN_NEEDS,
        border=True,
    )
    cols[2].metric("Orders", ui.count(total["orders"]), border=True)
    cols[3].metric("Units", ui.count(total["units"]), border=True)
    if total["orders"] == 0:
        st.info("No purchases match these filters.")
        return
    if total["margin"] is None:
        st.caption(MARGIN_NEEDS)

    st.plotly_chart(
        charts.time_series(weekly(data.days), "week", "revenue", "Revenue per week"),
        key="sales-trend",
    )

    left, right = st.columns(2)
    with left:
        if coverage.has_sources(url, "Revenue by category", ("categories",)):
            st.plotly_chart(
                charts.treemap(
                    data.categories,
                    ["department_name", "category_name"],
                    "revenue",
                    "Revenue by department and category",
                ),
                key="sales-categories",
            )
    with right:
        if coverage.has_sources(url, "Revenue by brand", ("brands",)):
            st.plotly_chart(
                charts.bars(
                    data.brands.head(15),
                    "brand_name",
                    "revenue",
                    "Top 15 brands by revenue",
                    horizontal=True,
                ),
                key="sales-brands",
            )
    if coverage.has_sources(url, "Revenue by ship-to city", ("geography",)):
        st.plotly_chart(
            charts.geo_bubbles(
                data.cities, "revenue", "city", "Revenue by ship-to city"
            ),
            key="sales-map",
        )

    tabs = st.tabs(["Categories", "Brands", "Geography"])
    for tab, (what, table, frame, name, key) in zip(
        tabs,
        [
            (
                "Sales by category",
                "categories",
                data.categories,
                "category",
                "categories",
            ),
            ("Sales by brand", "brands", data.brands, "brand", "brands"),
            ("Sales by ship-to city", "geography", data.cities, "city", "cities"),
        ],
        strict=True,
    ):
        with tab:
            if coverage.has_sources(url, what, (table,)):
                exports.table(frame, f"sales-by-{name}", key=f"sales-{key}")


ui.run_page("Sales", render)
