"""Create, copy and drop whole databases on a server (tests, benchmarks, scratch work)."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql


def admin_url(url: str) -> str:
    """The same server, connected to its `postgres` maintenance database.

    An embedded-server URL of a least-privilege role (ecom_transformer, ecom_reader over the
    unix socket) becomes the embedded superuser's: those roles may not create databases.
    """
    from warehouse.roles import DEFAULT_ROLES, EMBEDDED_SUPERUSER

    parts = psycopg.conninfo.conninfo_to_dict(url)
    if str(parts.get("host") or "").startswith("/") and parts.get("user") in (
        DEFAULT_ROLES.transformer,
        DEFAULT_ROLES.reader,
    ):
        return psycopg.conninfo.make_conninfo(
            url, dbname="postgres", user=EMBEDDED_SUPERUSER
        )
    return psycopg.conninfo.make_conninfo(url, dbname="postgres")


def create_database(
    admin: str, prefix: str, template: str | None = None
) -> tuple[str, str]:
    """Create a uniquely named database (optionally a copy of `template`); return (name, url)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        if template:
            # a template must have no other sessions (pooled connections may linger)
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where datname = %s and pid <> pg_backend_pid()",
                (template,),
            )
            conn.execute(
                sql.SQL("create database {} template {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return name, psycopg.conninfo.make_conninfo(admin, dbname=name)


def ensure_database(admin: str, name: str) -> str:
    """Create `name` unless it exists; return its URL (benchmarks reuse a cached database)."""
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (name,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin, dbname=name)


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(
                sql.Identifier(name)
            )
        )
