"""Shared fixtures: an embedded PostgreSQL for the whole test session, fresh databases per use.

Tests never touch the user's own warehouse: ECOM_HOME points at a test-only directory and
ECOM_DATABASE_URL is removed for the session (server-mode tests ask for `server_url`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from warehouse.databases import create_database, drop_database

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
    admin = psycopg.conninfo.make_conninfo(embedded_url, dbname="postgres")
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
