"""Fixtures: a landing directory and a fresh warehouse database wired through the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def platform_env(
    fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict]:
    """ECOM_DATABASE_URL → a fresh database, ECOM_LANDING_DIR → tmp, DAGSTER_HOME → tmp."""
    from warehouse.settings import get_settings

    landing = tmp_path / "landing"
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_database)
    monkeypatch.setenv("ECOM_LANDING_DIR", str(landing))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    (tmp_path / "dagster").mkdir()
    get_settings.cache_clear()
    yield {"url": fresh_database, "landing": landing, "tmp": tmp_path}
    get_settings.cache_clear()
