"""The whole platform on The Complete Journey (a real grocery retailer), full size: step times
and every model against its baselines, as ratios measured in the same run.

python -m bench.bench_real_data                       # run `ecom run --source completejourney` into var/bench/completejourney
python -m bench.bench_real_data --home var/cj --reuse # report on a home that already ran it (latest run of each step)
BENCH_REAL_DATA_HOME=var/cj BENCH_REAL_DATA_REUSE=1 python -m bench real_data   # the same, recorded in docs/BENCHMARKS.md

Needs the `completejourney` extra (installed by `make install`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from decimal import Decimal
from pathlib import Path

from bench.machine import machine_info

REPO = Path(__file__).resolve().parents[1]
STEPS = (
    "landed_batch",
    "raw_expectations",
    "raw_tables",
    "warehouse_dbt",
    "ml__churn_model",
    "ml__customer_clv",
    "ml__recommender_model",
    "ml__recommendations",
    "analytics__campaign_effects",
)


def _run(trials: int) -> float:
    from orchestration.pipeline import execute_full_refresh

    started = time.perf_counter()
    result = execute_full_refresh(
        scale=0, seed=0, n_trials=trials, source="completejourney", log_level="WARNING"
    )
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise SystemExit(f"the Complete Journey run failed: {failed}")
    return time.perf_counter() - started


def _step_seconds() -> dict[str, float]:
    """Seconds of the latest successful execution of each step, over the home's runs."""
    import dagster as dg

    from orchestration.instance import ensure_dagster_home

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home())
    seconds: dict[str, float] = {}
    with dg.DagsterInstance.get() as instance:
        for run in instance.get_runs(limit=20):  # newest first
            for stat in instance.get_run_step_stats(run.run_id):
                done = stat.status and stat.status.value == "SUCCESS"
                if done and stat.step_key in STEPS and stat.step_key not in seconds:
                    seconds[stat.step_key] = round(stat.end_time - stat.start_time, 1)
    return seconds


