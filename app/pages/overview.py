"""Overview: headline KPIs vs the previous period, live mode, trends, executive summary."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app import charts, coverage, exports, ui
from app.config import get_app_settings
from app.metrics import Kpi, Period, overview_kpis, periods
from app.queries import overview as q
from app.report import executive_summary_html

PERIODS = {"7 days": 7, "30 days": 30, "90 days": 90, "365 days": 365}
#: KPIs and charts that need an optional source table (app.coverage says so when it is absent).
KPI_SOURCES = {
    "Conversion (sessions → orders)": ("web_sessions",),
    "Return rate (units)": ("returns",),
}
DEPARTMENT_SOURCES = ("categories",)


def kpi_tiles(kpis: list[Kpi]) -> None:
    for row in (kpis[:3], kpis[3:]):
        for column, kpi in zip(st.columns(3), row, strict=False):
            column.metric(
                kpi.label,
                kpi.formatted(),
                kpi.formatted_delta(),
                delta_color="inverse" if kpi.lower_is_better else "normal",
                border=True,
            )


def kpi_section(url: str, days: int, *, live: bool) -> None:
    end = q.data_end(url, live=live)
    if end is None:
        st.warning("The marts hold no orders yet.")
        return
    current, previous = periods(end, days)
    kpi_tiles(overview_kpis(q.kpi_row(url, current, previous, live=live)))
    for label, tables in KPI_SOURCES.items():
        coverage.has_sources(url, label, tables)  # the tile shows '—'; this says why
    note = f"{current.label()} vs {previous.label()}"
    if live:
        note += f" · live: refreshed {dt.datetime.now():%H:%M:%S}"
    st.caption(note)


def report_figures(
    url: str, current: Period, previous: Period, *, with_departments: bool = True
) -> list:
    daily = q.daily(url, current, previous)
    parts = q.by_dimension(url, current)
    figures = [
        (
            "Revenue per day",
            charts.period_trend(
                daily, "revenue", "Revenue per day, current vs previous period"
            ),
        ),
        (
            "Orders per day",
            charts.period_trend(
                daily, "orders", "Orders per day, current vs previous period"
            ),
        ),
        (
            "Revenue by sales channel",
            charts.bars(
                parts["sales_channel"],
                "sales_channel",
                "revenue",
                "Merchandise revenue by sales channel",
            ),
        ),
        (
            "Revenue by department",
            charts.bars(
                parts["department_name"],
                "department_name",
                "revenue",
                "Merchandise revenue by department",
                horizontal=True,
            ),
        ),
    ]
    return figures if with_departments else figures[:3]


def render(url: str) -> None:
    settings = get_app_settings()
    left, right = st.columns([3, 1])
    with left:
        choice = st.radio(
            "Period", list(PERIODS), index=1, horizontal=True, key="overview-period"
        )
    with right:
        live = st.toggle(
            "Live mode",
            key="overview-live",
            help=f"Re-query the KPIs every {settings.app_live_interval_seconds} s",
        )
    days = PERIODS[choice]
    if live:
        st.fragment(run_every=settings.app_live_interval_seconds)(kpi_section)(
            url, days, live=True
        )
    else:
        kpi_section(url, days, live=False)

    end = q.data_end(url)
    if end is None:
        return
    current, previous = periods(end, days)
    with_departments = not coverage.missing_sources(url, DEPARTMENT_SOURCES)
    figures = report_figures(url, current, previous, with_departments=with_departments)
    top = st.columns(2)
    for column, (_, fig) in zip(top, figures[:2], strict=True):
        column.plotly_chart(fig, key=f"overview-{fig.layout.title.text}")
    bottom = st.columns(2)
    for column, (_, fig) in zip(bottom, figures[2:], strict=False):
        column.plotly_chart(fig, key=f"overview-{fig.layout.title.text}")
    if not with_departments:
        with bottom[1]:
            coverage.has_sources(url, "Revenue by department", DEPARTMENT_SOURCES)

    daily = q.daily(url, current, previous)
    table = daily.loc[daily["period"] == "current", ["day", "revenue", "orders"]].copy()
    table["average_order_value"] = (table["revenue"] / table["orders"]).round(2)
    table["day"] = table["day"].dt.date

    st.subheader("Executive summary")
    kpis = overview_kpis(q.kpi_row(url, current, previous))
    st.download_button(
        "⬇ Executive summary (HTML)",
        data=lambda: executive_summary_html(
            kpis, current, previous, figures, [("Daily figures", table)]
        ),
        file_name=f"executive-summary-{current.end:%Y-%m-%d}.html",
        mime="text/html",
        key="dl-executive-summary",
        on_click="ignore",
        type="primary",
    )
    st.caption("A self-contained HTML file (charts included) that opens offline.")

    st.subheader("Daily figures")
    exports.table(table, f"daily-figures-{current.end:%Y-%m-%d}", key="overview-daily")


ui.run_page("Overview", render)
