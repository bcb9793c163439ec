"""Benchmark the churn model: tuning + training time for a fixed trial count, and batch scoring.

Usage: python -m bench.bench_churn [--scale 1.0] [--trials 20] [--seed 42]

Prepares (once, cached) a generated batch in var/bench/scale_<scale> (shared with bench_load),
a database `bench_churn_<scale>` on the embedded server with the batch loaded and the ML marts
built, and an MLflow store in var/bench/churn-mlflow. Then times `train_and_register` (the
optuna search, final fit, baseline, evaluation, artifacts, registration) and `score_customers`
(read features, predict, write ml.churn_scores), and the pure prediction step alone. Prints one
JSON line with a human-readable "summary" list. The baseline for training time is the single
final fit with the best parameters; for scoring, predicting without the warehouse round trip.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402

from bench.common import BENCH_DIR, ensure_batch, ensure_bench_database  # noqa: E402


def prepare(scale: float, seed: int) -> tuple[str, dict[str, float]]:
    """Batch, load, dbt: each step skipped when already done. Returns (url, seconds per step)."""
    from ml.churn.data import latest_order_date, plan_cutoffs
    from orchestration.dbt_runner import run_dbt
    from warehouse.loader import load_batch

    # our own dbt target/log dirs: other dbt runs in the checkout must not race with ours
    os.environ.setdefault("DBT_TARGET_PATH", str(BENCH_DIR / "churn-dbt-target"))
    os.environ.setdefault("DBT_LOG_PATH", str(BENCH_DIR / "churn-dbt-logs"))
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    batch = ensure_batch(scale, seed)
    seconds["generate"] = time.perf_counter() - t
    url = ensure_bench_database("bench_churn", scale)
    t = time.perf_counter()
    load_batch(batch, url, validate=False)  # skipped when the ledger already has it
    seconds["load"] = time.perf_counter() - t
    with psycopg.connect(url) as conn:
        built = conn.execute(
            "select to_regclass('ml_features.ml_cutoffs') is not null"
            " and to_regclass('marts.fct_orders') is not null"
            " and to_regclass('marts.dim_customers') is not null"
        ).fetchone()[0]
    if not built:
        with psycopg.connect(url) as conn:
            data_end = conn.execute(
                "select max((ordered_at at time zone 'UTC')::date) from raw.orders"
            ).fetchone()[0]
        train, evaluation, score = plan_cutoffs(data_end, 90, 3)
        dbt_vars = json.dumps(
            {"ml_cutoff_dates": [d.isoformat() for d in [*train, evaluation, score]]}
        )
        t = time.perf_counter()
        code = run_dbt(
            [
                "run",
                "--select",
                "+ml_customer_features",
                "+ml_churn_labels",
                "+ml_cutoffs",
                "+fct_orders",
                "+dim_customers",
                "--vars",
                dbt_vars,
                "--threads",
                "2",
            ],
            url,
        )
        if code != 0:
            raise SystemExit(f"dbt run failed with exit code {code}")
        seconds["dbt_ml_marts"] = time.perf_counter() - t
    latest_order_date(url)  # fails clearly when staging is missing
    return url, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from ml.churn.batch import resolve_model, score_customers
    from ml.churn.data import load_scoring_frame
    from ml.churn.predict import churn_probability, load_churn_model
    from ml.churn.train import train_and_register
    from ml.tracking import configure_tracking, default_tracking_uri

    url, prep = prepare(args.scale, args.seed)
    tracking = default_tracking_uri(BENCH_DIR / "churn-mlflow")
    configure_tracking(tracking)

    t = time.perf_counter()
    result = train_and_register(
        url, n_trials=args.trials, tracking_uri=tracking, seed=args.seed
    )
    train_seconds = time.perf_counter() - t

    model_uri = f"models:/{result.model_name}/{result.version}"
    t = time.perf_counter()
    rows = score_customers(url, model_uri, tracking_uri=tracking)
    score_seconds = time.perf_counter() - t

    pipeline = load_churn_model(resolve_model(model_uri).uri)
    frame = load_scoring_frame(url)
    t = time.perf_counter()
    churn_probability(pipeline, frame)
    predict_seconds = time.perf_counter() - t

    s = result.seconds
    m = result.metrics
    out = {
        "scale": args.scale,
        "trials": args.trials,
        "n_train": result.n_train,
        "n_eval": result.n_eval,
        "prepare_seconds": {k: round(v, 2) for k, v in prep.items()},
        "train_and_register_seconds": round(train_seconds, 2),
        "tuning_seconds": round(s["tuning"], 2),
        "final_fit_seconds": round(s["final_fit"], 2),
        "baseline_fit_seconds": round(s["baseline_fit"], 2),
        "score_rows": rows,
        "score_seconds": round(score_seconds, 3),
        "score_rows_per_second": round(rows / score_seconds),
        "predict_rows_per_second": round(len(frame) / predict_seconds),
        "metrics": {k: round(v, 4) for k, v in m.items()},
        "baseline_metrics": {
            k: round(v, 4) for k, v in result.baseline_metrics.items()
        },
        "oracle_auc": result.oracle_auc,
        "clairvoyant_auc": result.clairvoyant_auc,
        "quality_bar": result.quality_bar,
        "registry": {"version": result.version, "alias": result.alias},
        "summary": [
            f"scale {args.scale:g}: {result.n_train:,} training rows ({len(result.train_cutoffs)} cutoffs), "
            f"{result.n_eval:,} evaluation rows",
            f"tuning {args.trials} optuna trials: {s['tuning']:.1f} s; final fit {s['final_fit']:.1f} s "
            f"(tuning = {s['tuning'] / max(s['final_fit'], 1e-9):.1f}x one fit); "
            f"whole train_and_register {train_seconds:.1f} s",
            f"batch scoring {rows:,} customers end to end: {rows / score_seconds:,.0f} rows/s "
            f"(prediction alone {len(frame) / predict_seconds:,.0f} rows/s)",
            f"ROC AUC {m['roc_auc']:.3f} vs Bayes oracle {result.oracle_auc or float('nan'):.3f} "
            f"(ratio {result.quality_bar.get('oracle_ratio') or float('nan'):.3f}), accuracy "
            f"{m['accuracy']:.3f}; quality bar {'passed' if result.quality_bar['passed'] else 'FAILED'}",
        ],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
