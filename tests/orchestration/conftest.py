"""Fixtures: a landing directory and a fresh warehouse database wired through the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class PlatformRun:
    """A `full_refresh` job run into its own fresh warehouse, landing, MLflow and Dagster home."""

    url: str
    store: str
    result: object
    landing: Path


@pytest.fixture(scope="session")
def platform_run(embedded_url: str):
    """`with platform_run(root, "name", prepare=None, **job_kwargs) as run:` runs the platform's
    job (`execute_full_refresh(**job_kwargs)`) into a new database under `root`; `prepare(root)`
    runs first inside the environment (e.g. to land a batch by hand). The database is dropped
    on exit."""
    from orchestration.pipeline import execute_full_refresh, platform_environment
    from warehouse.databases import admin_url, create_database, drop_database

    @contextmanager
    def run(
        root: Path,
        prefix: str,
        prepare: Callable[[Path], None] | None = None,
        **job_kwargs,
    ) -> Iterator[PlatformRun]:
        admin = admin_url(embedded_url)
        name, url = create_database(admin, prefix)
        store = f"sqlite:///{root / 'mlflow.db'}"
        try:
            with platform_environment(
                database_url=url,
                landing_dir=root / "landing",
                tracking_uri=store,
                dagster_home=root / "dagster",
            ):
                if prepare is not None:
                    prepare(root)
                result = execute_full_refresh(log_level="WARNING", **job_kwargs)
            yield PlatformRun(url, store, result, root / "landing")
        finally:
            drop_database(admin, name)

    return run
