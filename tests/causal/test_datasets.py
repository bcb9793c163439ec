"""The analysis datasets rebuilt from the warehouse marts equal the generator's definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.causal.marts import (
    CAMPAIGN_COVARIATES,
    campaign_dataset,
    campaign_design,
    detect_rollout,
    rollout_panel,
)

pytestmark = pytest.mark.slow


def test_campaign_dataset_reproduces_the_generator_row_for_row(
    causal_warehouse,
) -> None:
    """Eligibility, treatment, outcome and every targeting covariate match the generator's
    own per-customer record (ground_truth/campaign.parquet), read only for this check."""
    df = campaign_dataset(causal_warehouse.url)
    truth = causal_warehouse.truth["campaign"]
    assert df.attrs["design"].campaign_id == truth["campaign_id"]
    assert str(df.attrs["design"].start_date) == truth["start_date"]
    planted = pd.read_parquet(
        causal_warehouse.batch_dir / "ground_truth" / "campaign.parquet"
    )
    merged = df.merge(planted, on="customer_id", how="outer", suffixes=("", "_true"))
    assert len(merged) == len(df) == len(planted) == truth["n_eligible"]
    assert (merged["treated"] == merged["treated_true"].astype(int)).all()
    np.testing.assert_allclose(
        merged["net_revenue_outcome"], merged["outcome"], atol=1e-9
    )
    for col in ("orders_lookback", "net_revenue_lookback", "tenure_years"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_true"], atol=1e-9)
    assert (merged["loyalty_tier"] == merged["loyalty_tier_true"]).all()
    assert df[CAMPAIGN_COVARIATES].notna().all().all()
    assert int(df["treated"].sum()) == truth["n_treated"]


def test_naive_difference_on_the_dataset_is_the_planted_one(causal_warehouse) -> None:
    df = campaign_dataset(causal_warehouse.url)
    means = df.groupby("treated")["net_revenue_outcome"].mean()
    assert means[1] - means[0] == pytest.approx(
        causal_warehouse.truth["campaign"]["naive_difference"], abs=1e-6
    )


def test_covariates_use_only_orders_before_the_start(causal_warehouse) -> None:
    """Shifting the analysis start later changes the covariates; moving the outcome window
    does not: covariates are dated before the start, whatever the outcome window."""
    base = campaign_dataset(causal_warehouse.url)
    longer = campaign_dataset(causal_warehouse.url, outcome_days=60)
    pd.testing.assert_frame_equal(
        base[["customer_id", "treated", *CAMPAIGN_COVARIATES]],
        longer[["customer_id", "treated", *CAMPAIGN_COVARIATES]],
    )
    assert (longer["net_revenue_outcome"] >= base["net_revenue_outcome"]).all()
    assert (longer["net_revenue_outcome"] > base["net_revenue_outcome"]).any()


def test_rollout_design_is_found_in_the_orders(causal_warehouse) -> None:
    truth = causal_warehouse.truth["rollout"]
    design = detect_rollout(causal_warehouse.url)
    assert sorted(design.treated_regions) == sorted(truth["treated_regions"])
    assert str(design.rollout_date) == truth["rollout_date"]


def test_rollout_panel_reproduces_the_planted_cells(causal_warehouse) -> None:
    truth = causal_warehouse.truth["rollout"]
    panel = rollout_panel(causal_warehouse.url)
    weeks = truth["panel"]["weeks_each_side"]
    assert sorted(panel["week"].unique()) == list(range(-weeks, weeks))
    assert not panel.duplicated(["customer_id", "week"]).any()
    units = panel.groupby("treated")["customer_id"].nunique()
    assert units[1] == truth["n_treated"] and units[0] == truth["n_control"]
    cells = panel.groupby(["treated", "post"])["orders"].mean()
    for (t, p), key in {
        (1, 0): "treated_pre",
        (1, 1): "treated_post",
        (0, 0): "control_pre",
        (0, 1): "control_post",
    }.items():
        assert cells[(t, p)] == pytest.approx(truth["cells_realized"][key], rel=1e-12)
    assert (panel["treated_post"] == panel["treated"] * panel["post"]).all()
    assert panel.loc[panel["treated"] == 1, "start_week"].eq(0).all()
    assert panel.loc[panel["treated"] == 0, "start_week"].isna().all()
    treated = panel[panel["treated"] == 1]
    assert (treated["event_time"] == treated["week"]).all()
    assert panel.loc[panel["treated"] == 0, "event_time"].isna().all()


def test_unknown_campaign_is_a_named_error(causal_warehouse) -> None:
    with pytest.raises(
        ValueError, match=r"campaign_id 9999 is not in marts\.dim_campaigns"
    ):
        campaign_design(causal_warehouse.url, campaign_id=9999)
    with pytest.raises(ValueError, match="outcome_days and lookback_days must be >= 1"):
        campaign_design(causal_warehouse.url, outcome_days=0)
