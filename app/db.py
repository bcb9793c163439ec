"""Read-only warehouse access for the app: cached queries, and warehouse problems as errors
that carry the command which fixes them (pages show those instead of tracebacks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import psycopg
import streamlit as st
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

#: How long a query result is reused before the warehouse is asked again.
CACHE_TTL = dt.timedelta(minutes=5)
#: Existence checks are cheap and should notice new ML tables soon.
EXISTS_TTL = dt.timedelta(seconds=30)
FIX_START = "ecom db up"
FIX_BUILD = "ecom run        # or: make run"
#: Query parameters: positional (%s) or named (%(name)s).
Params = Mapping[str, Any] | Sequence[Any] | None
FIX_SERVER = "check ECOM_DATABASE_URL (or unset it and run: ecom db up)"


class WarehouseProblem(RuntimeError):
    """The warehouse cannot answer; `fix` is the command that repairs it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


class WarehouseUnavailable(WarehouseProblem):
    """No connection: the embedded server is down or the server URL is wrong."""


class WarehouseEmpty(WarehouseProblem):
    """Connected, but the marts have not been built (or hold no orders)."""


class RelationMissing(WarehouseProblem):
    """A table the page needs does not exist (yet)."""

    def __init__(self, relation: str, message: str, fix: str = FIX_BUILD) -> None:
        super().__init__(message, fix)
        self.relation = relation


def describe(url: str) -> str:
    """host:port/dbname of a libpq URL, without credentials."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable warehouse URL>"
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def warehouse_url() -> str:
    """The read-only role's warehouse URL (ecom_reader on the running embedded server, or
    ECOM_READER_DATABASE_URL / ECOM_DATABASE_URL); never starts the server."""
    from warehouse.connection import database_url
    from warehouse.settings import get_settings

    get_settings.cache_clear()  # the environment may change while the app runs
    try:
        return database_url(start=False, role="reader")
    except RuntimeError as exc:
        raise WarehouseUnavailable(str(exc), FIX_START) from exc


def _is_embedded() -> bool:
    from warehouse.settings import get_settings

    return get_settings().is_embedded


def connect_read_only(url: str) -> psycopg.Connection:
    """A psycopg connection whose every transaction is read-only; numerics load as floats."""
    from psycopg.types.numeric import FloatLoader

    options = conninfo_to_dict(url).get("options") or ""
    conninfo = make_conninfo(
        url, options=f"{options} -c default_transaction_read_only=on".strip()
    )
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise WarehouseUnavailable(
            f"cannot connect to the warehouse at {describe(url)}: {first_line}",
            FIX_START if _is_embedded() else FIX_SERVER,
        ) from exc
    conn.adapters.register_loader("numeric", FloatLoader)
    return conn


def fetch(url: str, statement: str, params: Params = None) -> pd.DataFrame:
    """Run one read-only query (uncached); a missing table raises `RelationMissing`."""
    with connect_read_only(url) as conn:
        try:
            cur = conn.execute(statement, params)
        except errors.UndefinedTable as exc:
            detail = exc.diag.message_primary or str(exc)
            relation = detail.split('"')[1] if '"' in detail else detail
            raise RelationMissing(
                relation,
                f"the warehouse has no table {relation} yet ({detail})",
            ) from exc
        columns = [c.name for c in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=columns)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=512)
def query(url: str, statement: str, params: Params = None) -> pd.DataFrame:
    """`fetch`, cached for `CACHE_TTL` per (url, statement, params)."""
    return fetch(url, statement, params)


@st.cache_data(ttl=EXISTS_TTL, show_spinner=False)
def relation_exists(url: str, relation: str) -> bool:
    """True when `schema.table` exists in the warehouse."""
    with connect_read_only(url) as conn:
        row = conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()
    return bool(row and row[0])


@st.cache_data(ttl=EXISTS_TTL, show_spinner=False)
def _marts_state(url: str) -> str:
    with connect_read_only(url) as conn:
        exists = conn.execute("select to_regclass('marts.fct_orders')").fetchone()
        if not exists or not exists[0]:
            return "missing"
        has_rows = conn.execute(
            "select exists (select 1 from marts.fct_orders where is_purchase)"
        ).fetchone()
    return "ready" if has_rows and has_rows[0] else "empty"


def require_marts(url: str) -> None:
    """Raise `WarehouseEmpty` unless the marts are built and hold purchases."""
    state = _marts_state(url)
    if state == "missing":
        raise WarehouseEmpty(
            f"the warehouse at {describe(url)} has no marts yet (marts.fct_orders is missing)",
            FIX_BUILD,
        )
    if state == "empty":
        raise WarehouseEmpty(
            f"the warehouse at {describe(url)} holds no orders (marts.fct_orders is empty)",
            FIX_BUILD,
        )


def clear_caches() -> None:
    """Forget every cached query result (the next render asks the warehouse again)."""
    st.cache_data.clear()
