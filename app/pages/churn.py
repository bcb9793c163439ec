"""Churn risk: score distribution, at-risk customers with filters, top drivers, model version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import charts, exports, ui
from app.churn_drivers import model_importance
from app.queries import churn as q
from contracts.ml_outputs import CHURN_SCORES

BANDS = ["high", "medium", "low"]
BAND_COLORS = {"low": "#2ca02c", "medium": "#ff7f0e", "high": "#d62728"}


def filtered(scores: pd.DataFrame) -> pd.DataFrame:
    tiers = sorted(scores["loyalty_tier"].dropna().unique())
    regions = sorted(scores["region"].dropna().unique())
    with st.sidebar:
        st.header("Filters")
        bands = st.multiselect(
            "Risk band", BANDS, default=["high", "medium"], key="churn-bands"
        )
        floor = st.slider(
            "Minimum churn probability", 0.0, 1.0, 0.0, 0.05, key="churn-floor"
        )
        tier = st.multiselect("Loyalty tier", tiers, default=tiers, key="churn-tiers")
        region = st.multiselect("Region", regions, default=regions, key="churn-regions")
    keep = (
        scores["risk_band"].isin(bands)
        & (scores["churn_probability"] >= floor)
        & scores["loyalty_tier"].isin(tier)
        & scores["region"].isin(region)
    )
    return scores.loc[keep].sort_values(
        "churn_probability", ascending=False, ignore_index=True
    )


def model_panel(url: str) -> pd.DataFrame:
    models = q.models(url)
    latest = models.iloc[0]
    st.info(
        f"Model **{latest['model_name']}** version **{latest['model_version']}** · features as of "
        f"{latest['cutoff_date']} · scored {pd.Timestamp(latest['scored_at']):%Y-%m-%d %H:%M} UTC",
        icon=":material/model_training:",
    )
    return models


def drivers(url: str, model_name: str, model_version: str) -> None:
    st.subheader("Top drivers")
    source = st.radio(
        "Explain with",
        [
            "Feature association with the score (warehouse)",
            "Model feature importance (MLflow)",
        ],
        horizontal=True,
        key="churn-drivers-source",
    )
    if source.startswith("Model"):
        importance, where = model_importance(model_name, model_version)
        if importance is not None:
            top = importance.head(15)
            st.plotly_chart(
                charts.bars(
                    top,
                    "feature",
                    "share",
                    "Share of total gain (top 15)",
                    horizontal=True,
                ),
                key="churn-importance",
            )
            st.caption(where)
            exports.table(
                importance, "churn-feature-importance", key="churn-importance"
            )
            return
        st.warning(f"{where}. Showing the association with the score instead.")
    association = q.feature_association(url)
    top = association.head(15)
    st.plotly_chart(
        charts.bars(
            top,
            "feature",
            "correlation",
            "Correlation of feature with churn probability (top 15 by |r|)",
            horizontal=True,
        ),
        key="churn-association",
    )
    st.caption(
        "Pearson correlation between each numeric feature in ml_features.ml_customer_features "
        "(at the scoring cutoff) and the churn probability: association, not causation."
    )
    exports.table(association, "churn-feature-association", key="churn-association")


def render(url: str) -> None:
    if not ui.table_ready(url, CHURN_SCORES.qualified_name, "Churn scores"):
        return
    scores = q.scores(url)
    if scores.empty:
        st.warning(f"{CHURN_SCORES.qualified_name} is empty.")
        return
    models = model_panel(url)
    at_risk = filtered(scores)
    cols = st.columns(4)
    cols[0].metric("Customers scored", ui.count(len(scores)), border=True)
    cols[1].metric(
        "High risk", ui.count((scores["risk_band"] == "high").sum()), border=True
    )
    cols[2].metric("Selected at-risk customers", ui.count(len(at_risk)), border=True)
    cols[3].metric(
        "Lifetime spend of selected",
        ui.money(at_risk["total_spend"].sum()),
        border=True,
    )

    st.plotly_chart(
        charts.histogram(
            scores,
            "churn_probability",
            "Distribution of churn probability",
            color="risk_band",
            colors=BAND_COLORS,
        ),
        key="churn-distribution",
    )
    st.subheader("At-risk customers")
    exports.table(
        at_risk.head(500), "at-risk-customers", key="churn-at-risk", full=at_risk
    )
    if len(at_risk) > 500:
        st.caption(
            f"Showing the 500 highest of {len(at_risk):,}; the downloads hold all of them."
        )

    latest = models.iloc[0]
    drivers(url, str(latest["model_name"]), str(latest["model_version"]))


ui.run_page("Churn risk", render)
