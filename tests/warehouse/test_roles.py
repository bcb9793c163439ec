"""Least-privilege roles in every mode: the embedded server (a real one, in a temporary
ECOM_HOME) and a PostgreSQL server (uniquely named database and roles, removed afterwards)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from warehouse import connection, embedded, roles
from warehouse.settings import WarehouseSettings, get_settings

ECOM = str(Path(sys.executable).with_name("ecom"))


def _user(url: str) -> str | None:
    return conninfo_to_dict(url).get("user")


def _as(url: str, user: str, dbname: str | None = None) -> str:
    return make_conninfo(url, user=user, **({"dbname": dbname} if dbname else {}))


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    """A temporary ECOM_HOME whose embedded server is started by the production path.

    Not under pytest's basetemp: a concurrent pytest session resets that tree to mode 0700,
    and the server (a separate system user when the tests run as root) could not restart.
    """
    home = Path(tempfile.mkdtemp(prefix="ecom-roles-"))
    embedded.ensure_running(home / "pgdata", "ecom")
    yield home
    embedded.stop(home / "pgdata")
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def env_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process environment pointed at `home` (embedded mode, no API override)."""
    for name in (
        "ECOM_DATABASE_URL",
        "ECOM_READER_DATABASE_URL",
        "ECOM_API_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ECOM_HOME", str(home))
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


def _urls(home: Path) -> dict[str, str]:
    settings = WarehouseSettings(home=home, database_url=None)
    return {
        role: connection.database_url(settings, start=False, role=role)  # type: ignore[arg-type]
        for role in ("transformer", "reader", "admin")
    }


def _role_row(admin: str, role: str) -> tuple:
    with psycopg.connect(admin) as conn:
        row = conn.execute(
            "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolconfig"
            " from pg_roles where rolname = %s",
            (role,),
        ).fetchone()
    assert row is not None, f"role {role} is missing"
    return row


def _owners(admin: str) -> dict[str, str]:
    with psycopg.connect(admin) as conn:
        return dict(
            conn.execute(
                "select d.datname, r.rolname from pg_database d"
                " join pg_roles r on r.oid = d.datdba"
            ).fetchall()
        )


def test_ensure_roles_twice_is_idempotent(home: Path) -> None:
    admin = _as(_urls(home)["admin"], "postgres", "postgres")
    before = _owners(admin)
    roles.ensure_roles(admin, "ecom")
    roles.ensure_roles(admin, "ecom")
    owners = _owners(admin)
    assert owners == before
    assert owners["ecom"] == "ecom_transformer"
    assert owners["mlflow"] == "mlflow" and owners["dagster"] == "dagster"
    for role in ("ecom_transformer", "ecom_reader", "mlflow", "dagster"):
        login, superuser, createdb, createrole, _ = _role_row(admin, role)
        assert (login, superuser, createdb, createrole) == (True, False, False, False)
    assert "default_transaction_read_only=on" in _role_row(admin, "ecom_reader")[4]
    assert roles.roles_current(admin, "ecom")


def test_a_transformer_load_is_readable_by_the_reader(
    env_home: Path, hand_batch
) -> None:
    from warehouse.loader import load_batch

    urls = _urls(env_home)
    result = load_batch(hand_batch())  # no URL: the default, the transformer
    assert not result.skipped
    with psycopg.connect(urls["reader"]) as conn:
        assert conn.execute("select current_user").fetchone() == ("ecom_reader",)
        assert conn.execute("select count(*) from raw.orders").fetchone() == (5,)
        assert conn.execute(
            "select tableowner from pg_tables where schemaname = 'raw' and tablename = 'orders'"
        ).fetchone() == ("ecom_transformer",)


WRITES = {
    "insert": "insert into roles_probe values (2)",
    "update": "update roles_probe set x = 3",
    "delete": "delete from roles_probe",
    "create table": "create table roles_probe_2 (x int)",
    "drop table": "drop table roles_probe",
}


@pytest.fixture
def probe_table(home: Path) -> Iterator[str]:
    transformer = _urls(home)["transformer"]
    with psycopg.connect(transformer, autocommit=True) as conn:
        conn.execute("create table roles_probe (x int)")
        conn.execute("insert into roles_probe values (1)")
    yield transformer
    with psycopg.connect(transformer, autocommit=True) as conn:
        conn.execute("drop table if exists roles_probe, roles_probe_2")


