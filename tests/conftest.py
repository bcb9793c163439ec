"""Shared fixtures: an embedded PostgreSQL for the whole test session, fresh databases per use.

Tests never touch the user's own warehouse: ECOM_HOME points at a test-only directory and
ECOM_DATABASE_URL is removed for the session (server-mode tests ask for `server_url`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from warehouse.databases import admin_url, create_database, drop_database

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_HOME = REPO_ROOT / "var" / "test-home"
SERVER_URL = os.environ.get(
    "ECOM_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment() -> Iterator[None]:
    saved = {
        k: os.environ.get(k)
        for k in ("ECOM_HOME", "ECOM_DATABASE_URL", "MLFLOW_TRACKING_URI")
    }
    os.environ["ECOM_HOME"] = str(TEST_HOME)
    os.environ.pop("ECOM_DATABASE_URL", None)
    # anything that logs to MLflow without choosing a store lands in the test home, never ./mlflow.db
    TEST_HOME.mkdir(parents=True, exist_ok=True)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{TEST_HOME / 'mlflow-default.db'}"
    from warehouse.settings import get_settings

    get_settings.cache_clear()
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedded_url(_isolated_environment) -> str:
    """URL of the test session's embedded warehouse database (started on first use)."""
    from warehouse.connection import database_url

    return database_url()


@pytest.fixture
def fresh_database(embedded_url: str) -> Iterator[str]:
    """A new, empty database in the embedded server (libpq conninfo string); dropped afterwards."""
    admin = admin_url(embedded_url)
    name, conninfo = create_database(admin, "t")
    yield conninfo
    drop_database(admin, name)


