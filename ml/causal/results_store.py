"""The `analytics.campaign_effects` table: written atomically, read back for apps and tests."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from psycopg import sql
from psycopg.types.json import Jsonb

from warehouse.connection import connect, transaction

SCHEMA = "analytics"
TABLE = "campaign_effects"

#: Column name -> PostgreSQL type, in table order.
COLUMNS: dict[str, str] = {
    "analysis": "text not null",
    "method": "text not null",
    "estimand": "text not null",
    "subgroup": "text",
    "estimate": "double precision",
    "std_error": "double precision",
    "ci_low": "double precision",
    "ci_high": "double precision",
    "p_value": "double precision",
    "n": "integer",
    "n_treated": "integer",
    "true_effect": "double precision",
    "runtime_seconds": "double precision",
    "diagnostics": "jsonb",
    "data_batch_id": "text",
    "computed_at": "timestamptz not null",
}


def _table() -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(TABLE))


def _existing_columns(conn) -> list[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (SCHEMA, TABLE),
    ).fetchall()
    return [r[0] for r in rows]


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, dict):
        return Jsonb(_finite(value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalar -> Python
        return value.item()
    return value


def write_campaign_effects(url: str, df: pd.DataFrame) -> int:
    """Replace the rows of analytics.campaign_effects with `df`, in one transaction.

    Creates the schema and table when missing (and recreates the table when its columns
    differ from `COLUMNS`). Readers see either the previous rows or the new ones, never a
    mix or an empty table: the delete and the insert commit together. Returns rows written.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"campaign effects frame is missing column(s) {missing}; it has {list(df.columns)}"
        )
    ddl = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
        for name, kind in COLUMNS.items()
    )
    insert = sql.SQL("insert into {} ({}) values ({})").format(
        _table(),
        sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
        sql.SQL(", ").join(sql.Placeholder() * len(COLUMNS)),
    )
    rows = [
        tuple(_cell(v) for v in record)
        for record in df[list(COLUMNS)].itertuples(index=False, name=None)
    ]
    with transaction(url) as conn:
        conn.execute(
            sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA))
        )
        existing = _existing_columns(conn)
        if existing and existing != list(COLUMNS):
            conn.execute(sql.SQL("drop table {}").format(_table()))
            existing = []
        if not existing:
            conn.execute(sql.SQL("create table {} ({})").format(_table(), ddl))
        else:
            conn.execute(sql.SQL("delete from {}").format(_table()))
        with conn.cursor() as cur:
            cur.executemany(insert, rows)
    return len(rows)


def read_campaign_effects(url: str) -> pd.DataFrame:
    """All rows of analytics.campaign_effects (raises if the table does not exist)."""
    with connect(url) as conn:
        cur = conn.execute(
            sql.SQL("select * from {} order by analysis, method, subgroup").format(
                _table()
            )
        )
        return pd.DataFrame(
            cur.fetchall(), columns=[c.name for c in cur.description or []]
        )


def _finite(value: Any) -> Any:
    """JSON has no NaN/Infinity (PostgreSQL rejects them in jsonb): store them as null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
