"""Benchmark the churn model: tuning + training time for a fixed trial count, and batch scoring.

Usage: python -m bench.bench_churn [--scale 1.0] [--trials 20] [--seed 42]

Uses the benchmarks' world (bench/world.py: the platform built by its own job, cached) and an
MLflow store of its own in var/bench/churn-mlflow. Then times `train_and_register` on the
world's marts and cutoff plan (the optuna search, final fit, baseline, evaluation, artifacts,
registration) and `score_customers` (read features, predict, write ml.churn_scores on a copy of
the world), and the pure prediction step alone. Prints one JSON line with a human-readable
"summary" list. The baseline for training time is the single final fit with the best
parameters; for scoring, predicting without the warehouse round trip.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import BENCH_DIR  # noqa: E402
from bench.world import ensure_world  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from ml.churn.batch import resolve_model, score_customers
    from ml.churn.marts import load_scoring_frame
    from ml.churn.predict import churn_probability, load_churn_model
    from ml.churn.train import train_and_register
    from ml.tracking import configure_tracking, default_tracking_uri
    from warehouse.databases import admin_url, create_database, drop_database

    world = ensure_world(args.scale, args.seed)
    url = world.url
    tracking = default_tracking_uri(BENCH_DIR / "churn-mlflow")
    configure_tracking(tracking)

    t = time.perf_counter()
    result = train_and_register(
        url, n_trials=args.trials, tracking_uri=tracking, seed=args.seed
    )
    train_seconds = time.perf_counter() - t

    model_uri = f"models:/{result.model_name}/{result.version}"
    admin = admin_url(url)
    # scoring replaces ml.churn_scores: time it on a copy, the world stays as the job left it
    copy, copy_url = create_database(
        admin, "bench_churn_scores", template=world.database
    )
    try:
        t = time.perf_counter()
        rows = score_customers(copy_url, model_uri, tracking_uri=tracking)
        score_seconds = time.perf_counter() - t
    finally:
        drop_database(admin, copy)

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
        "world_job_seconds": round(world.seconds, 1),
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
            f"ROC AUC {m['roc_auc']:.3f} vs the recency/frequency baseline "
            f"{result.baseline_metrics['roc_auc']:.3f}, accuracy {m['accuracy']:.3f}; "
            f"quality bar {'passed' if result.quality_bar['passed'] else 'FAILED'} "
            "(the oracle comparison is the evaluation layer's: evaluation/churn_vs_oracle)",
        ],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
