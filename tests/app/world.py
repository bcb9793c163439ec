"""A small, real warehouse for the BI app: generated, loaded, dbt-built, with `ml` tables.

The ML tables are written with the real libraries and the real batch writers (`ml.clv_batch`,
`ml.churn` model + `ml.churn.batch.score_frame`, `ml.recommender.fit`,
`ml.causal.effects.compute_campaign_effects`), but without MLflow tuning/registry runs, so the
world builds in about a minute at the test scale. Used by tests/app/conftest.py and
bench/bench_app.py (loaded from this file's path; tests/ is not a package).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class AppWorld:
    """Where the world lives and how long each step took."""

    url: str
    batch_dir: Path
    dbt_target_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)


def build_marts(
    url: str, batch_dir: Path, work_dir: Path, *, scale: float, seed: int
) -> AppWorld:
    """Generate a batch (unless `batch_dir` already holds one), load it, `dbt build` everything
    and record source freshness; dbt artifacts go to `work_dir/dbt-target`."""
    from orchestration.dbt_runner import run_dbt
    from seeds_generator import generate
    from warehouse.loader import load_batch

    world = AppWorld(url, batch_dir, work_dir / "dbt-target")
    t0 = time.perf_counter()
    if not (batch_dir / "manifest.json").is_file():
        generate(batch_dir, scale=scale, seed=seed, progress=False)
    t1 = time.perf_counter()
    load_batch(batch_dir, url, validate=False)
    t2 = time.perf_counter()
    saved = {k: os.environ.get(k) for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    os.environ["DBT_TARGET_PATH"] = str(world.dbt_target_dir)
    os.environ["DBT_LOG_PATH"] = str(work_dir / "dbt-logs")
    try:
        code = run_dbt(["build", "--threads", "2", "--quiet"], url)
        if code != 0:
            raise RuntimeError(f"dbt build for the app world failed (exit {code})")
        t3 = time.perf_counter()
        # freshness may warn on old synthetic data; only the artifact matters here
        run_dbt(["source", "freshness", "--quiet"], url)
        t4 = time.perf_counter()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    world.seconds.update(
        generate=t1 - t0, load=t2 - t1, dbt_build=t3 - t2, freshness=t4 - t3
    )
    return world


def write_clv(url: str) -> int:
    """`ml.customer_clv` by the real batch job (BG/NBD + Gamma-Gamma)."""
    from ml.clv_batch import score_clv

    return score_clv(url)


def write_churn_scores(url: str) -> int:
    """Fit the real churn pipeline (default hyper-parameters, no tuning) on the labelled
    cutoff and score the latest one into `ml.churn_scores` with the real batch writer."""
    from contracts.ml_outputs import CHURN_SCORES
    from ml.churn.batch import ResolvedModel, score_frame
    from ml.churn.data import available_cutoffs, load_labelled_frame, load_scoring_frame
    from ml.churn.features import infer_feature_spec
    from ml.churn.model import build_churn_pipeline, fit
    from warehouse.tables import replace_table

    cutoffs = available_cutoffs(url)
    labelled = cutoffs.loc[cutoffs["is_label_observable"], "cutoff_date"]
    train = load_labelled_frame(url, [max(labelled)])
    spec = infer_feature_spec(train)
    pipeline = fit(build_churn_pipeline(spec, {"n_estimators": 60}), train, spec)
    frame = load_scoring_frame(url)
    scores = score_frame(frame, pipeline, ResolvedModel("local", "ecom-churn", "1"))
    return replace_table(url, CHURN_SCORES, scores)


def write_recommendations(url: str, k: int = 10) -> int:
    """Fit ALS on the warehouse's interactions and write `ml.recommendations` and
    `ml.similar_products` in the batch job's table layout."""
    import ml.recommender as rec
    from contracts.ml_outputs import RECOMMENDATIONS, SIMILAR_PRODUCTS
    from ml.recommender.batch import similar_products_frame
    from ml.recommender.warehouse_io import load_customers, load_interactions
    from warehouse.tables import replace_table

    customers = load_customers(url)
    model = rec.fit(
        load_interactions(url), "als", factors=16, iterations=8, segments=customers
    )
    top = model.recommend_batch(customers.index, k=k)
    stamp = dt.datetime.now(dt.UTC)
    recs = pd.DataFrame(
        {
            "customer_id": top["user_id"].astype("int64"),
            "rank": top["rank"],
            "product_id": top["item_id"].astype("int64"),
            "score": top["score"],
            "is_cold_start": ~top["user_id"].map(model.is_known_user).astype(bool),
            "model_name": "ecom-recommender",
            "model_version": "1",
            "generated_at": stamp,
        }
    )
    similar = similar_products_frame(model, k).assign(
        model_version="1", generated_at=stamp
    )
    replace_table(url, SIMILAR_PRODUCTS, similar)
    return replace_table(url, RECOMMENDATIONS, recs)


