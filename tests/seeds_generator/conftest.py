"""Generated batches shared by the generator tests (small scales, generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seeds_generator import FAULT_CLASSES, generate, generate_increment
from seeds_generator.arrow_tables import GENERATED_TABLES

SMALL = 0.01


def read_batch(batch: Path) -> dict[str, pd.DataFrame]:
    """Every table of a clean batch, typed by the contract (timestamps as UTC datetimes)."""
    out = {}
    for t in GENERATED_TABLES:
        df = pd.read_csv(batch / f"{t.name}.csv", keep_default_na=False, na_values=[""])
        for c in t.columns:
            if c.type == "timestamp" and c.name in df:
                df[c.name] = pd.to_datetime(df[c.name], utc=True)
        out[t.name] = df
    return out


@pytest.fixture(scope="session", name="read_batch")
def read_batch_fixture():
    """The `read_batch` helper, as a fixture (test modules here are not a package)."""
    return read_batch


@pytest.fixture(scope="session")
def batch_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batch")
    generate(out, scale=SMALL, seed=7, progress=False)
    return out


@pytest.fixture(scope="session")
def batch(batch_dir) -> dict[str, pd.DataFrame]:
    return read_batch(batch_dir)


@pytest.fixture(scope="session")
def faulty_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("faulty")
    generate(out, scale=SMALL, seed=7, inject_faults=FAULT_CLASSES, progress=False)
    return out


@pytest.fixture(scope="session")
def increment_dir(batch_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("increment")
    generate_increment(batch_dir, out, days=5, progress=False)
    return out
