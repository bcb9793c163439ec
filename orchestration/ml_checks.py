"""Plain checks behind the ML asset checks."""

from __future__ import annotations

import psycopg
from psycopg import sql


def dates_after_cutoff(url: str, schema: str, table: str) -> dict[str, int]:
    """Count rows where any date/timestamp column is later than the row's `cutoff_date`."""
    with psycopg.connect(url) as conn:
        columns = [
            r[0]
            for r in conn.execute(
                """
                select column_name from information_schema.columns
                where table_schema = %s and table_name = %s
                  and data_type in ('date', 'timestamp with time zone', 'timestamp without time zone')
                  and column_name <> 'cutoff_date'
                """,
                (schema, table),
            ).fetchall()
        ]
        out: dict[str, int] = {}
        for column in columns:
            query = sql.SQL("select count(*) from {}.{} where {} > cutoff_date").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
            )
            row = conn.execute(query).fetchone()
            if row and row[0]:
                out[column] = int(row[0])
    return out
