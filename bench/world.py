"""The benchmarks' world: the platform built by its own `full_refresh` job, cached per scale.

`ensure_world(scale)` runs `orchestration.pipeline.execute_full_refresh` once into the embedded
server's database `bench_world_s<scale>` (landing, MLflow store and Dagster home under
var/bench/world-s<scale>/) and reuses it afterwards, so the app, API, churn and recommender
benchmarks measure what `ecom run` builds, not a copy of it. Benchmarks that time the build
itself (dbt, load, generator) make their own inputs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import BENCH_DIR

#: Tables whose presence means the job got to the end on a previous call.
_COMPLETE = (
    "ml.churn_scores",
    "ml.customer_clv",
    "ml.recommendations",
    "analytics.campaign_effects",
)


@dataclass(frozen=True)
class BenchWorld:
    url: str
    database: str
    home: Path
    landing: Path
    tracking_uri: str
    dagster_home: Path
    seconds: float  # the job's wall time when it ran now, else the recorded one
    built_now: bool

    @property
    def dbt_target_dir(self) -> Path:
        return Path(json.loads((self.home / "world.json").read_text())["dbt_target"])


def _name(scale: float) -> str:
    return f"bench_world_s{scale:g}".replace(".", "_")


def ensure_world(scale: float, seed: int = 42, n_trials: int = 10) -> BenchWorld:
    """The cached world at `scale` (built by the platform's job on first use)."""
    from orchestration.pipeline import execute_full_refresh, platform_environment
    from warehouse.connection import database_url
    from warehouse.databases import admin_url, drop_database, ensure_database
    from warehouse.reading import missing_relations

    home = BENCH_DIR / f"world-s{scale:g}"
    admin = admin_url(database_url(start=True))
    url = ensure_database(admin, _name(scale))
    landing, dagster_home = home / "landing", home / "dagster"
    tracking_uri = f"sqlite:///{home / 'mlflow.db'}"
    record = home / "world.json"
    if record.is_file() and not missing_relations(url, _COMPLETE):
        seconds = float(json.loads(record.read_text())["seconds"])
        return BenchWorld(
            url, _name(scale), home, landing, tracking_uri, dagster_home, seconds, False
        )
    # a partial or stale world: start again from an empty database and store
    drop_database(admin, _name(scale))
    url = ensure_database(admin, _name(scale))
    for stale in (home / "mlflow.db", record):
        stale.unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with platform_environment(
        database_url=url,
        landing_dir=landing,
        tracking_uri=tracking_uri,
        dagster_home=dagster_home,
    ):
        result = execute_full_refresh(
            scale=scale, seed=seed, n_trials=n_trials, log_level="WARNING"
        )
    seconds = time.perf_counter() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise RuntimeError(f"the platform's full_refresh job failed: {failed}")
    targets = sorted(
        (Path(__file__).resolve().parents[1] / "dbt_project" / "target").glob(
            f"warehouse_dbt-{result.run_id[:7]}-*"
        )
    )
    record.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "run_id": result.run_id,
                "scale": scale,
                "seed": seed,
                "dbt_target": str(targets[-1]),
            }
        )
    )
    return BenchWorld(
        url, _name(scale), home, landing, tracking_uri, dagster_home, seconds, True
    )
