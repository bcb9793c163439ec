"""Every dbt connection runs under a statement timeout (dbt_project/profiles.yml,
ECOM_DBT_STATEMENT_TIMEOUT, default 10min): a runaway test or model fails with a message naming
it and saying "statement timeout", and the profile's other startup setting survives.

The project here is the real profile, dbt_project.yml and macros with two probes instead of the
models and tests (the real ones are not needed, and parsing them would cost the time this test
saves): a singular test and a table model that each sleep for a minute.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from warehouse.connection import dbt_env
from warehouse.raw_ddl import ensure_raw_schema

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
SLEEP = "select 1 as slept from pg_sleep(60) where random() < 0"
SETTINGS = (
    "select current_setting('statement_timeout') as statement_timeout,"
    " current_setting('search_path') as search_path"
)


@pytest.fixture(scope="module")
def probe_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real profile, project file and macros, with a slow singular test and a slow model."""
    root = tmp_path_factory.mktemp("timeout-project")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(DBT_PROJECT_DIR / name, root / name)
    shutil.copytree(DBT_PROJECT_DIR / "macros", root / "macros")
    (root / "tests").mkdir()
    (root / "tests" / "slow_probe_test.sql").write_text(SLEEP + "\n")
    (root / "models").mkdir()
    (root / "models" / "slow_probe_model.sql").write_text(
        "{{ config(materialized='table') }}\n" + SLEEP + "\n"
    )
    return root


@pytest.fixture
def raw_database(fresh_database: str) -> str:
    """An empty warehouse with the raw schema (the project's on-run-start reads its ledger)."""
    with psycopg.connect(fresh_database) as conn:
        ensure_raw_schema(conn)
    return fresh_database


def _dbt(project: Path, url: str, args: list[str], monkeypatch, timeout: str | None):
    from dbt.cli.main import dbtRunner

    for key, value in {**dbt_env(url), "ECOM_DBT_THREADS": "2"}.items():
        monkeypatch.setenv(key, value)
    if timeout is None:
        monkeypatch.delenv("ECOM_DBT_STATEMENT_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("ECOM_DBT_STATEMENT_TIMEOUT", timeout)
    work = project / "work"
    return dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--quiet",
        ]
    )


def _session_settings(project, url, monkeypatch, timeout) -> dict[str, str]:
    result = _dbt(project, url, ["show", "--inline", SETTINGS], monkeypatch, timeout)
    assert result.success, result.exception
    table = result.result.results[0].agate_table
    return dict(zip(table.column_names, table.rows[0], strict=True))


def test_dbt_sessions_get_the_timeout_and_keep_the_default_search_path(
    probe_project, fresh_database, monkeypatch
) -> None:
    default = _session_settings(probe_project, fresh_database, monkeypatch, None)
    assert default == {"statement_timeout": "10min", "search_path": '"$user", public'}
    chosen = _session_settings(probe_project, fresh_database, monkeypatch, "90s")
    assert chosen["statement_timeout"] == "90s"


def test_a_runaway_test_or_model_fails_naming_itself(
    probe_project, raw_database, monkeypatch
) -> None:
    import time

    started = time.perf_counter()
    result = _dbt(probe_project, raw_database, ["build"], monkeypatch, "1s")
    seconds = time.perf_counter() - started

    assert not result.success
    messages = {
        r.node.name: (str(r.status), r.message)
        for r in result.result.results
        if r.node.resource_type in ("model", "test")
    }
    assert set(messages) == {"slow_probe_test", "slow_probe_model"}
    for name, (status, message) in messages.items():
        assert status == "error", (name, status, message)
        assert name in message and "statement timeout" in message, message
    assert seconds < 50, f"the probes slept {seconds:.0f} s: no timeout applied"
