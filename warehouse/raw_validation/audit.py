"""The audit area of write-audit-publish: a batch COPYed into its own schema before `raw`.

`stage(conn, manifest)` creates `audit_<batch>` with one unlogged table per file, typed like raw
(every column nullable) plus `_line` (the file's line number, header = line 1), and COPYs each
file into it with the columns its header names. A value PostgreSQL cannot read as the column's
type, a non-UTF-8 byte or a row with too few or too many fields stops that file's COPY with
PostgreSQL's own message, which names the line and column; it becomes a finding. The audit area
stays after a failed validation (for inspection: `select * from audit_<batch>.<table>`) until
`drop` or the next attempt replaces it; a published batch's area is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from contracts.manifest import BatchManifest
from contracts.raw_tables import PG_TYPES, get_table
from warehouse.raw_validation.files import FileFormatError, csv_stream, file_columns
from warehouse.raw_validation.report import ValidationFailure

AUDIT_PREFIX = "audit_"
LINE_COLUMN = "_line"
_CONTEXT = re.compile(r"COPY \w+, line (\d+)(?:, column (\w+))?")


def audit_schema(batch_id: str) -> str:
    """`audit_<batch id>` folded to a PostgreSQL identifier (lowercase, [a-z0-9_], <= 63)."""
    safe = re.sub(r"[^a-z0-9_]", "_", batch_id.lower())
    return (AUDIT_PREFIX + safe)[:63]


@dataclass
class StagedTable:
    """One file in the audit area: its columns (file order) and the rows COPY accepted."""

    table: str
    file: str
    columns: list[str]
    rows: int | None = None  # None when the COPY failed


@dataclass
class AuditArea:
    """What `stage` did: the schema, each staged table, and the findings that stopped a file."""

    schema: str
    tables: dict[str, StagedTable] = field(default_factory=dict)
    failures: list[ValidationFailure] = field(default_factory=list)


def _create_table(conn: psycopg.Connection, schema: str, name: str) -> None:
    table = get_table(name)
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(PG_TYPES[c.type]))
        for c in table.columns
    ]
    conn.execute(
        sql.SQL(
            "create unlogged table {}.{} ({} bigint generated always as identity"
            " (start with 2), {})"
        ).format(
            sql.Identifier(schema),
            sql.Identifier(name),
            sql.Identifier(LINE_COLUMN),
            sql.SQL(", ").join(columns),
        )
    )


def _copy_failure(name: str, file: str, exc: psycopg.Error) -> ValidationFailure:
    diag = exc.diag
    context = _CONTEXT.search(diag.context or "")
    line = int(context.group(1)) if context else None
    column = context.group(2) if context else None
    return ValidationFailure(
        table=name,
        column=column,
        expectation="readable_as_contract_type",
        examples=[],
        check="COPY",
        rows=[line] if line else [],
        details=f"{file}: {diag.message_primary}",
    )


def _header_failures(
    name: str, file: str, columns: list[str], manifest_columns: tuple[str, ...]
) -> list[ValidationFailure]:
    table = get_table(name)
    unknown = [c for c in columns if c not in table.column_names]
    missing = [c for c in table.required_columns if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    found = []
    if unknown or missing or repeated:
        found.append(
            ValidationFailure(
                table=name,
                column=(missing or unknown or repeated)[0],
                expectation="columns_match_contract",
                examples=missing + unknown + repeated,
                check="required columns present, no unknown or repeated column",
                rows=[1],
                details=f"{file}: missing required column(s) {missing}, unknown column(s) "
                f"{unknown}, repeated column(s) {repeated}; the contract's columns are "
                f"{table.column_names} (required: {table.required_columns})",
            )
        )
    if list(manifest_columns) != columns:
        found.append(
            ValidationFailure(
                table=name,
                column=None,
                expectation="manifest_matches_file",
                examples=[],
                check="the manifest lists the file's columns",
                rows=[1],
                details=f"{file} has columns {columns}, its manifest entry says "
                f"{list(manifest_columns)}",
            )
        )
    return found


def drop(conn: psycopg.Connection, batch_id: str) -> None:
    """Remove a batch's audit area (nothing happens when there is none)."""
    conn.execute(
        sql.SQL("drop schema if exists {} cascade").format(
            sql.Identifier(audit_schema(batch_id))
        )
    )


def stage(conn: psycopg.Connection, manifest: BatchManifest) -> AuditArea:
    """Replace the batch's audit area and COPY every file into it (autocommit connection:
    each file is its own transaction, so a failed file leaves the others for inspection)."""
    schema = audit_schema(manifest.batch_id)
    area = AuditArea(schema)
    with conn.transaction():
        drop(conn, manifest.batch_id)
        conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
        conn.execute("set local timezone = 'UTC'")
        for name in manifest.tables:
            _create_table(conn, schema, name)
    for name, entry in manifest.tables.items():
        path = manifest.path(name)
        try:
            columns = file_columns(path)
        except FileFormatError as exc:
            area.failures.append(
                ValidationFailure(
                    name,
                    None,
                    "readable_file",
                    [],
                    check="header",
                    rows=[1],
                    details=str(exc),
                )
            )
            continue
        staged = StagedTable(name, entry.file, columns)
        area.tables[name] = staged
        header = _header_failures(name, entry.file, columns, entry.columns)
        if header:
            area.failures.extend(header)
            continue
        statement = sql.SQL(
            "copy {}.{} ({}) from stdin with (format csv, header true, encoding 'UTF8')"
        ).format(
            sql.Identifier(schema),
            sql.Identifier(name),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
        )
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("set local timezone = 'UTC'")
                with cur.copy(statement) as copy:
                    for chunk in csv_stream(path):
                        copy.write(chunk)
                staged.rows = cur.rowcount
        except psycopg.DataError as exc:  # bad value, bad byte, short or long row
            area.failures.append(_copy_failure(name, entry.file, exc))
        if staged.rows is not None and staged.rows != entry.rows:
            area.failures.append(
                ValidationFailure(
                    name,
                    None,
                    "row_count_matches_manifest",
                    [],
                    check="rows",
                    details=f"{entry.file} held {staged.rows} rows, the manifest says "
                    f"{entry.rows}",
                )
            )
    return area