@pytest.mark.parametrize("what", sorted(WRITES))
def test_the_reader_cannot_write(home: Path, probe_table: str, what: str) -> None:
    reader = _urls(home)["reader"]
    with psycopg.connect(reader, autocommit=True) as conn:
        assert conn.execute("select x from roles_probe").fetchall() == [(1,)]
        # its sessions are read-only by default ...
        with pytest.raises(errors.ReadOnlySqlTransaction):
            conn.execute(WRITES[what])
        # ... and turning that off is not enough: it holds no privilege to write
        conn.execute("set default_transaction_read_only = off")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(WRITES[what])
    with psycopg.connect(probe_table) as conn:
        assert conn.execute("select x from roles_probe").fetchall() == [(1,)]


def test_the_transformer_is_no_superuser(home: Path) -> None:
    with psycopg.connect(_urls(home)["transformer"], autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("create role roles_probe_role")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("create database roles_probe_db")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                "alter role ecom_reader set default_transaction_read_only = off"
            )


def test_default_urls_per_client(env_home: Path) -> None:
    from app.db import warehouse_url
    from orchestration.dbt_runner import dbt_environment
    from orchestration.resources import WarehouseResource
    from serving.core.config import ServingSettings

    assert _user(warehouse_url()) == "ecom_reader"
    api_url = ServingSettings().warehouse_url()
    assert _user(api_url) == "ecom_reader"
    with psycopg.connect(api_url) as conn:
        assert conn.execute("select current_user").fetchone() == ("ecom_reader",)
    assert _user(connection.database_url()) == "ecom_transformer"
    assert dbt_environment()["ECOM_DB_USER"] == "ecom_transformer"
    assert _user(WarehouseResource().url()) == "ecom_transformer"
    # an explicit URL is used as given
    assert WarehouseResource(database_url="postgresql://x@h/db").url() == (
        "postgresql://x@h/db"
    )
    assert ServingSettings(database_url="postgresql://x@h/db").warehouse_url() == (
        "postgresql://x@h/db"
    )


def test_server_mode_reader_url_and_its_fallback(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = "postgresql://ecom_transformer:pw@db.internal:5432/ecom"
    reader = "postgresql://ecom_reader:pw@db.internal:5432/ecom"
    both = WarehouseSettings(database_url=writer, reader_database_url=reader)
    assert connection.database_url(both) == writer
    assert connection.database_url(both, role="admin") == writer
    assert connection.database_url(both, role="reader") == reader
    monkeypatch.setattr(connection, "_warned_reader_fallback", False)
    only_writer = WarehouseSettings(database_url=writer, reader_database_url=None)
    with caplog.at_level(logging.WARNING, logger="warehouse.connection"):
        assert connection.database_url(only_writer, role="reader") == writer
        assert connection.database_url(only_writer, role="reader") == writer
    warnings = [r for r in caplog.records if "ECOM_READER_DATABASE_URL" in r.message]
    assert len(warnings) == 1, "the fallback is reported once per process"
    assert "not least-privilege" in warnings[0].message


def test_an_old_data_directory_is_handed_to_the_transformer(home: Path) -> None:
    """Before these roles everything ran as `postgres`: its objects move to the transformer."""
    admin = _as(_urls(home)["admin"], "postgres", "postgres")
    legacy = "legacy_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(legacy)))
    try:
        with psycopg.connect(_as(admin, "postgres", legacy), autocommit=True) as conn:
            conn.execute("create schema raw")
            conn.execute("create table raw.orders (id serial primary key, x int)")
            conn.execute(
                "create table raw.events (id int generated always as identity, y int)"
            )
            conn.execute("insert into raw.orders (x) values (1), (2)")
            conn.execute("create view raw.v_orders as select * from raw.orders")
            conn.execute(
                "create materialized view raw.m_orders as select * from raw.orders"
            )
            conn.execute("create sequence raw.free_standing")
            conn.execute(
                "create function raw.one() returns int language sql as 'select 1'"
            )
            conn.execute("create table public.legacy_public (x int)")
        assert not roles.roles_current(admin, legacy)

        # the path every command takes
        embedded.ensure_running(home / "pgdata", legacy)

        with psycopg.connect(_as(admin, "postgres", legacy)) as conn:
            owners = conn.execute(
                """
                select n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner)
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname in ('raw', 'public') and c.relkind in ('r', 'v', 'm', 'S')
                """
            ).fetchall()
            schema_owner = conn.execute(
                "select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'raw'"
            ).fetchone()
            function_owner = conn.execute(
                "select pg_get_userbyid(proowner) from pg_proc where proname = 'one'"
            ).fetchone()
        assert len(owners) == 8, owners  # 3 tables, a view, a matview, 3 sequences
        assert {owner for _, owner in owners} == {"ecom_transformer"}, owners
        assert schema_owner == ("ecom_transformer",)
        assert function_owner == ("ecom_transformer",)
        assert _owners(admin)[legacy] == "ecom_transformer"
        transformer = _as(admin, "ecom_transformer", legacy)
        with psycopg.connect(transformer, autocommit=True) as conn:
            conn.execute("insert into raw.orders (x) values (3)")
            conn.execute("refresh materialized view raw.m_orders")
            conn.execute("drop table public.legacy_public")
        with psycopg.connect(_as(admin, "ecom_reader", legacy)) as conn:
            assert conn.execute("select count(*) from raw.v_orders").fetchone() == (3,)
            assert conn.execute("select count(*) from raw.m_orders").fetchone() == (3,)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(legacy)
                )
            )


