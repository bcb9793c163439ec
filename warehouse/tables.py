"""Write an output table (`contracts.ml_outputs`) to the warehouse, replacing it atomically.

`replace_table` creates `<schema>.<table>` with the contract's layout (or recreates it when the
existing columns differ), then deletes the old rows and COPYs the new ones in ONE transaction:
readers see the old rows or the new ones, never a mix or an empty table (DELETE, unlike
TRUNCATE, does not block readers).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from psycopg import sql
from psycopg.types.json import Jsonb

from contracts.ml_outputs import OutputTable


def _column_list(table: OutputTable) -> sql.Composed:
    return sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
        for name, pg_type in table.columns
    )


def existing_columns(conn, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, formatted type) of the columns of `schema.table`, [] when it does not exist."""
    rows = conn.execute(
        """select a.attname, format_type(a.atttypid, a.atttypmod)
           from pg_attribute a
           where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped
           order by a.attnum""",
        (f'"{schema}"."{table}"',),
    ).fetchall()
    return [(n, t) for n, t in rows]


def _finite(value: Any) -> Any:
    """JSON has no NaN/Infinity (PostgreSQL rejects them in jsonb): store them as null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def _python_value(value: object) -> object:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, dict | list):
        return Jsonb(_finite(value))
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and math.isnan(item) else item
    return value


def create_table_sql(table: OutputTable) -> sql.Composed:
    """`create table <schema>.<name> (...)` with the contract's columns and primary key."""
    ddl = _column_list(table)
    if table.primary_key:
        ddl = sql.SQL("{}, primary key ({})").format(
            ddl, sql.SQL(", ").join(map(sql.Identifier, table.primary_key))
        )
    return sql.SQL("create table {} ({})").format(
        sql.Identifier(table.schema, table.name), ddl
    )


def replace_table(url: str, table: OutputTable, frame: pd.DataFrame) -> int:
    """Replace the contents of `table` with `frame` in one transaction; returns rows written.

    `frame` must hold every column of the contract (extra columns are ignored); dict/list
    values go to jsonb columns, NaN/NaT/None become NULL.
    """
    from warehouse.connection import transaction

    names = table.column_names
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise KeyError(f"frame for {table.qualified_name} lacks column(s) {missing}")
    ident = sql.Identifier(table.schema, table.name)
    with transaction(url) as conn:
        conn.execute(
            sql.SQL("create schema if not exists {}").format(
                sql.Identifier(table.schema)
            )
        )
        existing = existing_columns(conn, table.schema, table.name)
        if existing and [n for n, _ in existing] != names:
            conn.execute(sql.SQL("drop table {}").format(ident))
            existing = []
        if not existing:
            conn.execute(create_table_sql(table))
            conn.execute(
                sql.SQL("comment on table {} is {}").format(
                    ident, sql.Literal(table.description)
                )
            )
        else:
            conn.execute(sql.SQL("delete from {}").format(ident))
        copy_sql = sql.SQL("copy {} ({}) from stdin").format(
            ident, sql.SQL(", ").join(map(sql.Identifier, names))
        )
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for row in frame[names].itertuples(index=False, name=None):
                copy.write_row([_python_value(v) for v in row])
    return len(frame)
