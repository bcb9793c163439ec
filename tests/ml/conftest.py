"""Fixtures for the ML tests: a throwaway MLflow store and a toy labelled frame (views of the
shared platform world are in tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
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
