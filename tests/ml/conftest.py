"""Fixtures for the churn/registry/tracking tests: a throwaway MLflow store, a toy labelled
frame, and (once per session, slow) a generated + loaded + dbt-built warehouse."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite MLflow store in a temp dir, configured for the module; restored afterwards."""
    import mlflow

    from ml.tracking import configure_tracking

    saved_env = os.environ.get("MLFLOW_TRACKING_URI")
    saved_uri = mlflow.get_tracking_uri()
    root = tmp_path_factory.mktemp("mlflow")
    configure_tracking(f"sqlite:///{root / 'mlflow.db'}")
    yield root
    if mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(saved_uri)
    mlflow.set_registry_uri(saved_uri)
    if saved_env is not None:
        os.environ["MLFLOW_TRACKING_URI"] = saved_env


def synthetic_churn_frame(
    n: int = 1500,
    cutoffs: tuple[str, ...] = ("2025-01-01", "2025-04-01"),
    seed: int = 0,
) -> pd.DataFrame:
    """A labelled frame shaped like the feature marts (a toy BG/NBD world, not the generator).

    Dead customers (dropped out some days ago) churn; alive ones churn with exp(-lambda*h).
    """
    rng = np.random.default_rng(seed)
    parts = []
    for k, cutoff in enumerate(cutoffs):
        lam = rng.gamma(1.6, 1 / 5.0, n)  # purchases per week
        dead = rng.random(n) < 0.45
        dead_for = rng.uniform(0, 400, n)
        gap = rng.exponential(7.0 / lam)
        days_since = np.where(dead, dead_for + gap, np.minimum(gap, 700)).round()
        tenure = days_since + rng.uniform(30, 700, n).round()
        orders_90 = np.where(days_since < 90, rng.poisson(lam * 90 / 7) + 1, 0)
        churned = np.where(dead, True, rng.random(n) < np.exp(-lam * 90 / 7))
        tier = np.array(["bronze", "silver", "gold", "platinum"])[
            np.clip((np.log(lam) + rng.normal(0, 0.7, n) + 2.5).astype(int), 0, 3)
        ]
        parts.append(
            pd.DataFrame(
                {
                    "customer_key": [f"k{k}-{i}" for i in range(n)],
                    "customer_id": np.arange(1, n + 1) + k * n,
                    "cutoff_date": pd.Timestamp(cutoff).date(),
                    "gender": rng.choice(["female", "male", "other"], n),
                    "loyalty_tier": tier,
                    "region": rng.choice(["west", "midwest", None], n),
                    "is_marketing_opt_in": rng.random(n) < 0.6,
                    "has_ordered": True,
                    "tenure_days": tenure,
                    "order_count": rng.poisson(lam * tenure / 7) + 1,
                    "order_count_90d": orders_90,
                    "order_value": rng.gamma(2, 50, n).round(2),
                    "days_since_last_order": days_since,
                    "days_since_last_session": np.where(
                        rng.random(n) < 0.2,
                        np.nan,
                        days_since + rng.integers(-3, 3, n).clip(0),
                    ),
                    "average_rating": np.where(
                        rng.random(n) < 0.5, np.nan, rng.integers(1, 6, n)
                    ),
                    "is_churned": churned,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="session")
def synthetic_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, eval): two training cutoffs and a later evaluation cutoff of the toy world."""
    train = synthetic_churn_frame(1200, ("2024-07-01", "2024-10-01"), seed=1)
    evaluation = synthetic_churn_frame(1200, ("2025-01-01",), seed=2)
    return train, evaluation


#: Scale of the generated batch behind the end-to-end churn tests (2,000 customers).
CHURN_TEST_SCALE = 0.02
CHURN_TEST_SEED = 11


@dataclass(frozen=True)
class ChurnWarehouse:
    """A generated, loaded and dbt-built warehouse for the end-to-end churn tests."""

    url: str
    batch_dir: Path
    train_cutoffs: tuple[dt.date, ...]
    eval_cutoff: dt.date
    score_cutoff: dt.date
    horizon_days: int = 90

    @property
    def labelled_cutoffs(self) -> list[dt.date]:
        return [*self.train_cutoffs, self.eval_cutoff]


@pytest.fixture(scope="session")
def churn_warehouse(
    embedded_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ChurnWarehouse]:
    """Generate a small batch, load it into a new database, `dbt build` the ML marts for
    three training cutoffs, an evaluation cutoff and the scoring cutoff. Once per session."""
    import psycopg

    from ml.churn.data import plan_cutoffs
    from orchestration.dbt_runner import run_dbt
    from seeds_generator import generate
    from warehouse.loader import load_batch

    root = tmp_path_factory.mktemp("churn-warehouse")
    batch_dir = root / "batch"
    generate(batch_dir, scale=CHURN_TEST_SCALE, seed=CHURN_TEST_SEED, progress=False)
    admin = psycopg.conninfo.make_conninfo(embedded_url, dbname="postgres")
    name = f"churn_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    saved = {k: os.environ.get(k) for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    # our own dbt target/log dirs: other dbt runs in the checkout must not race with ours
    os.environ["DBT_TARGET_PATH"] = str(root / "dbt-target")
    os.environ["DBT_LOG_PATH"] = str(root / "dbt-logs")
    try:
        # raw validation has its own tests; these tests are about the ML path downstream
        load_batch(batch_dir, url, validate=False)
        with psycopg.connect(url) as conn:
            data_end = conn.execute(
                "select max((ordered_at at time zone 'UTC')::date) from raw.orders"
            ).fetchone()[0]
        train, evaluation, score = plan_cutoffs(data_end, 90, n_train=3)
        dbt_vars = json.dumps(
            {
                "ml_cutoff_dates": [d.isoformat() for d in [*train, evaluation, score]],
                "churn_horizon_days": 90,
            }
        )
        selection = "+ml_customer_features +ml_churn_labels +ml_cutoffs +fct_orders +dim_customers"
        code = run_dbt(
            [
                "build",
                "--select",
                *selection.split(),
                "--indirect-selection",
                "cautious",
                "--vars",
                dbt_vars,
                "--threads",
                "2",
            ],
            url,
        )
        assert code == 0, f"dbt build for the churn tests failed (exit {code})"
        yield ChurnWarehouse(url, batch_dir, tuple(train), evaluation, score)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
