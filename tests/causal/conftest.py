"""A generated, loaded and dbt-built warehouse for the causal tests (once per session, slow)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: 5,000 customers: ~1,500 eligible for the campaign (~550 treated), ~2,700 panel customers.
CAUSAL_TEST_SCALE = 0.05
CAUSAL_TEST_SEED = 7
MARTS = (
    "+fct_orders",
    "+fct_campaign_exposures",
    "+dim_customers",
    "+dim_geography",
    "+dim_campaigns",
)


@dataclass(frozen=True)
class CausalWarehouse:
    """URL of the built warehouse, the batch directory and its planted truth."""

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
def causal_warehouse(
    embedded_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CausalWarehouse]:
    """Generate a batch, load it into a new database and `dbt build` the marts the causal
    analysis reads (with their tests). The database is dropped at the end of the session."""
    import psycopg

    from orchestration.dbt_runner import run_dbt
    from seeds_generator import generate
    from warehouse.loader import load_batch

    root = tmp_path_factory.mktemp("causal-warehouse")
    batch_dir = root / "batch"
    manifest = generate(
        batch_dir, scale=CAUSAL_TEST_SCALE, seed=CAUSAL_TEST_SEED, progress=False
    )
    admin = psycopg.conninfo.make_conninfo(embedded_url, dbname="postgres")
    name = f"causal_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    saved = {k: os.environ.get(k) for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    # our own dbt target/log dirs: other dbt runs in the checkout must not race with ours
    os.environ["DBT_TARGET_PATH"] = str(root / "dbt-target")
    os.environ["DBT_LOG_PATH"] = str(root / "dbt-logs")
    try:
        # raw validation has its own tests; these tests are about the causal path downstream
        load_batch(batch_dir, url, validate=False)
        code = run_dbt(
            [
                "build",
                "--select",
                *MARTS,
                "--indirect-selection",
                "cautious",
                "--threads",
                "2",
                "--quiet",
            ],
            url,
        )
        assert code == 0, f"dbt build for the causal tests failed (exit {code})"
        yield CausalWarehouse(url, batch_dir, str(manifest["batch_id"]))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def campaign_effects(causal_warehouse: CausalWarehouse):
    """compute_campaign_effects on the test warehouse, with the truth beside it (once)."""
    from ml.causal.effects import compute_campaign_effects

    return compute_campaign_effects(
        causal_warehouse.url, causal_warehouse.ground_truth_path
    )
