"""A `dbt build` killed with SIGKILL part-way through, then run again, ends with the same marts
as a build that was never interrupted: every mart's row count and checksum.

The warehouse is a copy of the dbt suite's built one (`dbt_built`, scale 0.005) with everything
dbt made dropped: the same raw rows (the same `_loaded_at`), never built. dbt runs as its own
process, as `ecom dbt` and the Dagster assets run it, so it can be killed mid-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.dbt_runner import dbt_executable
from warehouse.connection import dbt_env

pytestmark = pytest.mark.slow

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MART_SCHEMAS = ("marts", "ml_features")  # what `mart_checksums` compares

#: kill the first build once this many mart tables exist (of the ~50 a build makes)
KILL_AFTER_MARTS = 3


def _drop_what_dbt_built(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [
            r[0]
            for r in conn.execute(
                "select nspname from pg_namespace where nspname not in"
                " ('raw', 'public', 'information_schema') and nspname not like 'pg\\_%'"
            )
        ]
        for schema in schemas:
            conn.execute(
                sql.SQL("drop schema {} cascade").format(sql.Identifier(schema))
            )


def _mart_tables(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = any(%s) and table_type = 'BASE TABLE'",
        (list(MART_SCHEMAS),),
    ).fetchone()
    return int(row[0]) if row else 0


def test_killed_build_is_rerun_to_the_uninterrupted_marts(
    dbt_built, clone_built_database, dbt_runner, mart_checksums, tmp_path
) -> None:
    url = clone_built_database()
    _drop_what_dbt_built(url)
    proc = subprocess.Popen(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "killed" / "target"),
            "--log-path",
            str(tmp_path / "killed" / "logs"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **dbt_env(url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + 600
        built = 0
        while proc.poll() is None and time.monotonic() < deadline:
            built = _mart_tables(conn)
            if built >= KILL_AFTER_MARTS:
                break
            time.sleep(0.1)
        assert proc.poll() is None, (
            f"dbt ended (exit {proc.returncode}) before the kill"
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        # the server rolls back whatever the killed sessions had open
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and conn.execute(
            "select count(*) from pg_stat_activity where datname = current_database()"
            " and pid <> pg_backend_pid()"
        ).fetchone() != (0,):
            time.sleep(0.1)
    partial = mart_checksums(url)
    assert KILL_AFTER_MARTS <= len(partial) < len(dbt_built.checksums), (
        "the kill did not land mid-build"
    )

    rerun = dbt_runner(url, ["build"], tmp_path / "rerun")
    assert rerun.success, rerun.exception or rerun.with_status("fail")
    assert mart_checksums(url) == dbt_built.checksums
