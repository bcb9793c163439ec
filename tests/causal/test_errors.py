"""Bad input gets an error naming what is wrong: warehouse state, and the estimators fed with
broken versions of the real analysis datasets."""

from __future__ import annotations

import pytest

from ml.causal import did, dowhy_analysis, heterogeneous, psm
from ml.causal.batch import compute_campaign_effects
from ml.causal.marts import (
    CAMPAIGN_COVARIATES,
    RolloutDesign,
    WarehouseDataError,
    campaign_dataset,
    rollout_panel,
)


def test_an_unbuilt_warehouse_names_the_missing_marts(fresh_database) -> None:
    with pytest.raises(WarehouseDataError, match=r"missing \['marts.fct_orders'"):
        campaign_dataset(fresh_database)
    with pytest.raises(WarehouseDataError, match="build the dbt marts first"):
        compute_campaign_effects(fresh_database)


@pytest.mark.slow
def test_estimators_reject_broken_campaign_frames(causal_warehouse) -> None:
    df = campaign_dataset(causal_warehouse.url)
    outcome = "net_revenue_outcome"
    with pytest.raises(ValueError, match=r"missing column\(s\) \['tenure_years'\]"):
        psm.estimate_att(
            df.drop(columns=["tenure_years"]), "treated", outcome, CAMPAIGN_COVARIATES
        )
    exposures = df.assign(treated=df["treated"] * 2)  # e.g. a count of exposures
    with pytest.raises(ValueError, match="'treated' must be binary"):
        psm.estimate_att(exposures, "treated", outcome, CAMPAIGN_COVARIATES)
    with pytest.raises(ValueError, match="'treated' must be binary"):
        dowhy_analysis.run(exposures, "treated", outcome, CAMPAIGN_COVARIATES)
    with pytest.raises(ValueError, match="'treated' must be binary"):
        heterogeneous.cate_by_segment(
            exposures, "treated", outcome, ["tenure_years"], segment="loyalty_tier"
        )
    # a campaign that reached exactly the customers who ordered recently: no overlap
    determined = df.assign(treated=(df["orders_lookback"] > 0).astype(int))
    with pytest.raises(ValueError, match="no overlap"):
        psm.estimate_att(determined, "treated", outcome, CAMPAIGN_COVARIATES)
    with pytest.raises(ValueError, match="'loyalty_tier' must be numeric"):
        dowhy_analysis.run(df, "treated", outcome, ["loyalty_tier"])


@pytest.mark.slow
def test_estimators_reject_broken_rollout_panels(causal_warehouse) -> None:
    panel = rollout_panel(causal_warehouse.url)
    one_week = panel[panel["week"] == 0]
    with pytest.raises(ValueError, match="'week' has a single period"):
        did.twfe(one_week, "orders", "customer_id", "week", "treated_post")
    with pytest.raises(ValueError, match="'post' has no variation"):
        did.did_2x2(one_week, "orders", "treated", "post")
    with pytest.raises(ValueError, match="duplicated"):
        did.twfe(
            panel.assign(week=panel["week"].clip(upper=0)),
            "orders",
            "customer_id",
            "week",
            "treated_post",
        )
    with pytest.raises(ValueError, match="no treated unit"):
        did.event_study(
            panel.assign(start_week=float("nan")),
            "orders",
            "customer_id",
            "week",
            "start_week",
        )
    with pytest.raises(ValueError, match="weeks must be >= 1"):
        rollout_panel(
            causal_warehouse.url,
            RolloutDesign(("west",), panel.attrs["design"].rollout_date, weeks=0),
        )
