"""Server mode: ECOM_DATABASE_URL points everything at any PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from warehouse.connection import connect, database_url
from warehouse.settings import WarehouseSettings

pytestmark = pytest.mark.server

ECOM = str(Path(sys.executable).with_name("ecom"))


def test_database_url_prefers_server_url(server_url: str, tmp_path: Path) -> None:
    settings = WarehouseSettings(database_url=server_url, home=tmp_path)
    assert database_url(settings) == server_url
    assert not (tmp_path / "pgdata").exists(), (
        "server mode must not start the embedded server"
    )
    with connect(server_url) as conn:
        version = conn.execute("show server_version").fetchone()[0]
    assert not version.startswith("16.2"), (
        "this is the machine's server, not the embedded one"
    )


def test_cli_status_reports_the_server(server_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, ECOM_DATABASE_URL=server_url, ECOM_HOME=str(tmp_path))
    out = subprocess.run(
        [ECOM, "db", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "mode: server" in out.stdout and "reachable: yes" in out.stdout
    env["ECOM_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    bad = subprocess.run(
        [ECOM, "db", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1 and "reachable: no" in bad.stdout


def test_server_database_is_writable(server_url: str) -> None:
    with psycopg.connect(server_url) as conn:
        conn.execute("create table probe (id int primary key)")
        conn.execute("insert into probe values (1)")
        assert conn.execute("select count(*) from probe").fetchone() == (1,)
