"""Embedded mode: a pgserver PostgreSQL in a project-local data dir that outlives its starter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from warehouse import embedded
from warehouse.connection import connection_parts, database_url, dbt_env, sqlalchemy_url
from warehouse.settings import WarehouseSettings

ECOM = str(Path(sys.executable).with_name("ecom"))


def _ecom(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ECOM_DATABASE_URL"}
    env["ECOM_HOME"] = str(home)
    return subprocess.run(
        [ECOM, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_session_warehouse_is_embedded_postgres(embedded_url: str) -> None:
    with psycopg.connect(embedded_url) as conn:
        version = conn.execute("show server_version").fetchone()[0]
        db = conn.execute("select current_database()").fetchone()[0]
    assert version.startswith("16"), version
    assert db == "ecom"
    assert connection_parts(embedded_url)["host"].startswith("/"), (
        "embedded server uses a unix socket"
    )


def test_server_lifecycle_persists_across_processes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    up = _ecom(home, "db", "up")
    assert up.returncode == 0, up.stderr
    url = up.stdout.strip().splitlines()[-1]
    try:
        # the process that started the server has exited; the server is still there
        with psycopg.connect(url) as conn:
            conn.execute("create table kept (x int)")
            conn.execute("insert into kept values (42)")
        status = _ecom(home, "db", "status")
        assert status.returncode == 0 and "running: yes" in status.stdout
        assert _ecom(home, "db", "url").stdout.strip() == url
        assert (home / "pgdata" / "PG_VERSION").exists(), (
            "data dir is project-local (under ECOM_HOME)"
        )
    finally:
        down = _ecom(home, "db", "down")
    assert down.returncode == 0 and "stopped" in down.stdout
    stopped = _ecom(home, "db", "status")
    assert stopped.returncode == 3 and "running: no" in stopped.stdout
    assert _ecom(home, "db", "url").returncode == 1
    # data survives a restart
    up_again = _ecom(home, "db", "up")
    try:
        with psycopg.connect(up_again.stdout.strip().splitlines()[-1]) as conn:
            assert conn.execute("select x from kept").fetchone() == (42,)
    finally:
        _ecom(home, "db", "down")


def test_url_without_start_raises_when_down(tmp_path: Path) -> None:
    settings = WarehouseSettings(home=tmp_path / "nothing-here")
    with pytest.raises(RuntimeError, match="ecom db up"):
        database_url(settings, start=False)
    assert embedded.status(settings.pgdata).running is False


def test_dbt_env_and_sqlalchemy_url_for_socket_and_tcp() -> None:
    sock = "postgresql://postgres@/ecom?host=/tmp/pg"
    assert dbt_env(sock) == {
        "ECOM_DB_HOST": "/tmp/pg",
        "ECOM_DB_PORT": "5432",
        "ECOM_DB_USER": "postgres",
        "ECOM_DB_PASSWORD": "",
        "ECOM_DB_NAME": "ecom",
    }
    assert (
        sqlalchemy_url(sock)
        == "postgresql+psycopg://postgres@/ecom?host=/tmp/pg&port=5432"
    )
    tcp = "postgresql://analyst:s%40cret@db.internal:6543/shop"
    assert dbt_env(tcp)["ECOM_DB_PASSWORD"] == "s@cret"
    assert (
        sqlalchemy_url(tcp)
        == "postgresql+psycopg://analyst:s%40cret@db.internal:6543/shop"
    )
