"""Resolve the warehouse URL (server or embedded) and open connections."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from warehouse import embedded, roles
from warehouse.settings import WarehouseSettings, get_settings

log = logging.getLogger(__name__)

#: Who connects: `transformer` writes (loader, dbt, ML), `reader` only reads (API, BI app),
#: `admin` creates databases and roles (the embedded superuser; in server mode ECOM_DATABASE_URL).
Role = Literal["transformer", "reader", "admin"]

_warned_reader_fallback = False


def database_url(
    settings: WarehouseSettings | None = None,
    *,
    start: bool = True,
    role: Role = "transformer",
) -> str:
    """The libpq URL of the warehouse for `role`.

    Embedded (ECOM_DATABASE_URL unset): the server's unix socket as ecom_transformer,
    ecom_reader or the `postgres` superuser, starting the server first when `start` is true
    (and raising when it is false and the server is down).

    Server: the transformer and admin use ECOM_DATABASE_URL; the reader uses
    ECOM_READER_DATABASE_URL, falling back to ECOM_DATABASE_URL with a warning (then the API
    and the app are only as restricted as that URL's role).
    """
    settings = settings or get_settings()
    if settings.database_url:
        return _server_url(settings, role)
    if start:
        embedded.ensure_running(settings.pgdata, settings.embedded_database)
    url = embedded.status(settings.pgdata).url(
        settings.embedded_database, user=_embedded_user(role)
    )
    if url is None:
        raise RuntimeError(
            "the embedded warehouse is not running; start it with `ecom db up`"
        )
    return url


def _embedded_user(role: Role) -> str:
    return {
        "transformer": roles.DEFAULT_ROLES.transformer,
        "reader": roles.DEFAULT_ROLES.reader,
        "admin": roles.EMBEDDED_SUPERUSER,
    }[role]


def _server_url(settings: WarehouseSettings, role: Role) -> str:
    global _warned_reader_fallback
    assert settings.database_url
    if role != "reader":
        return settings.database_url
    if settings.reader_database_url:
        return settings.reader_database_url
    user = conninfo_to_dict(settings.database_url).get("user")
    if user != roles.DEFAULT_ROLES.reader and not _warned_reader_fallback:
        _warned_reader_fallback = True
        log.warning(
            "ECOM_READER_DATABASE_URL is unset: read-only clients (API, BI app) use "
            "ECOM_DATABASE_URL as %s, which is not least-privilege; set it to an "
            "ecom_reader URL",
            user or "the default user",
        )
    return settings.database_url


def connect(
    url: str | None = None, *, autocommit: bool = False, **kwargs
) -> psycopg.Connection:
    """Open a psycopg 3 connection to the warehouse (or to `url`)."""
    return psycopg.connect(url or database_url(), autocommit=autocommit, **kwargs)


@contextmanager
def transaction(url: str | None = None) -> Iterator[psycopg.Connection]:
    """A connection whose work commits on success and rolls back on any exception."""
    with connect(url) as conn, conn.transaction():
        yield conn


def connection_parts(url: str) -> dict[str, str]:
    """Split a libpq URL into host/port/user/password/dbname (host may be a socket directory)."""
    parts = conninfo_to_dict(url)
    return {
        "host": str(parts.get("host") or "127.0.0.1"),
        "port": str(parts.get("port") or "5432"),
        "user": str(parts.get("user") or "postgres"),
        "password": str(parts.get("password") or ""),
        "dbname": str(parts.get("dbname") or "postgres"),
    }


def dbt_env(url: str) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml."""
    p = connection_parts(url)
    return {
        "ECOM_DB_HOST": p["host"],
        "ECOM_DB_PORT": p["port"],
        "ECOM_DB_USER": p["user"],
        "ECOM_DB_PASSWORD": p["password"],
        "ECOM_DB_NAME": p["dbname"],
    }


def sqlalchemy_url(url: str) -> str:
    """The same target as a SQLAlchemy URL using the psycopg 3 driver."""
    p = connection_parts(url)
    auth = quote(p["user"]) + (":" + quote(p["password"]) if p["password"] else "")
    if p["host"].startswith("/"):
        return f"postgresql+psycopg://{auth}@/{p['dbname']}?host={p['host']}&port={p['port']}"
    return f"postgresql+psycopg://{auth}@{p['host']}:{p['port']}/{p['dbname']}"


def scalar(conn: psycopg.Connection, query: str, params: tuple | None = None) -> Any:
    """The first column of the first row of `query` (None when there is no row)."""
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None
