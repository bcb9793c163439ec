"""Campaigns: naive vs adjusted campaign effects with confidence intervals, the regional
rollout's difference-in-differences, and campaign performance."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app import charts, coverage, exports, ui
from app.queries import campaigns as q
from contracts.ml_outputs import CAMPAIGN_EFFECTS

METHOD_LABELS = {
    "naive": "Naive difference (confounded)",
    "psm_att": "Propensity-score matching (ATT)",
    "dowhy_linear_regression": "DoWhy linear regression (ATE)",
    "dowhy_propensity_score_matching": "DoWhy PS matching (ATT)",
    "did_pre_post": "Difference-in-differences, before vs after (ATT)",
    "did_2x2": "Difference-in-differences 2x2",
    "twfe": "Two-way fixed effects",
}


def not_identifiable(rows: pd.DataFrame) -> pd.DataFrame:
    """Say plainly which questions the data cannot answer (and why); the other rows."""
    unanswered = rows["method"] == "not_identifiable"
    for row in rows.loc[unanswered].itertuples():
        diagnostics = row.diagnostics  # jsonb comes back as text from the app's query
        if isinstance(diagnostics, str):
            diagnostics = json.loads(diagnostics)
        reason = (diagnostics or {}).get("reason", "")
        st.warning(f"**{row.estimand}: not identifiable from these data.** {reason}")
    return rows.loc[~unanswered]


def campaign_section(effects: pd.DataFrame) -> None:
    campaign = not_identifiable(effects.loc[effects["analysis"] == "campaign"])
    overall = campaign.loc[
        campaign["subgroup"].isna()
        & ~campaign["method"].str.contains("_(?:bronze|silver|gold|platinum)$")
    ]
    if overall.empty:
        return
    overall = overall.assign(
        label=overall["method"].map(METHOD_LABELS).fillna(overall["method"])
    )
    st.plotly_chart(
        charts.forest(
            overall,
            "label",
            "Campaign effect on net revenue per customer: naive vs adjusted",
        ),
        key="campaigns-forest",
    )
    naive = overall.loc[overall["method"] == "naive", "estimate"]
    adjusted = overall.loc[overall["method"] == "psm_att", "estimate"]
    if len(naive) and len(adjusted):
        st.caption(
            f"Naive {naive.iloc[0]:,.2f} vs matched {adjusted.iloc[0]:,.2f}: the naive difference mixes "
            "the campaign's effect with who was targeted."
        )
    tiers = campaign.loc[campaign["method"].str.match(r"^(psm_att|cate)_")]
    if len(tiers):
        tiers = tiers.assign(label=tiers["method"])
        st.plotly_chart(
            charts.forest(tiers, "label", "Effects by loyalty tier"),
            key="campaigns-tiers",
        )


def rollout_section(effects: pd.DataFrame) -> None:
    rollout = not_identifiable(effects.loc[effects["analysis"] == "rollout"])
    if rollout.empty:
        return
    summary = rollout.loc[rollout["method"] != "event_study"]
    summary = summary.assign(
        label=summary["method"].map(METHOD_LABELS).fillna(summary["method"])
    )
    left, right = st.columns(2)
    left.plotly_chart(
        charts.forest(
            summary,
            "label",
            "Regional rollout: difference-in-differences",
        ),
        key="campaigns-did",
    )
    study = rollout.loc[rollout["method"] == "event_study"].copy()
    if len(study):
        study["week"] = study["subgroup"].map(q.week_number)
        study = study.dropna(subset=["week"]).sort_values("week")
        study[["ci_low", "ci_high"]] = study[["ci_low", "ci_high"]].fillna(
            study["estimate"], axis=0
        )
        right.plotly_chart(
            charts.event_study(study, "Event study (orders per customer-week)"),
            key="campaigns-event",
        )


def render(url: str) -> None:
    st.subheader("Estimated effects")
    if ui.table_ready(
        url, CAMPAIGN_EFFECTS.qualified_name, "Campaign effect estimates"
    ):
        effects = q.effects(url)
        analyses = sorted(effects["analysis"].unique())
        picked = st.multiselect(
            "Analyses", analyses, default=analyses, key="campaigns-analyses"
        )
        chosen = effects.loc[effects["analysis"].isin(picked)]
        if "campaign" in picked:
            campaign_section(chosen)
        if "rollout" in picked:
            rollout_section(chosen)
        if len(chosen):
            computed = pd.Timestamp(chosen["computed_at"].max())
            st.caption(
                f"Computed {computed:%Y-%m-%d %H:%M} UTC · 95% confidence intervals"
            )
        exports.table(chosen, "campaign-effects", key="campaigns-effects")

    st.subheader("Campaign performance")
    if not coverage.has_sources(url, "Campaign performance", ("campaigns",)):
        return
    performance = q.performance(url)
    types = sorted(performance["campaign_type"].dropna().unique())
    chosen_types = st.multiselect(
        "Campaign type", types, default=types, key="campaigns-types"
    )
    shown = performance.loc[performance["campaign_type"].isin(chosen_types)]
    st.plotly_chart(
        charts.bars(
            shown,
            "campaign_name",
            "attributed_revenue",
            "Attributed revenue per campaign",
            color="campaign_type",
        ),
        key="campaigns-performance",
    )
    exports.table(shown, "campaign-performance", key="campaigns-performance")


ui.run_page("Campaigns", render)
