"""Recommendations: pick a customer, see their purchase history and recommended products."""

from __future__ import annotations

import streamlit as st

from app import exports, ui
from app.config import get_app_settings
from app.coverage import NOT_RECORDED
from app.queries import recommendations as q
from app.recommendations_source import recommendations
from contracts.ml_outputs import RECOMMENDATIONS


def render(url: str) -> None:
    first, last, suggested = q.customer_range(url)
    left, right = st.columns([1, 3])
    with left:
        customer_id = int(
            st.number_input(
                "Customer ID",
                min_value=first,
                max_value=last,
                value=suggested,
                step=1,
                key="recs-customer",
            )
        )
        k = st.slider("How many recommendations", 5, 20, 10, key="recs-k")
    profile = q.profile(url, customer_id)
    with right:
        if profile.empty:
            st.warning(f"No customer {customer_id} in the warehouse.")
            return
        p = profile.iloc[0]
        cols = st.columns(4)
        cols[0].metric("Loyalty tier", p["loyalty_tier"] or NOT_RECORDED, border=True)
        cols[1].metric("RFM segment", str(p["rfm_segment"] or "—"), border=True)
        cols[2].metric("Orders", ui.count(p["purchase_count"]), border=True)
        cols[3].metric("Lifetime spend", ui.money(p["total_spend"]), border=True)

    st.subheader("Recommended products")
    if not ui.table_ready(url, RECOMMENDATIONS.qualified_name, "Recommendations"):
        recs = None
    else:
        recs = recommendations(url, get_app_settings(), customer_id, k)
        st.caption(f"Source: {recs.detail}")
        if recs.items.empty:
            st.info("No recommendations for this customer.")
        else:
            exports.table(
                recs.items, f"recommendations-customer-{customer_id}", key="recs-items"
            )

    st.subheader("Purchase history")
    history = q.history(url, customer_id)
    if history.empty:
        st.info(
            "This customer has not bought anything yet (recommendations are cold-start)."
        )
    else:
        exports.table(
            history, f"purchase-history-customer-{customer_id}", key="recs-history"
        )


ui.run_page("Recommendations", render)