def write_campaign_effects(url: str, batch_dir: Path) -> int:
    """`analytics.campaign_effects` by the real causal job (truth from the batch).

    At the tiny test scale some loyalty tiers have no propensity overlap and the job's
    per-tier step refuses to run; then the overall rows (naive, PSM ATT) and the rollout's
    DiD rows are computed with the same library calls and stored the same way.
    """
    from ml.causal.effects import compute_campaign_effects, load_ground_truth
    from ml.causal.results_store import write_campaign_effects as store

    try:
        effects = compute_campaign_effects(url, batch_dir, dowhy_simulations=2)
    except ValueError as exc:
        if "overlap" not in str(exc):
            raise
        effects = _overall_effects(url, load_ground_truth(batch_dir))
    # the store writes `diagnostics` as JSON, which has no NaN (a refuter's p-value can be NaN)
    effects["diagnostics"] = effects["diagnostics"].map(_json_safe)
    return store(url, effects)


def _json_safe(value: object) -> object:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _overall_effects(url: str, truth: dict) -> pd.DataFrame:
    from ml.causal import psm
    from ml.causal.campaign import CAMPAIGN_COVARIATES, campaign_dataset, rollout_panel
    from ml.causal.campaign_estimates import OUTCOME, PSM_OPTIONS
    from ml.causal.effect_rows import result_row
    from ml.causal.rollout_estimates import rollout_rows

    df = campaign_dataset(url)
    n, n_t = len(df), int(df["treated"].sum())
    att_true = truth["campaign"]["att_sample"]
    naive = psm.naive_difference(df, "treated", OUTCOME)
    match = psm.estimate_att(df, "treated", OUTCOME, CAMPAIGN_COVARIATES, **PSM_OPTIONS)
    rows = [
        result_row(
            "campaign",
            "naive",
            "difference in means",
            naive,
            n=n,
            n_treated=n_t,
            true_effect=att_true,
            runtime_seconds=None,
            diagnostics={},
        ),
        result_row(
            "campaign",
            "psm_att",
            "ATT",
            match,
            n=n,
            n_treated=match.n_treated,
            true_effect=att_true,
            runtime_seconds=None,
            diagnostics={},
        ),
        *rollout_rows(rollout_panel(url), truth["rollout"]),
    ]
    out = pd.DataFrame(rows)
    out["data_batch_id"] = None
    out["computed_at"] = dt.datetime.now(dt.UTC)
    return out


def build_ml_tables(world: AppWorld) -> AppWorld:
    """Fill the `ml` and `analytics` tables the app reads; times each step."""
    for name, step in (
        ("clv", lambda: write_clv(world.url)),
        ("churn", lambda: write_churn_scores(world.url)),
        ("recommendations", lambda: write_recommendations(world.url)),
        (
            "campaign_effects",
            lambda: write_campaign_effects(world.url, world.batch_dir),
        ),
    ):
        t0 = time.perf_counter()
        step()
        world.seconds[name] = time.perf_counter() - t0
    return world
