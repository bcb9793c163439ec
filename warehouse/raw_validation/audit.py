"""The audit area of write-audit-publish: a batch COPYed into its own schema before `raw`.

`stage(conn, manifest)` creates `audit_<batch>` with one unlogged table per file, typed like raw
(every column nullable) plus `_line` (the file's line number, header = line 1), and COPYs each
file into it with the columns its header names. A value PostgreSQL cannot read as the column's
type, a non-UTF-8 byte or a row with too few or too many fields stops that file's COPY with
PostgreSQL's own message, which names the line (and the column, found in the file when PostgreSQL
does not say); it becomes a finding, as does a text value over MAX_FIELD_BYTES. The audit area
stays after a failed validation (for inspection: `select * from audit_<batch>.<table>`) until
`drop` or the next attempt replaces it; a published batch's area is dropped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from contracts.manifest import BatchManifest
from contracts.raw_tables import PG_TYPES, get_table
from warehouse.raw_validation.files import FileFormatError, csv_stream, file_columns
from warehouse.raw_validation.report import ValidationFailure

AUDIT_PREFIX = "audit_"
LINE_COLUMN = "_line"
#: The loader's cap on one text value, in bytes. The contract's text columns hold names, codes,
#: addresses and e-mails; a longer value is a broken export (an unclosed quote swallowing the
#: rest of the file, a blob in the wrong column), refused with its file, line and column.
MAX_FIELD_BYTES = 4096
_CONTEXT = re.compile(r"COPY \w+, line (\d+)(?:, column (\w+))?")
_MISSING_COLUMN = re.compile(r'missing data for column "(\w+)"')
_BAD_ENCODING = (
    "22021"  # character_not_in_repertoire: a byte sequence that is not UTF-8
)


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


def _first_undecodable(path: Path) -> tuple[int, str | None] | None:
    """(line, column) of the first CSV field holding a non-UTF-8 byte (header = line 1; a
    line is a CSV record, as PostgreSQL counts them); None when none is found."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(
            raw, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        reader = csv.reader(text)
        try:
            header = next(reader, [])
            for line, row in enumerate(reader, start=2):
                for index, value in enumerate(row):
                    if any("\udc80" <= ch <= "\udcff" for ch in value):
                        return line, header[index] if index < len(header) else None
        except (
            csv.Error
        ):  # a field beyond the csv module's limit: keep PostgreSQL's word
            return None
    return None


def _copy_failure(
    name: str, file: str, path: Path, exc: psycopg.Error
) -> ValidationFailure:
    diag = exc.diag
    context = _CONTEXT.search(diag.context or "")
    line = int(context.group(1)) if context else None
    column = context.group(2) if context else None
    message = diag.message_primary or str(exc)
    if column is None and (missing := _MISSING_COLUMN.search(message)):
        column = missing.group(1)  # a row with too few fields: the first one it lacks
    if diag.sqlstate == _BAD_ENCODING and path.suffix.lower() == ".csv":
        found = _first_undecodable(path)  # PostgreSQL names the line but not the column
        if found:
            line, column = found
    where = f"line {line}" if line else "a line PostgreSQL did not name"
    if column:
        where += f", column {column}"
    return ValidationFailure(
        table=name,
        column=column,
        expectation="readable_as_contract_type",
        examples=[],
        check="COPY",
        rows=[line] if line else [],
        details=f"{file} {where}: {message}",
    )


def _oversized_fields(
    conn: psycopg.Connection, schema: str, staged: StagedTable
) -> list[ValidationFailure]:
    """Text values longer than MAX_FIELD_BYTES, per column (one scan of the staged table)."""
    table = get_table(staged.table)
    text = [c for c in staged.columns if table.column(c).type == "text"]
    if not text:
        return []
    target = sql.SQL("{}.{}").format(
        sql.Identifier(schema), sql.Identifier(staged.table)
    )
    longest = conn.execute(
        sql.SQL("select {} from {}").format(
            sql.SQL(", ").join(
                sql.SQL("max(octet_length({}))").format(sql.Identifier(c)) for c in text
            ),
            target,
        )
    ).fetchone()
    found = []
    for column, size in zip(text, longest or (), strict=True):
        if size is None or size <= MAX_FIELD_BYTES:
            continue
        row = conn.execute(
            sql.SQL(
                "select count(*), (array_agg({line} order by {line}))[1:5] from {target}"
                " where octet_length({col}) > {cap}"
            ).format(
                line=sql.Identifier(LINE_COLUMN),
                target=target,
                col=sql.Identifier(column),
                cap=sql.Literal(MAX_FIELD_BYTES),
            )
        ).fetchone()
        assert row is not None  # an aggregate always returns a row
        count, lines = row
        found.append(
            ValidationFailure(
                table=staged.table,
                column=column,
                expectation="field_within_size_cap",
                examples=[],  # never the value itself: it is what is too big to show
                unexpected_count=int(count),
                check=f"a text value holds at most {MAX_FIELD_BYTES:,} bytes",
                rows=list(lines),
                details=f"{staged.file} line {lines[0]}, column {column}: a value of "
                f"{size:,} bytes; the loader's cap is {MAX_FIELD_BYTES:,} bytes "
                "(warehouse.raw_validation.audit.MAX_FIELD_BYTES)",
            )
        )
    return found


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
            area.failures.append(_copy_failure(name, entry.file, path, exc))
        if staged.rows is not None and staged.rows != entry.rows:
            area.failures.append(
                ValidationFailure(
                    name,
                    None,
                    "row_count_matches_manifest",
                    [],
                    check="rows",
                    details=f"{entry.file} held {staged.rows} rows, the manifest says "
                    f"{entry.rows} (manifest.json tables.{name}.rows)",
                )
            )
        if staged.rows is not None:
            area.failures.extend(_oversized_fields(conn, schema, staged))
    return area
