"""Where the data cannot answer a causal question, the results table says so, with why:
no loyalty tiers (matching without them, no per-tier rows), no campaigns, everyone exposed,
no policy rollout. Each is a copy of the shared world with that information taken out."""

from __future__ import annotations

import psycopg
import pytest

from ml.causal.batch import compute_campaign_effects
from ml.causal.marts import (
    CAMPAIGN_COVARIATES,
    NotIdentifiable,
    campaign_dataset,
    rollout_panel,
)

pytestmark = pytest.mark.slow


def _execute(url: str, *statements: str) -> None:
    with psycopg.connect(url) as conn:
        for statement in statements:
            conn.execute(statement)


def _rows(effects, analysis: str):
    return effects[effects["analysis"] == analysis]


def test_a_shop_without_loyalty_tiers_gets_matching_without_them(
    clone_platform_world,
) -> None:
    url = clone_platform_world()
    _execute(url, "update marts.dim_customers set loyalty_tier = null")
    effects = compute_campaign_effects(url, dowhy_simulations=2)
    campaign = _rows(effects, "campaign")
    psm_row = campaign[campaign["method"] == "psm_att"].iloc[0]
    assert psm_row["estimate"] == psm_row["estimate"]  # a number, not NaN
    assert psm_row["diagnostics"]["covariates"] == [
        c for c in CAMPAIGN_COVARIATES if c != "tier_rank"
    ]
    assert set(psm_row["diagnostics"]["smd_after"]) == set(
        psm_row["diagnostics"]["covariates"]
    )
    assert not campaign["method"].str.match(r"(psm_att|cate)_").any()
    (tiers,) = campaign[campaign["method"] == "not_identifiable"].itertuples()
    assert tiers.subgroup == "loyalty_tier" and tiers.estimate != tiers.estimate
    assert "loyalty_tier" in tiers.diagnostics["reason"]
    # the rollout does not depend on tiers
    assert "did_2x2" in set(_rows(effects, "rollout")["method"])


def test_no_campaigns_and_no_rollout_are_answers_not_failures(
    clone_platform_world,
) -> None:
    url = clone_platform_world()
    _execute(
        url,
        "delete from marts.fct_campaign_exposures",
        "delete from marts.dim_campaigns",
        "update marts.fct_orders set shipping_amount = 0",
    )
    with pytest.raises(NotIdentifiable, match="no campaigns"):
        campaign_dataset(url)
    with pytest.raises(NotIdentifiable, match="no free-shipping rollout"):
        rollout_panel(url)
    effects = compute_campaign_effects(url, dowhy_simulations=2)
    assert effects[["analysis", "method"]].values.tolist() == [
        ["campaign", "not_identifiable"],
        ["rollout", "not_identifiable"],
    ]
    assert effects["estimate"].isna().all()
    reasons = [d["reason"] for d in effects["diagnostics"]]
    assert "no campaigns" in reasons[0] and "rollout" in reasons[1]


def test_a_campaign_that_reached_every_eligible_customer_is_not_identifiable(
    clone_platform_world,
) -> None:
    url = clone_platform_world()
    df = campaign_dataset(url)
    design = df.attrs["design"]
    # only the exposed customers stay eligible (opted in)
    _execute(
        url,
        f"""update marts.dim_customers set is_marketing_opt_in = false
        where customer_id not in (select customer_id from marts.fct_campaign_exposures
                                  where campaign_id = {design.campaign_id})""",
    )
    with pytest.raises(NotIdentifiable, match="no unexposed customers"):
        campaign_dataset(url, design.campaign_id)