def _latest_run(client, experiment: str, run_name: str):
    found = client.get_experiment_by_name(experiment)
    runs = client.search_runs(
        [found.experiment_id],
        filter_string=f"attributes.run_name = '{run_name}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0].data


def _models() -> dict:
    from mlflow import MlflowClient

    from ml.tracking import resolve_tracking

    client = MlflowClient(tracking_uri=resolve_tracking().tracking_uri)
    churn = _latest_run(client, "ecom-churn", "churn-train")
    clv = _latest_run(client, "ecom-clv", "clv-holdout")
    reco = _latest_run(client, "ecom-recommender", "recommender-train")
    protocol = reco.params["protocol"]

    def ndcg(proto: str, method: str) -> float:
        return round(reco.metrics[f"protocols_{proto}_{method}_ndcg_at_10"], 4)

    methods = sorted(
        k.removeprefix(f"protocols_{protocol}_").removesuffix("_ndcg_at_10")
        for k in reco.metrics
        if k.startswith(f"protocols_{protocol}_") and k.endswith("_ndcg_at_10")
    )
    champion = reco.metrics["gate_champion_ndcg_at_10"]
    return {
        "churn": {
            "roc_auc": round(churn.metrics["eval_roc_auc"], 4),
            "baseline_roc_auc": round(churn.metrics["baseline_eval_roc_auc"], 4),
            "ratio_vs_baseline": round(
                churn.metrics["eval_roc_auc"] / churn.metrics["baseline_eval_roc_auc"],
                4,
            ),
            "horizon_days": int(churn.params["horizon_days"]),
            "quality_bar": churn.tags.get("quality_bar"),
        },
        "clv": {
            "mae": round(clv.metrics["holdout_mae"], 4),
            "naive_mae": round(clv.metrics["holdout_naive_mae"], 4),
            "naive_over_model_mae": round(
                clv.metrics["holdout_naive_mae"] / clv.metrics["holdout_mae"], 4
            ),
            "calibration_end": clv.params["calibration_end"],
        },
        "recommender": {
            "protocol": protocol,
            "champion": reco.params["candidate"],
            "exclude_seen": reco.params["exclude_seen"],
            "champion_ndcg_at_10": round(champion, 4),
            "champion_over_popularity": round(
                champion / reco.metrics["gate_popularity_ndcg_at_10"], 3
            ),
            "champion_over_buy_again": round(
                champion / reco.metrics["gate_buy_again_ndcg_at_10"], 3
            ),
            "ndcg_at_10": {
                proto: {m: ndcg(proto, m) for m in methods}
                for proto in ("all_items", "new_items")
            },
        },
    }


def _warehouse() -> dict:
    import psycopg

    from sources.completejourney import source_totals
    from warehouse.connection import database_url

    url = database_url(start=True)
    with psycopg.connect(url) as conn:
        raw = conn.execute(
            "select (select count(*) from raw.customers), (select count(*) from raw.orders),"
            " (select count(*) from raw.order_items), (select sum(order_total) from raw.orders)"
        ).fetchone()
        effects = conn.execute(
            "select method, estimate, ci_low, ci_high from analytics.campaign_effects"
            " where analysis = 'campaign' and subgroup is null"
        ).fetchall()
    source = source_totals()
    reconciled = raw == (
        source["households"],
        source["baskets"],
        source["lines"],
        Decimal(source["sales_value"]),
    )
    by_method = {m: (e, lo, hi) for m, e, lo, hi in effects}
    return {
        "raw_rows": {"customers": raw[0], "orders": raw[1], "order_items": raw[2]},
        "revenue": str(raw[3]),
        "reconciled_with_source": reconciled,
        "campaign": {
            m: [None if v is None else round(v, 2) for v in by_method[m]]
            for m in ("naive", "psm_att", "did_pre_post")
            if m in by_method
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--home",
        default=os.environ.get(
            "BENCH_REAL_DATA_HOME", str(REPO / "var" / "bench" / "completejourney")
        ),
    )
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument(
        "--reuse",
        action="store_true",
        default=os.environ.get("BENCH_REAL_DATA_REUSE") == "1",
        help="report on the home's existing runs",
    )
    args = parser.parse_args()
    os.environ["ECOM_HOME"] = str(Path(args.home).resolve())
    total = None if args.reuse else round(_run(args.trials), 1)
    result = {
        "home": args.home,
        "trials": args.trials,
        "total_seconds": total,
        "step_seconds": _step_seconds(),
        **_warehouse(),
        "models": _models(),
        "machine": machine_info(),
    }
    models = result["models"]
    churn, clv, reco = models["churn"], models["clv"], models["recommender"]
    steps = result["step_seconds"]
    result["summary"] = [
        "The Complete Journey, full size (2,469 households, 1.47 M lines); "
        + ("latest run of each step in " + args.home if args.reuse else "one run")
        + "; other jobs ran beside it: read ratios",
        f"reconciled with the source: {result['reconciled_with_source']} "
        f"(revenue ${result['revenue']})",
        "steps (s): "
        + ", ".join(f"{k} {v:g}" for k, v in steps.items() if v is not None),
        f"churn ROC AUC {churn['roc_auc']} vs recency/frequency baseline "
        f"{churn['baseline_roc_auc']} (x{churn['ratio_vs_baseline']}); gate "
        f"{churn['quality_bar']}",
        f"CLV holdout MAE {clv['mae']} vs naive same-rate {clv['naive_mae']} "
        f"(naive/model {clv['naive_over_model_mae']}: the model MISSES the baseline)"
        if clv["naive_over_model_mae"] < 1
        else f"CLV holdout MAE {clv['mae']} vs naive same-rate {clv['naive_mae']} "
        f"(naive/model {clv['naive_over_model_mae']})",
        f"recommender ({reco['protocol']}): champion {reco['champion']} NDCG@10 "
        f"{reco['champion_ndcg_at_10']}, x{reco['champion_over_popularity']} popularity, "
        f"x{reco['champion_over_buy_again']} buy-again",
        "campaign (estimate, 95% CI): "
        + "; ".join(f"{m} {v}" for m, v in result["campaign"].items()),
    ]
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