@pytest.fixture(scope="session")
def server_admin_url() -> str:
    try:
        with psycopg.connect(SERVER_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        pytest.skip(
            f"server-mode test skipped: no PostgreSQL server at {SERVER_URL} ({exc})"
        )
    return SERVER_URL


@pytest.fixture
def server_url(server_admin_url: str) -> Iterator[str]:
    """A dedicated, uniquely named database on the PostgreSQL server; dropped afterwards."""
    name, conninfo = create_database(server_admin_url, "ecom_test")
    yield conninfo
    drop_database(server_admin_url, name)


# ------------------------------------------------------------------ the shared platform world

#: The one test world: the platform's own `full_refresh` job at this scale (5,000 customers,
#: two years), 2 optuna trials per model, a cutoff plan of 2 training cutoffs (a configured,
#: non-default plan: the ML tests check it flows from the warehouse build into training).
WORLD_SCALE = 0.05
WORLD_SEED = 7
WORLD_TRIALS = 2
WORLD_WAREHOUSE_CONFIG = {"ml_train_cutoff_count": 2}


@dataclass(frozen=True)
class PlatformWorld:
    """What `execute_full_refresh` built for the test session, and where."""

    url: str
    database: str
    template: str  # a pristine copy nobody connects to: clone it for tests that write
    landing: Path
    batch_dir: Path
    tracking_uri: str
    dagster_home: Path
    dbt_target_dir: Path
    run_id: str
    n_trials: int
    warehouse_config: dict
    materialized: frozenset[str]
    checks: dict[str, bool]  # "asset/key:check" -> passed (a WARN counts as passed)
    seconds: float


def _world_checks(result) -> dict[str, bool]:
    out = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            out[f"{data.asset_key.to_user_string()}:{data.check_name}"] = bool(
                data.passed or data.severity.value == "WARN"
            )
    return out


@pytest.fixture(scope="session")
def platform_world(
    embedded_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PlatformWorld]:
    """The platform built by its own job, in-process, once per session (about 2 minutes).

    Shared read-only by the dbt, ml, evaluation, serving and app suites; a test that writes
    asks `clone_platform_world` for its own copy.
    """
    import time

    from orchestration.pipeline import execute_full_refresh, platform_environment
    from warehouse.databases import admin_url

    admin = admin_url(embedded_url)
    name, url = create_database(admin, "world")
    root = tmp_path_factory.mktemp("platform-world")
    landing = root / "landing"
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    dagster_home = root / "dagster"
    started = time.perf_counter()
    with platform_environment(
        database_url=url,
        landing_dir=landing,
        tracking_uri=tracking_uri,
        dagster_home=dagster_home,
    ):
        result = execute_full_refresh(
            scale=WORLD_SCALE,
            seed=WORLD_SEED,
            n_trials=WORLD_TRIALS,
            warehouse=WORLD_WAREHOUSE_CONFIG,
            log_level="WARNING",
        )
    seconds = time.perf_counter() - started
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"the platform's full_refresh job failed: {failed}"
    template, _ = create_database(admin, "worldtpl", template=name)
    target = sorted(
        (REPO_ROOT / "dbt_project" / "target").glob(
            f"warehouse_dbt-{result.run_id[:7]}-*"
        )
    )
    batches = sorted(p for p in landing.iterdir() if (p / "manifest.json").is_file())
    try:
        yield PlatformWorld(
            url=url,
            database=name,
            template=template,
            landing=landing,
            batch_dir=next(
                p for p in batches if p.name.startswith(f"initial-s{WORLD_SCALE:g}-")
            ),
            tracking_uri=tracking_uri,
            dagster_home=dagster_home,
            dbt_target_dir=target[-1],
            run_id=result.run_id,
            n_trials=WORLD_TRIALS,
            warehouse_config=dict(WORLD_WAREHOUSE_CONFIG),
            materialized=frozenset(
                e.asset_key.to_user_string()
                for e in result.get_asset_materialization_events()
            ),
            checks=_world_checks(result),
            seconds=seconds,
        )
    finally:
        drop_database(admin, template)
        drop_database(admin, name)


@pytest.fixture
def clone_platform_world(
    embedded_url: str, platform_world: PlatformWorld
) -> Iterator[Callable[[], str]]:
    """Factory: a writable copy of the world's database (every schema); dropped afterwards."""
    from warehouse.databases import admin_url

    admin = admin_url(embedded_url)
    created: list[str] = []

    def clone() -> str:
        name, url = create_database(
            admin, "worldcopy", template=platform_world.template
        )
        created.append(name)
        return url

    yield clone
    for name in created:
        drop_database(admin, name)


# ------------------------------------------------------------------ views of the world


@pytest.fixture(scope="session")
def world_plan(platform_world: PlatformWorld):
    """The cutoff plan the world's warehouse build produced (ml_features.ml_cutoffs)."""
    from ml.churn.marts import cutoff_plan

    return cutoff_plan(platform_world.url)


@pytest.fixture(scope="session")
def world_tracking(platform_world: PlatformWorld) -> str:
    """The world's MLflow store, configured as the current tracking/registry URI."""
    from ml.tracking import configure_tracking

    configure_tracking(platform_world.tracking_uri)
    return platform_world.tracking_uri


@dataclass(frozen=True)
class CausalWarehouse:
    """The world as the causal analyses see it: URL, the batch directory and its truth."""

    url: str
    batch_dir: Path
    batch_id: str

    @property
    def ground_truth_path(self) -> Path:
        return self.batch_dir / "ground_truth.json"

    @property
    def truth(self) -> dict:
        return json.loads(self.ground_truth_path.read_text())


@pytest.fixture(scope="session")
def causal_warehouse(platform_world: PlatformWorld) -> CausalWarehouse:
    """5,000 customers: ~1,500 eligible for the campaign (~550 treated), ~2,700 rollout panel
    customers."""
    manifest = json.loads((platform_world.batch_dir / "manifest.json").read_text())
    return CausalWarehouse(
        platform_world.url, platform_world.batch_dir, str(manifest["batch_id"])
    )


@pytest.fixture(scope="session")
def campaign_effects(causal_warehouse: CausalWarehouse):
    """The job's `analytics.campaign_effects`, with the planted truth put beside each
    estimate by the evaluation layer (true_effect, error, covers_truth)."""
    from evaluation.causal_truth import compare_with_truth, load_effect_truth
    from evaluation.ground_truth import TruthBatch
    from ml.causal.batch import read_campaign_effects

    batches = [TruthBatch(causal_warehouse.batch_id, causal_warehouse.batch_dir)]
    return compare_with_truth(
        read_campaign_effects(causal_warehouse.url), load_effect_truth(batches)
    )
