"""Benchmark the recommender on the warehouse: training, batch top-10, single-user latency.

Usage: python -m bench.bench_recommender [--scale 1.0] [--trials 10] [--seed 42]

Uses the benchmarks' world (bench/world.py: the platform built by its own job, cached) and an
MLflow store of its own in var/bench/rec-mlflow. Then times:

- reading the day-grain interaction log from the marts;
- `train_and_register` (tuning each candidate method, holdout evaluation, ratings, final fit
  on all data, MLflow logging, registration, gate) and the final fit alone;
- top-10 for every customer: the in-memory `recommend_batch` (rows/s) and `write_batch_outputs`
  end to end on a copy of the world (load from the registry, predict, similar products, two
  atomic table replaces);
- single-user `recommend` latency (median and p99 over 1,000 random customers, known and cold).

Prints one JSON line with a human-readable "summary" list.
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

import numpy as np  # noqa: E402

from bench.common import BENCH_DIR  # noqa: E402
from bench.world import ensure_world  # noqa: E402


def latency_ms(model, users: np.ndarray, k: int = 10) -> dict[str, float]:
    """Median / p99 wall time of single-user `recommend` calls, in milliseconds."""
    times = []
    for user in users:
        t = time.perf_counter()
        model.recommend(user, k=k)
        times.append((time.perf_counter() - t) * 1000)
    return {"median": float(np.median(times)), "p99": float(np.percentile(times, 99))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    import optuna

    from ml.recommender import train as pipeline
    from ml.recommender.batch import write_batch_outputs
    from ml.recommender.marts import load_customers, load_interactions
    from ml.recommender.pyfunc import load_recommender
    from ml.tracking import default_tracking_uri
    from warehouse.databases import admin_url, create_database, drop_database

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    world = ensure_world(args.scale, args.seed)
    url = world.url
    tracking = default_tracking_uri(BENCH_DIR / "rec-mlflow")

    t = time.perf_counter()
    log_frame = load_interactions(url)
    read_seconds = time.perf_counter() - t

    t = time.perf_counter()
    result = pipeline.train_and_register(
        url, n_trials=args.trials, seed=args.seed, tracking_uri=tracking
    )
    train_seconds = time.perf_counter() - t

    model, _ = load_recommender(result.model_uri)
    customers = load_customers(url).index.to_numpy()
    t = time.perf_counter()
    batch = model.recommend_batch(customers, k=10)
    batch_seconds = time.perf_counter() - t

    # the batch outputs replace ml tables: time them on a copy, the world stays as it was
    admin = admin_url(url)
    copy, copy_url = create_database(
        admin, "bench_rec_outputs", template=world.database
    )
    try:
        t = time.perf_counter()
        written = write_batch_outputs(
            copy_url, result.model_uri, k=10, tracking_uri=tracking
        )
        write_seconds = time.perf_counter() - t
    finally:
        drop_database(admin, copy)

    rng = np.random.default_rng(args.seed)
    sample = rng.choice(customers, size=min(1000, len(customers)), replace=False)
    model.recommend(int(sample[0]), k=10)  # warm-up
    latency = latency_ms(model, sample)

    s, m = result.seconds, result.metrics
    holdout = m["holdout"]
    ratio = m["cf_over_popularity_ndcg@10"]
    ratings = m.get("ratings") or {}
    out = {
        "scale": args.scale,
        "trials_per_method": args.trials,
        "n_interaction_rows": len(log_frame),
        "n_users": model.n_users,
        "n_items": model.n_items,
        "n_customers": len(customers),
        "world_job_seconds": round(world.seconds, 1),
        "read_interactions_seconds": round(read_seconds, 2),
        "train_and_register_seconds": round(train_seconds, 2),
        "pipeline_seconds": {k: round(v, 2) for k, v in s.items()},
        "selected_method": result.recipe["method"],
        "batch_top10_rows": len(batch),
        "batch_top10_rows_per_second": round(len(batch) / batch_seconds),
        "write_batch_outputs_seconds": round(write_seconds, 2),
        "written": written,
        "single_user_latency_ms": {k: round(v, 3) for k, v in latency.items()},
        "holdout_ndcg@10": {
            name: round(v["ndcg@10"], 4) for name, v in holdout.items()
        },
        "cf_over_popularity_ndcg@10": None if ratio is None else round(ratio, 3),
        "ratings": {k: round(v, 4) for k, v in ratings.items()},
        "registry": {"version": result.version, "alias": result.alias},
        "summary": [
            f"scale {args.scale:g}: {len(log_frame):,} customer x product x day rows, "
            f"{model.n_users:,} users x {model.n_items:,} items; read from the warehouse in {read_seconds:.1f} s",
            f"train_and_register {train_seconds:.1f} s ({args.trials} trials per tuned method: tuning "
            f"{s['tuning']:.1f} s); final fit of '{result.recipe['method']}' on all data {s['final_fit']:.2f} s",
            f"top-10 for all {len(customers):,} customers: {len(batch) / batch_seconds:,.0f} rows/s in memory; "
            f"write_batch_outputs end to end {write_seconds:.1f} s",
            f"single-user recommend: median {latency['median']:.2f} ms, p99 {latency['p99']:.2f} ms",
            f"holdout NDCG@10: {m['cf_method']} {holdout['cf']['ndcg@10']:.4f} vs popularity "
            f"{holdout['popularity']['ndcg@10']:.4f} (ratio {ratio or float('nan'):.2f}); "
            f"selected '{result.recipe['method']}'",
        ],
    }
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
