"""Entry point of the BI app: `streamlit run app/Home.py` (or `ecom serve app`)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="E-commerce BI", page_icon=":material/bar_chart:", layout="wide"
)

PAGES = [
    st.Page(
        "pages/overview.py",
        title="Overview",
        icon=":material/monitoring:",
        default=True,
    ),
    st.Page("pages/sales.py", title="Sales", icon=":material/shopping_cart:"),
    st.Page("pages/customers.py", title="Customers & CLV", icon=":material/group:"),
    st.Page("pages/churn.py", title="Churn risk", icon=":material/warning:"),
    st.Page(
        "pages/recommendations.py", title="Recommendations", icon=":material/recommend:"
    ),
    st.Page("pages/campaigns.py", title="Campaigns", icon=":material/campaign:"),
    st.Page(
        "pages/data_quality.py", title="Data quality", icon=":material/fact_check:"
    ),
]

st.navigation(PAGES).run()
