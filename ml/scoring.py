"""Write batch model outputs to the warehouse `ml` schema, replacing a table atomically.

`replace_table` creates `ml.<table>` (or recreates it when its columns changed), then deletes
the old rows and COPYs the new ones in ONE transaction: readers see the old scores or the new
ones, never a mix or an empty table (DELETE, unlike TRUNCATE, does not block readers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from psycopg import sql

ML_SCHEMA = "ml"


def _column_list(columns: Sequence[tuple[str, str]]) -> sql.Composed:
    return sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
        for name, pg_type in columns
    )


def _existing_columns(conn, schema: str, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        """select a.attname, format_type(a.atttypid, a.atttypmod)
           from pg_attribute a
           where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped
           order by a.attnum""",
        (f'"{schema}"."{table}"',),
    ).fetchall()
    return [(n, t) for n, t in rows]


def _python_value(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def replace_table(
    url: str,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    *,
    schema: str = ML_SCHEMA,
    primary_key: Sequence[str] = (),
    comment: str | None = None,
) -> int:
    """Replace the contents of `schema.table` with `frame` in one transaction; returns rows.

    Args:
        columns: (name, PostgreSQL type) in table order; `frame` must hold every name.
        primary_key: columns of the primary key, if any.
    """
    from warehouse.connection import transaction

    names = [n for n, _ in columns]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise KeyError(f"frame for {schema}.{table} lacks column(s) {missing}")
    ident = sql.Identifier(schema, table)
    ddl = _column_list(columns)
    if primary_key:
        ddl = sql.SQL("{}, primary key ({})").format(
            ddl, sql.SQL(", ").join(map(sql.Identifier, primary_key))
        )
    with transaction(url) as conn:
        conn.execute(
            sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
        )
        existing = _existing_columns(conn, schema, table)
        if existing and [n for n, _ in existing] != names:
            conn.execute(sql.SQL("drop table {}").format(ident))
            existing = []
        if not existing:
            conn.execute(sql.SQL("create table {} ({})").format(ident, ddl))
            if comment:
                conn.execute(
                    sql.SQL("comment on table {} is {}").format(
                        ident, sql.Literal(comment)
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