def _ecom(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ECOM_DATABASE_URL"}
    env["ECOM_HOME"] = str(home)
    return subprocess.run(
        [ECOM, *args], env=env, capture_output=True, text=True, timeout=120
    )


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_db_up_recovers_from_a_killed_server(home: Path) -> None:
    pgdata = home / "pgdata"
    before = embedded.status(pgdata)
    assert before.running and before.pid is not None
    with psycopg.connect(_urls(home)["transformer"], autocommit=True) as conn:
        conn.execute("create table if not exists survives_kill (x int)")
        conn.execute("insert into survives_kill values (7)")
    os.kill(before.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone(before.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (pgdata / "postmaster.pid").exists(), "kill -9 leaves postmaster.pid behind"
    assert not embedded.status(pgdata).running

    up = _ecom(home, "db", "up")

    assert up.returncode == 0, up.stderr
    assert f"removed stale {pgdata / 'postmaster.pid'}" in up.stderr, up.stderr
    assert f"pid {before.pid}" in up.stderr
    after = embedded.status(pgdata)
    assert after.running and after.pid != before.pid
    url = up.stdout.strip().splitlines()[-1]
    assert _user(url) == "ecom_transformer"
    with psycopg.connect(url) as conn:
        assert conn.execute("select x from survives_kill").fetchall() == [(7,)]
    # a live server's postmaster.pid is never taken for a stale one
    assert embedded.recover_stale_lock(pgdata) == []
    assert (pgdata / "postmaster.pid").exists()


# ------------------------------------------------------------------ a PostgreSQL server


def test_roles_on_a_server(server_admin_url: str) -> None:
    """The same roles on a shared server: unique names, passwords set, all removed after."""
    suffix = uuid.uuid4().hex[:8]
    names = roles.RoleNames(
        transformer=f"ecom_transformer_{suffix}",
        reader=f"ecom_reader_{suffix}",
        mlflow=f"mlflow_{suffix}",
        dagster=f"dagster_{suffix}",
    )
    database = f"ecom_{suffix}"
    passwords = {var: f"pw-{suffix}" for var in names.password_variables().values()}
    admin = make_conninfo(server_admin_url, dbname="postgres")
    try:
        roles.ensure_roles(admin, database, names=names, environ=passwords)
        roles.ensure_roles(admin, database, names=names, environ=passwords)
        owners = _owners(admin)
        assert owners[database] == names.transformer
        assert owners[names.mlflow] == names.mlflow
        assert owners[names.dagster] == names.dagster
        with psycopg.connect(admin) as conn:
            has_password = conn.execute(
                "select count(*) from pg_authid where rolname = any(%s)"
                " and rolpassword is not null",
                (list(names.password_variables()),),
            ).fetchone()
        assert has_password == (4,)
        transformer = make_conninfo(
            admin, dbname=database, user=names.transformer, password=f"pw-{suffix}"
        )
        reader = make_conninfo(
            admin, dbname=database, user=names.reader, password=f"pw-{suffix}"
        )
        with psycopg.connect(transformer, autocommit=True) as conn:
            conn.execute("create schema marts")
            conn.execute("create table marts.t as select 1 as x")
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("create database nope")
        with psycopg.connect(reader, autocommit=True) as conn:
            assert conn.execute("select x from marts.t").fetchall() == [(1,)]
            with pytest.raises(errors.ReadOnlySqlTransaction):
                conn.execute("delete from marts.t")
            conn.execute("set default_transaction_read_only = off")
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("delete from marts.t")
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("create table public.nope (x int)")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for db in (database, names.mlflow, names.dagster):
                conn.execute(
                    sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(db)
                    )
                )
            for role in names.password_variables():
                conn.execute(
                    sql.SQL("drop role if exists {}").format(sql.Identifier(role))
                )
