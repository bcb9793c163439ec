"""Campaign and rollout effects on the warehouse -> `analytics.campaign_effects`.

`compute_campaign_effects(url)` rebuilds the analysis datasets from the marts (`marts.py`),
runs every estimator (naive vs PSM vs DoWhy vs CATE for the campaign; DiD, TWFE and the event
study for the rollout) and returns one tidy row per estimate; `write_campaign_effects` replaces
the table atomically (layout: `contracts.ml_outputs.CAMPAIGN_EFFECTS`). No planted truth is
involved: `evaluation.causal_truth` compares these rows with it where a source ships one.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from psycopg import sql

from contracts.ml_outputs import CAMPAIGN_EFFECTS
from ml.causal.campaign_estimates import campaign_rows, not_identifiable_row
from ml.causal.marts import NotIdentifiable, campaign_dataset, rollout_panel
from ml.causal.rollout_estimates import rollout_rows

#: Column names in table order.
COLUMNS: tuple[str, ...] = tuple(CAMPAIGN_EFFECTS.column_names)
_FLOATS = ("estimate", "std_error", "ci_low", "ci_high", "p_value", "runtime_seconds")


def _latest_batch_id(url: str) -> str | None:
    from warehouse.loader import loaded_batches

    batches = loaded_batches(url)
    return str(batches[-1]["batch_id"]) if batches else None


def compute_campaign_effects(
    url: str,
    *,
    campaign_id: int | None = None,
    random_state: int = 0,
    dowhy_simulations: int = 20,
) -> pd.DataFrame:
    """Estimate the campaign's and the rollout's effects from the warehouse marts.

    Args:
        url: warehouse URL (libpq).
        campaign_id: campaign to analyse; None = the one that reached most customers.
        random_state: seed of the estimators' random parts.
        dowhy_simulations: re-estimations per DoWhy refuter.

    Returns:
        One row per estimate with the columns of `CAMPAIGN_EFFECTS`: analysis
        (campaign|rollout), method (naive, psm_att, dowhy_*, psm_att_<tier>, cate_<tier>,
        did_2x2, twfe, event_study), estimand, subgroup, estimate, std_error, ci_low, ci_high,
        p_value, n, n_treated, runtime_seconds, diagnostics (dict), data_batch_id, computed_at.
    """
    computed_at = dt.datetime.now(dt.UTC)
    try:
        rows = campaign_rows(
            campaign_dataset(url, campaign_id), random_state, dowhy_simulations
        )
    except NotIdentifiable as exc:
        rows = [not_identifiable_row("campaign", "campaign effect on spend", str(exc))]
    try:
        rows += rollout_rows(rollout_panel(url))
    except NotIdentifiable as exc:
        rows.append(
            not_identifiable_row("rollout", "policy effect on orders (DiD)", str(exc))
        )
    out = pd.DataFrame(rows)
    out["data_batch_id"] = _latest_batch_id(url)
    out["computed_at"] = computed_at
    for col in _FLOATS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    for col in ("n", "n_treated"):
        out[col] = out[col].astype("Int64")
    return out[list(COLUMNS)]


def write_campaign_effects(url: str, df: pd.DataFrame) -> int:
    """Replace the rows of analytics.campaign_effects with `df`, in one transaction.

    Readers see either the previous rows or the new ones, never a mix or an empty table.
    `diagnostics` dicts are stored as jsonb (NaN/inf as null). Returns rows written.
    """
    from warehouse.tables import replace_table

    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"campaign effects frame is missing column(s) {missing}; it has {list(df.columns)}"
        )
    return replace_table(url, CAMPAIGN_EFFECTS, df)


def read_campaign_effects(url: str) -> pd.DataFrame:
    """All rows of analytics.campaign_effects (MartMissing if the table does not exist)."""
    from warehouse.reading import read_frame

    return read_frame(
        url,
        sql.SQL("select * from {} order by analysis, method, subgroup").format(
            sql.Identifier(CAMPAIGN_EFFECTS.schema, CAMPAIGN_EFFECTS.name)
        ),
    )


def score_campaign_effects(url: str, **options: object) -> pd.DataFrame:
    """Compute the effects and replace `analytics.campaign_effects`; returns the rows written."""
    effects = compute_campaign_effects(url, **options)  # type: ignore[arg-type]
    write_campaign_effects(url, effects)
    return effects
