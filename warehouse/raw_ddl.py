"""DDL of the `raw` schema: one typed table per contract table, plus the batch ledger.

Design choices (see docs/quality-gates.md):

* Every contract column is nullable and there are no keys or constraints in raw: raw validation
  (SQL checks in the batch's audit area, `warehouse.raw_validation`) is the gate, and products/customers legitimately repeat their ids across
  batches (new versions). DDL constraints would turn a validation report into a bare COPY error.
* The load metadata columns are NOT NULL and default to per-transaction settings, so COPY can
  stream the CSV untouched while every row is stamped:
  `_batch_id`/`_source_file` default to `current_setting('ecom.batch_id'/'ecom.source_file')`
  (set with `set_config(..., is_local => true)` inside the load transaction) and `_loaded_at`
  to `now()`, i.e. the transaction start, one timestamp per batch. Inserting into raw without
  those settings fails loudly.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from contracts.raw_tables import LOAD_METADATA_COLUMNS, PG_TYPES, TABLES, Table

RAW_SCHEMA = "raw"
LEDGER_TABLE = "_batches"
BATCH_SETTING = "ecom.batch_id"
SOURCE_FILE_SETTING = "ecom.source_file"
# Serialises concurrent DDL of the raw schema (arbitrary constant key).
_DDL_LOCK_KEY = 7_302_114_001

_METADATA_DEFAULTS: dict[str, str] = {
    "_batch_id": f"current_setting('{BATCH_SETTING}')",
    "_loaded_at": "now()",
    "_source_file": f"current_setting('{SOURCE_FILE_SETTING}')",
}
#: (name, type, default) of the load metadata columns the contract names, in its order.
METADATA_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (name, pg_type, _METADATA_DEFAULTS[name])
    for name, pg_type, _ in LOAD_METADATA_COLUMNS
)


class RawSchemaError(RuntimeError):
    """An existing raw table does not have the columns the contract expects."""


def expected_columns(table: Table) -> list[tuple[str, str]]:
    """(name, PostgreSQL type) of every column of raw.<table>, metadata last."""
    return [(c.name, PG_TYPES[c.type]) for c in table.columns] + [
        (n, t) for n, t, _ in METADATA_COLUMNS
    ]


def create_table_sql(table: Table) -> sql.Composed:
    """`create table if not exists raw.<table>` with contract columns and load metadata."""
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(PG_TYPES[c.type]))
        for c in table.columns
    ]
    columns += [
        sql.SQL("{} {} not null default {}").format(
            sql.Identifier(name), sql.SQL(pg_type), sql.SQL(default)
        )
        for name, pg_type, default in METADATA_COLUMNS
    ]
    return sql.SQL("create table if not exists {}.{} ({})").format(
        sql.Identifier(RAW_SCHEMA),
        sql.Identifier(table.name),
        sql.SQL(", ").join(columns),
    )


def create_ledger_sql() -> sql.Composed:
    """The ledger: one row per loaded batch."""
    return sql.SQL(
        """create table if not exists {}.{} (
            batch_id text primary key,
            manifest_sha256 text not null,
            parent_batch_id text,
            window_start text,
            window_end text,
            source_dir text not null,
            loaded_at timestamptz not null default now(),
            row_counts jsonb not null
        )"""
    ).format(sql.Identifier(RAW_SCHEMA), sql.Identifier(LEDGER_TABLE))


def _existing_columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        """select a.attname, format_type(a.atttypid, a.atttypmod)
           from pg_attribute a
           where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped
           order by a.attnum""",
        (f"{RAW_SCHEMA}.{table}",),
    ).fetchall()
    return [(name, pg_type) for name, pg_type in rows]


def _normalise(pg_type: str) -> str:
    return pg_type.replace(", ", ",").replace("timestamp with time zone", "timestamptz")


def check_table(conn: psycopg.Connection, table: Table) -> None:
    """Bring an existing raw.<table> up to the contract: add the contract's new (optional)
    columns; raise RawSchemaError when a column has another type or is not in the contract."""
    existing = dict((n, _normalise(t)) for n, t in _existing_columns(conn, table.name))
    if not existing:
        return
    expected = dict((n, _normalise(t)) for n, t in expected_columns(table))
    retyped = {
        n: (existing[n], t)
        for n, t in expected.items()
        if n in existing and existing[n] != t
    }
    unknown = [n for n in existing if n not in expected]
    if retyped or unknown:
        raise RawSchemaError(
            f"raw.{table.name} exists but does not match the contract: column types "
            f"(found, expected) {retyped}, columns not in the contract {unknown}. Migrate or "
            "drop the raw table (raw is append-only; the contract changed)."
        )
    for column in table.columns:
        if column.name not in existing:
            conn.execute(
                sql.SQL("alter table {}.{} add column {} {}").format(
                    sql.Identifier(RAW_SCHEMA),
                    sql.Identifier(table.name),
                    sql.Identifier(column.name),
                    sql.SQL(PG_TYPES[column.type]),
                )
            )


def loaded_at_index_name(table: Table) -> str:
    return f"{table.name}__loaded_at"


def create_loaded_at_index_sql(table: Table) -> sql.Composed:
    """A BRIN index on `_loaded_at`: incremental dbt models and scoped tests read only the
    rows loaded since a watermark, and this lets PostgreSQL read just the pages those rows
    are on instead of the whole table. Raw tables are append-only and `_loaded_at` grows
    with every batch, the case BRIN is made for: a few kB per table, near-free upkeep. The
    loader summarises the new pages after each batch (`summarize_loaded_at_sql`)."""
    return sql.SQL(
        "create index if not exists {} on {}.{} using brin (_loaded_at)"
    ).format(
        sql.Identifier(loaded_at_index_name(table)),
        sql.Identifier(RAW_SCHEMA),
        sql.Identifier(table.name),
    )


def summarize_loaded_at_sql(table: Table) -> sql.Composed:
    """Summarise the pages a load added to the `_loaded_at` index (pages never summarised
    match every scan, so without this the index would stop helping as batches pile up)."""
    return sql.SQL("select brin_summarize_new_values({})").format(
        sql.Literal(f"{RAW_SCHEMA}.{loaded_at_index_name(table)}")
    )


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    """Create the raw schema, its tables and the ledger if missing, and add columns the
    contract gained since, in one transaction; idempotent."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
        conn.execute(
            sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA))
        )
        for table in TABLES:
            conn.execute(create_table_sql(table))
            check_table(conn, table)
            conn.execute(create_loaded_at_index_sql(table))
        conn.execute(create_ledger_sql())
