"""Coverage of the causal estimates on the platform's own data, over generator seeds.

Usage: python bench/bench_causal_coverage.py [--seeds 20] [--first-seed 100] [--scale 0.05]
       [--out results.jsonl]

Every seed runs the real pipeline: generate a batch, load it into a new database on the
embedded server (dropped afterwards), `dbt run` the marts the analysis reads, rebuild the
datasets with `ml.causal.marts` and estimate. The planted truth (ground_truth.json) is
only compared with the estimates. Prints one JSON line per seed, then a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from scipy import stats  # noqa: E402

from ml.causal import did, dowhy_analysis, heterogeneous, psm  # noqa: E402
from ml.causal.campaign_estimates import TIER_PSM_OPTIONS  # noqa: E402
from ml.causal.marts import (  # noqa: E402
    CAMPAIGN_COVARIATES,
    TIERS,
    campaign_dataset,
    detect_rollout,
    rollout_panel,
)
from orchestration.dbt_runner import run_dbt  # noqa: E402
from seeds_generator import generate  # noqa: E402
from warehouse.connection import database_url  # noqa: E402
from warehouse.loader import load_batch  # noqa: E402

MARTS = [
    "+fct_orders",
    "+fct_campaign_exposures",
    "+dim_customers",
    "+dim_geography",
    "+dim_campaigns",
]
PSM_VARIANTS = {
    "psm_1nn": {"n_neighbors": 1},
    "psm_4nn": {"n_neighbors": 4},
    "psm_4nn_caliper": {"n_neighbors": 4, "caliper": 0.2},
}


def covers(lo: float, hi: float, value: float) -> bool:
    return bool(lo <= value <= hi)


def analyse(url: str, truth: dict) -> dict:
    """Every estimate of one seed beside its truth."""
    c, r = truth["campaign"], truth["rollout"]
    df = campaign_dataset(url)
    att = c["att_sample"]
    out: dict = {
        "att_sample": att,
        "att_expected": c["att_expected"],
        "n_eligible": len(df),
        "n_treated": int(df["treated"].sum()),
        "campaign_found": df.attrs["design"].campaign_id == c["campaign_id"],
    }
    naive = psm.naive_difference(df, "treated", "net_revenue_outcome")
    out["naive"] = naive.estimate
    out["naive_excludes_truth"] = not covers(naive.ci_low, naive.ci_high, att)
    for name, options in PSM_VARIANTS.items():
        res = psm.estimate_att(
            df, "treated", "net_revenue_outcome", CAMPAIGN_COVARIATES, **options
        )
        out[name] = res.estimate
        out[f"{name}_se"] = res.std_error
        out[f"{name}_covers"] = covers(res.ci_low, res.ci_high, att)
        out[f"{name}_max_smd"] = float(res.balance["smd_after"].abs().max())
    placebo = dowhy_analysis.run(
        df, "treated", "net_revenue_outcome", CAMPAIGN_COVARIATES, num_simulations=10
    ).refutation("placebo_treatment_refuter")
    out["placebo_effect"] = placebo.new_effect
    cate = heterogeneous.cate_by_segment(
        df,
        "treated",
        "net_revenue_outcome",
        [x for x in CAMPAIGN_COVARIATES if x != "tier_rank"],
        segment="loyalty_tier",
    )
    est = [float(cate.loc[t, "estimate"]) for t in TIERS]
    out["cate"] = est
    controls = [x for x in CAMPAIGN_COVARIATES if x != "tier_rank"]
    tier_att, tier_covers = [], []
    for tier in TIERS:
        part = df[df["loyalty_tier"] == tier]
        res = psm.estimate_att(
            part, "treated", "net_revenue_outcome", controls, **TIER_PSM_OPTIONS
        )
        truth_tier = c["att_by_segment"][tier]["att_sample"]
        tier_att.append(res.estimate)
        tier_covers.append(covers(res.ci_low, res.ci_high, truth_tier))
    out["tier_psm_att"], out["tier_psm_covers"] = tier_att, tier_covers
    out["cate_true_att"] = [c["att_by_segment"][t]["att_sample"] for t in TIERS]
    out["cate_n_treated"] = [c["att_by_segment"][t]["n_treated"] for t in TIERS]
    out["cate_spearman_vs_truth"] = float(
        stats.spearmanr(est, out["cate_true_att"]).statistic
    )
    out["tier_psm_spearman_vs_truth"] = float(
        stats.spearmanr(tier_att, out["cate_true_att"]).statistic
    )
    out["cate_bronze_below_platinum"] = est[0] < est[-1]
    out["cate_spearman_vs_uplift"] = float(
        stats.spearmanr(est, range(len(TIERS))).statistic
    )

    design = detect_rollout(url)
    out["rollout_detected"] = (
        sorted(design.treated_regions) == sorted(r["treated_regions"])
        and str(design.rollout_date) == r["rollout_date"]
    )
    panel = rollout_panel(url, design)
    effect = r["effect_sample"]
    out["rollout_effect_sample"], out["rollout_effect_expected"] = (
        effect,
        r["effect_expected"],
    )
    two = did.did_2x2(panel, "orders", "treated", "post", cluster="cluster_id")
    out["did"], out["did_se"] = two.estimate, two.std_error
    out["did_covers"] = covers(two.ci_low, two.ci_high, effect)
    out["did_covers_expected"] = covers(two.ci_low, two.ci_high, r["effect_expected"])
    study = did.event_study(
        panel,
        "orders",
        "customer_id",
        "week",
        "start_week",
        leads=12,
        lags=11,
        cluster="cluster_id",
    )
    out["pretrend_p"] = study.pretrend_p_value
    return out


def one_seed(seed: int, scale: float, admin: str, work: Path) -> dict:
    started = time.perf_counter()
    batch = work / f"batch-{seed}"
    generate(batch, scale=scale, seed=seed, progress=False)
    name = f"causal_cov_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    try:
        load_batch(batch, url, validate=False)
        code = run_dbt(["run", "--select", *MARTS, "--threads", "2", "--quiet"], url)
        if code != 0:
            raise RuntimeError(f"dbt run failed for seed {seed} (exit {code})")
        built = time.perf_counter() - started
        truth = json.loads((batch / "ground_truth.json").read_text())
        out = {"seed": seed, "scale": scale, **analyse(url, truth)}
        out["seconds_pipeline"] = round(built, 1)
        out["seconds_total"] = round(time.perf_counter() - started, 1)
        return out
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def summarise(rows: list[dict]) -> dict:
    def share(key: str) -> float:
        return float(np.mean([r[key] for r in rows]))

    summary = {"seeds": len(rows)}
    for key in [
        "naive_excludes_truth",
        *[f"{n}_covers" for n in PSM_VARIANTS],
        "did_covers",
        "did_covers_expected",
        "campaign_found",
        "rollout_detected",
    ]:
        summary[key] = share(key)
    for name in PSM_VARIANTS:
        err = np.array([r[name] - r["att_sample"] for r in rows])
        summary[f"{name}_bias_mean"] = float(err.mean())
        summary[f"{name}_error_sd"] = float(err.std(ddof=1))
        summary[f"{name}_se_mean"] = float(np.mean([r[f"{name}_se"] for r in rows]))
        summary[f"{name}_smd_below_0.1"] = float(
            np.mean([r[f"{name}_max_smd"] < 0.1 for r in rows])
        )
    summary["naive_bias_mean"] = float(
        np.mean([r["naive"] - r["att_sample"] for r in rows])
    )
    summary["att_sample_mean"] = float(np.mean([r["att_sample"] for r in rows]))
    summary["did_error_sd"] = float(
        np.std([r["did"] - r["rollout_effect_sample"] for r in rows], ddof=1)
    )
    summary["did_se_mean"] = float(np.mean([r["did_se"] for r in rows]))
    summary["pretrend_rejects_5pct"] = float(
        np.mean([r["pretrend_p"] < 0.05 for r in rows])
    )
    summary["placebo_abs_mean"] = float(
        np.mean([abs(r["placebo_effect"]) for r in rows])
    )
    summary["cate_spearman_mean"] = float(
        np.mean([r["cate_spearman_vs_uplift"] for r in rows])
    )
    summary["cate_bronze_below_platinum"] = share("cate_bronze_below_platinum")
    summary["cate_spearman_vs_truth_mean"] = float(
        np.mean([r["cate_spearman_vs_truth"] for r in rows])
    )
    summary["tier_psm_covers"] = float(
        np.mean([x for r in rows for x in r["tier_psm_covers"]])
    )
    summary["tier_psm_spearman_mean"] = float(
        np.mean([r["tier_psm_spearman_vs_truth"] for r in rows])
    )
    summary["tier_psm_spearman_at_least_0.8"] = float(
        np.mean([r["tier_psm_spearman_vs_truth"] >= 0.8 - 1e-9 for r in rows])
    )
    summary["cate_order_exact"] = float(
        np.mean([r["cate_spearman_vs_uplift"] == 1.0 for r in rows])
    )
    summary["seconds_per_seed"] = float(np.mean([r["seconds_total"] for r in rows]))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument(
        "--out", type=Path, default=None, help="also append JSON lines here"
    )
    args = parser.parse_args()
    admin = psycopg.conninfo.make_conninfo(
        database_url(role="admin"), dbname="postgres"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="causal-coverage-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("DBT_TARGET_PATH", str(work / "dbt-target"))
        os.environ.setdefault("DBT_LOG_PATH", str(work / "dbt-logs"))
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            row = one_seed(seed, args.scale, admin, work)
            rows.append(row)
            line = json.dumps(row)
            print(line, flush=True)
            if args.out:
                with args.out.open("a") as fh:
                    fh.write(line + "\n")
    print(json.dumps({"summary": summarise(rows)}, indent=2))


if __name__ == "__main__":
    main()
