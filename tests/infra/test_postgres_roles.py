"""infra/postgres/10-roles.sh creates least-privilege roles that behave as documented.

Runs the real script with psql against the PostgreSQL server, with every role and database
name suffixed so the test owns what it creates (roles are cluster-wide).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from warehouse.connection import connection_parts

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "postgres" / "10-roles.sh"
NAMES = ("ecom_transformer", "ecom_reader", "mlflow", "dagster", "ecom")


def _psql_dir() -> str:
    found = shutil.which("psql")
    if found:
        return str(Path(found).parent)
    from warehouse.embedded import psql_binary

    return str(psql_binary().parent)


@pytest.fixture
def roles(server_admin_url, tmp_path):
    """Run the suffixed script; yield name -> suffixed name; drop everything afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = {n: f"{n}_{suffix}" for n in NAMES}
    text = SCRIPT.read_text()
    for original, renamed in names.items():
        text = re.sub(rf"\b{original}\b", renamed, text)
    script = tmp_path / "roles.sh"
    script.write_text(text)
    admin = connection_parts(server_admin_url)
    env = dict(
        os.environ,
        PATH=f"{_psql_dir()}:{os.environ['PATH']}",
        PGHOST=admin["host"],
        PGPORT=admin["port"],
        PGPASSWORD=admin["password"],
        POSTGRES_USER=admin["user"],
        ECOM_TRANSFORMER_PASSWORD="t-" + suffix,
        ECOM_READER_PASSWORD="r-" + suffix,
        MLFLOW_DB_PASSWORD="m-" + suffix,
        DAGSTER_PG_PASSWORD="d-" + suffix,
    )
    try:
        proc = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, env=env, timeout=60
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        yield names, admin, suffix
    finally:
        with psycopg.connect(server_admin_url, autocommit=True) as conn:
            for db in ("ecom", "mlflow", "dagster"):
                conn.execute(
                    sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(names[db])
                    )
                )
            for role in ("ecom_transformer", "ecom_reader", "mlflow", "dagster"):
                conn.execute(
                    sql.SQL("drop role if exists {}").format(
                        sql.Identifier(names[role])
                    )
                )


def _url(admin: dict, user: str, password: str, db: str) -> str:
    return psycopg.conninfo.make_conninfo(
        host=admin["host"], port=admin["port"], user=user, password=password, dbname=db
    )


def test_script_requires_every_password():
    proc = subprocess.run(
        ["bash", str(SCRIPT)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
    )
    assert proc.returncode != 0
    assert "ECOM_TRANSFORMER_PASSWORD must be set" in proc.stderr


@pytest.mark.server
def test_reader_reads_what_the_transformer_builds_and_writes_nothing(roles):
    names, admin, suffix = roles
    warehouse = names["ecom"]
    writer = _url(admin, names["ecom_transformer"], "t-" + suffix, warehouse)
    reader = _url(admin, names["ecom_reader"], "r-" + suffix, warehouse)

    with psycopg.connect(writer, autocommit=True) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.fct_orders (order_id int primary key)")
        conn.execute("insert into marts.fct_orders values (1), (2)")

    with psycopg.connect(reader, autocommit=True) as conn:
        assert conn.execute("select count(*) from marts.fct_orders").fetchone() == (2,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("insert into marts.fct_orders values (3)")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create table public.sneaky (x int)")
        # even with read-only switched off, privileges forbid writes
        conn.execute("set default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into marts.fct_orders values (3)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create table public.sneaky (x int)")


@pytest.mark.server
def test_service_roles_own_only_their_database(roles):
    names, admin, suffix = roles
    mlflow = _url(admin, names["mlflow"], "m-" + suffix, names["mlflow"])
    with psycopg.connect(mlflow, autocommit=True) as conn:
        conn.execute("create table experiments (id int)")
    for role, password, other in (
        ("ecom_reader", "r-", "mlflow"),
        ("mlflow", "m-", "ecom"),
        ("dagster", "d-", "mlflow"),
    ):
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(
                _url(admin, names[role], password + suffix, names[other])
            ).close()
