"""Benchmark on simulated data: quality vs the popularity baseline, fit and scoring speed.

Run `python -m bench.bench_recommender_simulated [--tune N]`; prints one JSON document (the figures in
docs/recommender.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from ml.recommender.evaluate import evaluate
from ml.recommender.fit import METHODS, fit
from ml.recommender.ratings import evaluate_ratings, fit_ratings
from ml.recommender.simulate import simulate_interactions, simulate_ratings
from ml.recommender.split import temporal_split
from ml.recommender.tune import tune


def bench_implicit(seed: int = 0, tune_trials: int = 0) -> dict[str, Any]:
    """Fit every method on a 2000 x 500 simulated log; temporal 80/20 holdout."""
    train, test = temporal_split(simulate_interactions(seed=seed), test_fraction=0.2)
    results: dict[str, Any] = {"train_rows": len(train), "test_rows": len(test)}
    for method in METHODS:
        start = time.perf_counter()
        model = fit(train, method)
        fit_seconds = time.perf_counter() - start
        users = list(model.user_ids)
        start = time.perf_counter()
        batch = model.recommend_batch(users, k=10)
        batch_seconds = time.perf_counter() - start
        latencies = []
        for user in users[:500]:
            start = time.perf_counter()
            model.recommend(user, k=10)
            latencies.append(time.perf_counter() - start)
        results[method] = {
            **{
                key: round(value, 4)
                for key, value in evaluate(model, train, test).items()
            },
            "fit_seconds": round(fit_seconds, 3),
            "batch_rows_per_second": round(len(batch) / batch_seconds),
            "single_recommend_median_ms": round(1000 * statistics.median(latencies), 3),
        }
    if tune_trials:
        inner, validation = temporal_split(train, test_fraction=0.2)
        best, _ = tune(inner, validation, method="als", n_trials=tune_trials, seed=seed)
        tuned = evaluate(fit(train, "als", **best), train, test)
        results["als_tuned"] = {"params": best, "ndcg@10": round(tuned["ndcg@10"], 4)}
    return results


def bench_ratings(seed: int = 0) -> dict[str, Any]:
    """Baseline vs SVD on 1000 x 300 simulated 1-5 star ratings, random 80/20 split."""
    ratings = simulate_ratings(seed=seed)
    train = ratings.sample(frac=0.8, random_state=seed)
    test = ratings.drop(train.index)
    out: dict[str, Any] = {}
    for method in ("baseline", "svd"):
        start = time.perf_counter()
        model = fit_ratings(train, method)
        seconds = time.perf_counter() - start
        scores = evaluate_ratings(model, test)
        out[method] = {key: round(value, 4) for key, value in scores.items()}
        out[method]["fit_seconds"] = round(seconds, 3)
    return out


def main() -> None:
    """Print the benchmark figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tune", type=int, default=0, help="optuna trials for a tuned ALS row"
    )
    args = parser.parse_args()
    figures = {
        "implicit": bench_implicit(args.seed, args.tune),
        "ratings": bench_ratings(args.seed),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
