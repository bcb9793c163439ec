"""Results-table rows for the rollout question: 2x2 DiD, TWFE and the event study."""

from __future__ import annotations

import pandas as pd

from ml.causal import did
from ml.causal.effect_rows import result_row, timed


def rollout_rows(panel: pd.DataFrame) -> list[dict]:
    """2x2 DiD, TWFE and the event study (one row per relative week) on `rollout_panel`.

    Standard errors are clustered by customer.
    """
    design = panel.attrs["design"]
    n_units = int(panel["customer_id"].nunique())
    n_treated = int(panel.loc[panel["treated"] == 1, "customer_id"].nunique())
    context = {
        "treated_regions": list(design.treated_regions),
        "rollout_date": str(design.rollout_date),
        "weeks_each_side": design.weeks,
        "n_units": n_units,
        "cluster": "customer",
    }
    study, secs_es = timed(
        lambda: did.event_study(
            panel,
            "orders",
            "customer_id",
            "week",
            "start_week",
            leads=design.weeks,  # every week of the panel, reference week -1
            lags=design.weeks - 1,
            reference=-1,
            cluster="cluster_id",
        )
    )
    pretrend = {
        "pretrend_f": study.pretrend_f,
        "pretrend_p_value": study.pretrend_p_value,
        "pretrend_df": list(study.pretrend_df),
    }
    rows = []
    two, secs = timed(
        lambda: did.did_2x2(panel, "orders", "treated", "post", cluster="cluster_id")
    )
    rows.append(
        result_row(
            "rollout",
            "did_2x2",
            "ATT (orders per customer-week)",
            two,
            n=two.n,
            n_treated=n_treated,
            runtime_seconds=secs,
            diagnostics={**context, **pretrend},
        )
    )
    fe, secs = timed(
        lambda: did.twfe(
            panel, "orders", "customer_id", "week", "treated_post", cluster="cluster_id"
        )
    )
    rows.append(
        result_row(
            "rollout",
            "twfe",
            "ATT (orders per customer-week)",
            fe,
            n=fe.n,
            n_treated=n_treated,
            runtime_seconds=secs,
            diagnostics={**context, **pretrend},
        )
    )
    for rec in study.coefficients.itertuples(index=False):
        rows.append(
            {
                "analysis": "rollout",
                "method": "event_study",
                "estimand": "effect in week relative to rollout (reference -1)",
                "subgroup": f"week {int(rec.rel_time):+d}",
                "estimate": float(rec.estimate),
                "std_error": rec.std_error,
                "ci_low": rec.ci_low,
                "ci_high": rec.ci_high,
                "p_value": rec.p_value,
                "n": int(rec.n_obs),
                "n_treated": n_treated,
                "runtime_seconds": secs_es / len(study.coefficients),
                "diagnostics": {"rel_week": int(rec.rel_time), **pretrend},
            }
        )
    return rows
