"""The causal estimates in `analytics.campaign_effects` against the generator's planted effects.

Evaluation only. The generator records the campaign's ATT on its treated customers (overall
and per loyalty tier) and the rollout's effect on orders per customer-week; this module puts
that truth beside each estimate and checks whether the 95% intervals cover it. The headline
bar: the matching ATT and the 2x2 difference-in-differences cover their planted effects.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from evaluation.ground_truth import TruthBatch

#: Methods whose estimand is the campaign's ATT on its treated customers.
CAMPAIGN_ATT_METHODS = ("naive", "psm_att", "dowhy_propensity_score_matching")
ROLLOUT_METHODS = ("did_2x2", "twfe")
HEADLINE = ("psm_att", "did_2x2")


def load_effect_truth(batches: list[TruthBatch]) -> dict[str, Any]:
    """The `campaign` and `rollout` sections of the newest batch's ground_truth.json."""
    summary = batches[-1].summary()
    missing = [k for k in ("campaign", "rollout") if k not in summary]
    if missing:
        raise ValueError(f"{batches[-1].summary_path} lacks section(s) {missing}")
    return {"campaign": summary["campaign"], "rollout": summary["rollout"]}


def _true_effect(row: pd.Series, truth: dict[str, Any]) -> float | None:
    campaign, rollout = truth["campaign"], truth["rollout"]
    if row["analysis"] == "rollout":
        return (
            float(rollout["effect_sample"])
            if row["method"] in ROLLOUT_METHODS
            else None
        )
    diagnostics = row.get("diagnostics") or {}
    if int(diagnostics.get("campaign_id", -1)) != int(campaign["campaign_id"]):
        return None  # the estimates describe another campaign than the planted one
    if row["method"] in CAMPAIGN_ATT_METHODS:
        return float(campaign["att_sample"])
    if str(row["method"]).startswith("psm_att_"):
        tier = (campaign.get("att_by_segment") or {}).get(row["subgroup"]) or {}
        value = tier.get("att_sample")
        return None if value is None else float(value)
    return None


def compare_with_truth(effects: pd.DataFrame, truth: dict[str, Any]) -> pd.DataFrame:
    """`effects` with `true_effect`, `error` and `covers_truth` (null where no truth applies)."""
    out = effects.copy()
    out["true_effect"] = [_true_effect(row, truth) for _, row in out.iterrows()]
    known = out["true_effect"].notna()
    out["error"] = (out["estimate"] - out["true_effect"]).where(known)
    covers = (out["ci_low"] <= out["true_effect"]) & (
        out["true_effect"] <= out["ci_high"]
    )
    out["covers_truth"] = covers.where(known & out["ci_low"].notna())
    return out


def evaluate_effects(url: str, batches: list[TruthBatch]) -> dict[str, Any]:
    """Compare the stored estimates with the truth; `passed` when the headline rows cover it."""
    from ml.causal.batch import read_campaign_effects

    compared = compare_with_truth(
        read_campaign_effects(url), load_effect_truth(batches)
    )
    headline = compared[compared["method"].isin(HEADLINE) & compared["subgroup"].isna()]
    covered = {
        str(r.method): bool(r.covers_truth) if pd.notna(r.covers_truth) else None
        for r in headline.itertuples()
    }
    return {
        "rows": compared,
        "covered": covered,
        "passed": len(covered) == len(HEADLINE) and all(covered.values()),
    }
