"""Read query results into DataFrames, with one clear error when a relation is missing.

Used by every ML family to read the marts: `read_frame` for modest results (typed values
through psycopg), `copy_frame` for large ones (COPY ... TO STDOUT as CSV, parsed by pandas,
several times faster than fetching rows), `require_relations` to name every missing relation
before a long job starts.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

import pandas as pd
from psycopg import errors, sql

from warehouse.connection import connect


class MartMissing(LookupError):
    """A relation the query reads does not exist (the warehouse is not built yet)."""


def read_frame(
    url: str,
    query: str | sql.Composed | sql.SQL,
    params: tuple | Mapping[str, object] | None = None,
    *,
    numeric_as_float: bool = False,
) -> pd.DataFrame:
    """Run one SELECT; its rows as a DataFrame with the cursor's column names.

    Args:
        numeric_as_float: read `numeric` columns as float (model inputs), not Decimal.
    """
    try:
        with connect(url) as conn:
            if numeric_as_float:
                from psycopg.types.numeric import FloatLoader

                conn.adapters.register_loader("numeric", FloatLoader)
            cur = conn.execute(query, params)
            columns = [d.name for d in cur.description or []]
            rows = cur.fetchall()
    except (errors.UndefinedTable, errors.InvalidSchemaName) as exc:
        raise MartMissing(exc.diag.message_primary or str(exc)) from None
    return pd.DataFrame.from_records(rows, columns=columns)


def copy_frame(
    url: str,
    query: str,
    params: Mapping[str, object] | None = None,
    *,
    dtype: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Run `query` through COPY ... TO STDOUT (CSV with header) and parse it with pandas.

    `params` are inlined as SQL literals into `{name}` placeholders of `query`.
    """
    statement = sql.SQL("copy ({}) to stdout with (format csv, header true)").format(
        sql.SQL(query).format(**{k: sql.Literal(v) for k, v in (params or {}).items()})
    )
    buffer = io.BytesIO()
    try:
        with connect(url) as conn, conn.cursor() as cur, cur.copy(statement) as copy:
            for chunk in copy:
                buffer.write(chunk)
    except (errors.UndefinedTable, errors.InvalidSchemaName) as exc:
        raise MartMissing(exc.diag.message_primary or str(exc)) from None
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=dict(dtype) if dtype else None)


def missing_relations(url: str, relations: Iterable[str]) -> list[str]:
    """The relations (schema.name) among `relations` that do not exist, in the given order."""
    with connect(url) as conn:
        found = {
            name: conn.execute("select to_regclass(%s)", (name,)).fetchone()
            for name in relations
        }
    return [name for name, row in found.items() if row is None or row[0] is None]


def require_relations(url: str, relations: Iterable[str], hint: str = "") -> None:
    """MartMissing naming every missing relation (and `hint`, e.g. what to build)."""
    missing = missing_relations(url, relations)
    if missing:
        raise MartMissing(
            f"the warehouse lacks {', '.join(missing)}" + (f"; {hint}" if hint else "")
        )
