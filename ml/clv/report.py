"""The CLV holdout evaluation as an MLflow run: metrics, the cumulative repeat-purchase curve
(plotted) and the per-customer predicted vs actual table, in experiment `ecom-clv`."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from ml.clv.evaluate import HoldoutEvaluation

EXPERIMENT = "ecom-clv"
CURVE_PNG = "cumulative_repeat_purchases.png"
CURVE_CSV = "cumulative_repeat_purchases.csv"
CUSTOMERS_CSV = "holdout_customers.csv"


def plot_cumulative(evaluation: HoldoutEvaluation, path: Path) -> Path:
    """Predicted vs actual cumulative repeat purchases by holdout week, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = evaluation.cumulative
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    try:
        ax.plot(curve["week"], curve["actual"], label="actual", color="black")
        ax.plot(curve["week"], curve["predicted"], label="BG/NBD", linestyle="--")
        ax.set_xlabel("week of the holdout period")
        ax.set_ylabel("cumulative repeat purchases")
        ax.set_title(
            f"CLV holdout: MAE {evaluation.metrics['mae']:.3f} "
            f"vs same-rate {evaluation.metrics['naive_mae']:.3f} per customer"
        )
        ax.legend()
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path


def log_holdout_evaluation(
    evaluation: HoldoutEvaluation,
    *,
    calibration_end: dt.date,
    holdout_end: dt.date,
    url: str | None = None,
    tracking_uri: str | None = None,
) -> str:
    """Log the evaluation as a run of `ecom-clv` (lineage tags from the warehouse at `url`);
    the run id."""
    import mlflow

    from ml.tracking import configure_tracking, ensure_experiment, lineage_tags

    config = configure_tracking(tracking_uri)
    ensure_experiment(EXPERIMENT, config)
    with mlflow.start_run(run_name="clv-holdout") as run:
        mlflow.set_tags({**lineage_tags(url), "stage": "holdout_evaluation"})
        mlflow.log_params(
            {
                "calibration_end": calibration_end.isoformat(),
                "holdout_end": holdout_end.isoformat(),
                "baseline": "same repeat rate as in calibration (frequency / T)",
            }
        )
        mlflow.log_metrics({f"holdout_{k}": v for k, v in evaluation.metrics.items()})
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            plot_cumulative(evaluation, out / CURVE_PNG)
            evaluation.cumulative.to_csv(out / CURVE_CSV, index=False)
            evaluation.customers.to_csv(out / CUSTOMERS_CSV, index=False)
            mlflow.log_artifacts(str(out), artifact_path="holdout")
        return run.info.run_id
