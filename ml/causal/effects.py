"""Campaign and rollout effects on the warehouse: naive vs PSM vs DoWhy vs CATE, DiD/TWFE.

`compute_campaign_effects(url)` rebuilds the analysis datasets from the marts
(`ml.causal.campaign`), runs every estimator and returns one tidy row per estimate;
`write_campaign_effects(url, df)` stores them in `analytics.campaign_effects`. When a
generator ground-truth file is given, its planted effects are reported in `true_effect`
beside the estimates; it is never an input to estimation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd

from ml.causal.campaign import campaign_dataset, rollout_panel
from ml.causal.campaign_estimates import PSM_OPTIONS, campaign_rows
from ml.causal.results_store import COLUMNS, write_campaign_effects
from ml.causal.rollout_estimates import rollout_rows

__all__ = [
    "PSM_OPTIONS",
    "compute_campaign_effects",
    "default_ground_truth_path",
    "load_ground_truth",
    "write_campaign_effects",
]


def load_ground_truth(path: str | Path) -> dict:
    """The generator's ground_truth.json (a batch directory or the file itself)."""
    path = Path(path)
    if path.is_dir():
        path = path / "ground_truth.json"
    if not path.is_file():
        raise FileNotFoundError(f"ground truth file {path} does not exist")
    truth = json.loads(path.read_text())
    missing = [k for k in ("campaign", "rollout") if k not in truth]
    if missing:
        raise ValueError(f"ground truth {path} lacks section(s) {missing}")
    return truth


#: Environment variable naming the ground-truth file (or batch directory) to report.
GROUND_TRUTH_ENV = "ECOM_GROUND_TRUTH"


def _latest_batch(url: str) -> dict | None:
    from warehouse.loader import loaded_batches

    batches = loaded_batches(url)
    return batches[-1] if batches else None


def default_ground_truth_path(url: str) -> Path | None:
    """Where to find the truth to report: $ECOM_GROUND_TRUTH, else the ground_truth.json
    beside the latest loaded batch's CSVs (raw._batches.source_dir), else None."""
    if os.environ.get(GROUND_TRUTH_ENV):
        return Path(os.environ[GROUND_TRUTH_ENV])
    latest = _latest_batch(url)
    if latest and latest.get("source_dir"):
        candidate = Path(latest["source_dir"]) / "ground_truth.json"
        if candidate.is_file():
            return candidate
    return None


def compute_campaign_effects(
    url: str,
    ground_truth_path: str | Path | None = None,
    *,
    campaign_id: int | None = None,
    random_state: int = 0,
    dowhy_simulations: int = 20,
) -> pd.DataFrame:
    """Estimate the campaign's and the rollout's effects from the warehouse marts.

    Args:
        url: warehouse URL (libpq).
        ground_truth_path: the generator's ground_truth.json (or its batch directory);
            only used to fill `true_effect`.
        campaign_id: campaign to analyse; None = the one that reached most customers.
        random_state: seed of the estimators' random parts.
        dowhy_simulations: re-estimations per DoWhy refuter.

    Returns:
        One row per estimate with the columns of `results_store.COLUMNS`: analysis
        (campaign|rollout), method (naive, psm_att, dowhy_*, psm_att_<tier>, cate_<tier>,
        did_2x2, twfe, event_study), estimand, subgroup, estimate, std_error, ci_low, ci_high, p_value, n,
        n_treated, true_effect, runtime_seconds, diagnostics (dict), data_batch_id, computed_at.
    """
    truth = load_ground_truth(ground_truth_path) if ground_truth_path else None
    computed_at = dt.datetime.now(dt.UTC)
    campaign_df = campaign_dataset(url, campaign_id)
    campaign_truth = truth["campaign"] if truth else None
    if (
        campaign_truth
        and int(campaign_truth["campaign_id"])
        != campaign_df.attrs["design"].campaign_id
    ):
        campaign_truth = None  # the truth describes another campaign: nothing to report
    rows = campaign_rows(campaign_df, campaign_truth, random_state, dowhy_simulations)
    rows += rollout_rows(rollout_panel(url), truth["rollout"] if truth else None)
    out = pd.DataFrame(rows)
    latest = _latest_batch(url)
    out["data_batch_id"] = str(latest["batch_id"]) if latest else None
    out["computed_at"] = computed_at
    for col in (
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
        "true_effect",
        "runtime_seconds",
    ):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    for col in ("n", "n_treated"):
        out[col] = out[col].astype("Int64")
    return out[list(COLUMNS)]
