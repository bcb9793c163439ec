"""The raw load (`ecom load SOURCE`): write-audit-publish, one batch at a time.

1. read manifest.json; a batch already in the ledger with the same manifest hash is skipped
   (when its files still match the manifest), the same batch_id with a different hash is
   refused;
2. every file's sha256 must match the manifest;
3. audit: every file (CSV or Parquet) is COPYed into the batch's own schema `audit_<batch>`
   and checked there with SQL generated from the raw contract (`warehouse.raw_validation`);
   any finding stops the load with a report naming table, column, rule and file lines, and the
   audit area stays for inspection;
4. publish: in one transaction, every staged table is inserted into raw.<table> (stamped with
   `_batch_id`, `_loaded_at`, `_source_file`) and the batch recorded in raw._batches; the audit
   area is dropped. The whole batch is in raw or none of it is. A load killed at any point leaves
   raw as it was; the next attempt replaces (or, when it passed and is intact, reuses) the area.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from contracts.manifest import (
    MANIFEST_FILE,
    BatchManifest,
    ManifestError,
    read_manifest,
)
from contracts.raw_tables import TABLES
from warehouse.connection import connect, database_url
from warehouse.raw_ddl import (
    BATCH_SETTING,
    LEDGER_TABLE,
    RAW_SCHEMA,
    SOURCE_FILE_SETTING,
    RawSchemaError,
    ensure_raw_schema,
    summarize_loaded_at_sql,
)
from warehouse.raw_validation import RawValidationError
from warehouse.raw_validation.audit import AuditArea, audit_schema, drop
from warehouse.raw_validation.files import file_columns
from warehouse.raw_validation.runner import audit_batch, passed_before

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20


@dataclass
class LoadResult:
    """Outcome of load_batch: rows loaded per table (the ledger's counts when skipped)."""

    batch_id: str
    tables: dict[str, int]
    skipped: bool
    seconds: float


class LoadError(Exception):
    """The batch cannot be loaded: checksum mismatch, missing file, manifest or ledger conflict."""


class _StaleAuditArea(Exception):
    """A reused audit area no longer holds what passed validation (emptied by a server crash,
    or changed by hand): it is staged again."""


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksums(manifest: BatchManifest) -> None:
    """Every file of the manifest exists and has the sha256 the manifest records."""
    where = manifest.batch_dir / MANIFEST_FILE
    for name, entry in manifest.tables.items():
        path = manifest.path(name)
        if not path.is_file():
            raise LoadError(
                f"batch {manifest.batch_id}: file {path} for table {name!r} is missing "
                f"({where} lists it as tables.{name}.file)"
            )
        actual = file_sha256(path)
        if actual != entry.sha256:
            raise LoadError(
                f"batch {manifest.batch_id}: checksum mismatch for {path}: "
                f"manifest says sha256 {entry.sha256} ({where} tables.{name}.sha256), "
                f"file has {actual}"
            )


def _ledger_row(
    conn: psycopg.Connection, batch_id: str
) -> tuple[str, dict[str, int]] | None:
    row = conn.execute(
        sql.SQL(
            "select manifest_sha256, row_counts from {}.{} where batch_id = %s"
        ).format(sql.Identifier(RAW_SCHEMA), sql.Identifier(LEDGER_TABLE)),
        (batch_id,),
    ).fetchone()
    return (row[0], dict(row[1])) if row else None


def _already_loaded(
    conn: psycopg.Connection, manifest: BatchManifest
) -> dict[str, int] | None:
    """The ledger's row counts when this exact batch is loaded; LoadError on a conflicting one."""
    row = _ledger_row(conn, manifest.batch_id)
    if row is None:
        return None
    sha, counts = row
    if sha != manifest.sha256:
        raise LoadError(
            f"batch {manifest.batch_id} is already loaded with a different manifest "
            f"(ledger sha256 {sha}, this manifest {manifest.sha256}); raw is append-only, so a changed "
            "batch needs a new batch_id"
        )
    return counts


def _publish_table(
    cur: psycopg.Cursor, schema: str, name: str, columns: list[str]
) -> int:
    entry_columns = sql.SQL(", ").join(map(sql.Identifier, columns))
    cur.execute(
        sql.SQL("insert into {}.{} ({}) select {} from {}.{} order by {}").format(
            sql.Identifier(RAW_SCHEMA),
            sql.Identifier(name),
            entry_columns,
            entry_columns,
            sql.Identifier(schema),
            sql.Identifier(name),
            sql.Identifier("_line"),
        )
    )
    return cur.rowcount


def _record(
    cur: psycopg.Cursor, manifest: BatchManifest, counts: dict[str, int]
) -> None:
    cur.execute(
        sql.SQL(
            "insert into {}.{} (batch_id, manifest_sha256, parent_batch_id, window_start, window_end,"
            " source_dir, row_counts) values (%s, %s, %s, %s, %s, %s, %s)"
        ).format(sql.Identifier(RAW_SCHEMA), sql.Identifier(LEDGER_TABLE)),
        (
            manifest.batch_id,
            manifest.sha256,
            manifest.parent_batch_id,
            manifest.window_start,
            manifest.window_end,
            str(manifest.batch_dir.resolve()),
            json.dumps(counts),
        ),
    )


def _publish(
    conn: psycopg.Connection, manifest: BatchManifest, area: AuditArea | None
) -> dict[str, int] | None:
    """Insert every staged table into raw and write the ledger row, in one transaction; drop
    the audit area. None if a racing load of the same batch committed first."""
    schema = audit_schema(manifest.batch_id)
    with conn.transaction(), conn.cursor() as cur:
        # self-conflicting lock: concurrent loads queue here, readers of the ledger are not blocked
        cur.execute(
            sql.SQL("lock table {}.{} in share row exclusive mode").format(
                sql.Identifier(RAW_SCHEMA), sql.Identifier(LEDGER_TABLE)
            )
        )
        if _already_loaded(conn, manifest) is not None:
            return None
        cur.execute(
            "select set_config(%s, %s, true)", (BATCH_SETTING, manifest.batch_id)
        )
        counts = {}
        for name, entry in manifest.tables.items():
            cur.execute(
                "select set_config(%s, %s, true)", (SOURCE_FILE_SETTING, entry.file)
            )
            columns = (
                area.tables[name].columns
                if area is not None and name in area.tables
                else file_columns(manifest.path(name))  # checksums verified: as staged
            )
            counts[name] = _publish_table(cur, schema, name, columns)
            if (
                counts[name] != entry.rows
            ):  # rolls the transaction back: nothing published
                raise _StaleAuditArea(
                    f"the audit area {schema} holds {counts[name]} rows of {name}, "
                    f"the manifest says {entry.rows}"
                )
        _record(cur, manifest, counts)
        drop(conn, manifest.batch_id)
    return counts


def _audit(
    conn: psycopg.Connection, manifest: BatchManifest, validate: bool
) -> AuditArea:
    """Stage the batch in its audit area; RawValidationError (LoadError without `validate`)
    when anything is wrong."""
    area, report = audit_batch(conn, manifest, checks=validate)
    if not report.success:
        if validate:
            raise RawValidationError(report)
        raise LoadError(
            f"batch {manifest.batch_id} could not be staged, nothing was "
            f"loaded:\n{report.to_text()}"
        )
    return area


def load_batch(
    batch_dir: Path, url: str | None = None, *, validate: bool = True
) -> LoadResult:
    """Load one generated batch into the raw schema, all or nothing.

    Args:
        batch_dir: directory holding manifest.json and one CSV or Parquet file per table.
        url: libpq URL/conninfo of the warehouse; default `warehouse.connection.database_url()`.
        validate: run the contract's checks in the audit area (RawValidationError stops the
            load); without them only what COPY refuses stops it (tests that hand bad data to
            dbt's gates on purpose).

    Returns:
        LoadResult; `skipped` is True when the identical batch was already loaded.
    """
    started = time.perf_counter()
    try:
        manifest = read_manifest(Path(batch_dir))
    except ManifestError as exc:
        raise LoadError(str(exc)) from None
    with connect(url or database_url(), autocommit=True) as conn:
        try:
            ensure_raw_schema(conn)
        except RawSchemaError as exc:
            raise LoadError(str(exc)) from None
        with conn.transaction():
            counts = _already_loaded(conn, manifest)
        skipped = counts is not None
        if counts is not None:
            # the identical manifest, but are these still its files? changed content under an
            # unchanged manifest is refused as a changed batch is, not reported as a no-op
            try:
                verify_checksums(manifest)
            except LoadError as exc:
                raise LoadError(
                    f"batch {manifest.batch_id} is already loaded, but its directory no longer "
                    f"matches its manifest; a changed batch needs a new batch_id: {exc}"
                ) from None
        else:
            verify_checksums(manifest)
            area: AuditArea | None = None
            if not (validate and passed_before(conn, manifest)):
                area = _audit(conn, manifest, validate)
            try:
                counts = _publish(conn, manifest, area)
            except _StaleAuditArea as exc:
                if (
                    area is not None
                ):  # staged just now: not a stale area but a real fault
                    raise LoadError(f"batch {manifest.batch_id}: {exc}") from None
                log.warning("batch %s: %s; staging it again", manifest.batch_id, exc)
                drop(conn, manifest.batch_id)
                counts = _publish(conn, manifest, _audit(conn, manifest, validate))
            if counts is None:  # a concurrent load of the same batch committed first
                skipped = True
                with conn.transaction():
                    counts = _already_loaded(conn, manifest) or {}
            else:
                for table in TABLES:  # the committed pages, for the _loaded_at index
                    conn.execute(summarize_loaded_at_sql(table))
    seconds = time.perf_counter() - started
    if skipped:
        log.info("batch %s is already loaded; nothing to do", manifest.batch_id)
    else:
        log.info(
            "loaded batch %s: %d rows in %.1fs",
            manifest.batch_id,
            sum(counts.values()),
            seconds,
        )
    return LoadResult(manifest.batch_id, counts, skipped=skipped, seconds=seconds)


def loaded_batches(url: str | None = None) -> list[dict]:
    """Rows of the raw._batches ledger, oldest first ([] when nothing was ever loaded)."""
    with connect(url or database_url()) as conn:
        exists = conn.execute(
            "select to_regclass(%s)", (f"{RAW_SCHEMA}.{LEDGER_TABLE}",)
        ).fetchone()
        if exists is None or exists[0] is None:
            return []
        cur = conn.cursor(row_factory=dict_row)
        return cur.execute(
            sql.SQL(
                "select batch_id, manifest_sha256, parent_batch_id, window_start, window_end, source_dir,"
                " loaded_at, row_counts from {}.{} order by loaded_at, batch_id"
            ).format(sql.Identifier(RAW_SCHEMA), sql.Identifier(LEDGER_TABLE))
        ).fetchall()
