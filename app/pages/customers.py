"""Customers & CLV: cohort retention, RFM segments, CLV distribution, top customers."""

from __future__ import annotations

import streamlit as st

from app import charts, exports, ui
from app.queries import customers as q
from contracts.ml_outputs import CUSTOMER_CLV


def render(url: str) -> None:
    tier_options, region_options = q.filter_options(url)
    with st.sidebar:
        st.header("Filters")
        tiers = st.multiselect(
            "Loyalty tier", tier_options, default=tier_options, key="customers-tiers"
        )
        regions = st.multiselect(
            "Region", region_options, default=region_options, key="customers-regions"
        )
    if not tiers or not regions:
        st.warning("Pick at least one loyalty tier and one region.")
        return

    segments = q.rfm_segments(url, tiers, regions)
    has_clv = False
    cols = st.columns(3)
    cols[0].metric("Customers", ui.count(segments["customers"].sum()), border=True)
    cols[1].metric(
        "Lifetime spend", ui.money(segments["total_spend"].sum()), border=True
    )

    st.subheader("Cohort retention")
    retention = q.cohort_retention(url, tiers, regions)
    if retention.empty:
        st.info("No purchases by the selected customers.")
    else:
        st.plotly_chart(
            charts.heatmap(
                retention.drop(columns="cohort_size").iloc[:, :13],
                "Share of each first-purchase cohort buying again",
            ),
            key="customers-cohorts",
        )
        table = retention.reset_index()
        table.columns = [
            c if isinstance(c, str) else f"month_{c}" for c in table.columns
        ]
        exports.table(table, "cohort-retention", key="customers-cohorts")

    st.subheader("RFM segments")
    left, right = st.columns(2)
    left.plotly_chart(
        charts.bars(
            segments,
            "rfm_segment",
            "customers",
            "Customers per RFM segment",
            horizontal=True,
        ),
        key="customers-rfm",
    )
    right.plotly_chart(
        charts.bars(
            segments,
            "rfm_segment",
            "total_spend",
            "Lifetime spend per RFM segment",
            horizontal=True,
        ),
        key="customers-rfm-spend",
    )
    exports.table(segments, "rfm-segments", key="customers-rfm")

    st.subheader("Customer lifetime value (next 12 months)")
    if ui.table_ready(url, CUSTOMER_CLV.qualified_name, "Customer lifetime value"):
        clv = q.clv(url, tiers, regions)
        has_clv = True
        cols[2].metric(
            "Predicted 12-month CLV", ui.money(clv["clv_12m"].sum()), border=True
        )
        left, right = st.columns(2)
        left.plotly_chart(
            charts.histogram(clv, "clv_12m", "Distribution of predicted 12-month CLV"),
            key="customers-clv",
        )
        right.plotly_chart(
            charts.histogram(
                clv, "p_alive", "Probability the customer is still active"
            ),
            key="customers-palive",
        )
        if len(clv):
            st.caption(
                f"Median CLV {ui.money(clv['clv_12m'].median())} · mean P(alive) "
                f"{ui.percent(clv['p_alive'].mean())} · observation end {clv['observation_end'].iloc[0]}"
            )

    st.subheader(
        "Top customers" + (" by predicted CLV" if has_clv else " by lifetime spend")
    )
    top = q.top_customers(url, tiers, regions, with_clv=has_clv)
    exports.table(top, "top-customers", key="customers-top")


ui.run_page("Customers & CLV", render)
