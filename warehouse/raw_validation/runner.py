"""Validate a batch in the database: stage it in its audit area, then run the contract's checks.

`audit_batch(conn, manifest)` is the audit step of write-audit-publish (the loader publishes
what passed); `validate_batch(batch_dir, url)` does the same from a batch directory, for the
Dagster check that gates a landed batch and for `ecom load --check`. The verdict is recorded in
the audit area, so a load right after a passing validation publishes without area again.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import psycopg
from psycopg import sql

from contracts.manifest import BatchManifest, read_manifest
from contracts.raw_tables import REQUIRED_TABLES
from warehouse.raw_validation.audit import AuditArea, audit_schema, stage
from warehouse.raw_validation.checks import run_checks
from warehouse.raw_validation.report import ValidationFailure, ValidationReport

log = logging.getLogger(__name__)
RESULT_TABLE = "_result"


def _scalar(conn: psycopg.Connection, query: str, params: tuple = ()) -> object:
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


def _loaded_before(conn: psycopg.Connection) -> set[str]:
    """Tables some batch in the ledger already delivered (an increment may omit them)."""
    if _scalar(conn, "select to_regclass('raw._batches')") is None:
        return set()
    return {
        row[0]
        for row in conn.execute(
            "select distinct jsonb_object_keys(row_counts) from raw._batches"
        )
    }


def _missing_required(
    conn: psycopg.Connection, manifest: BatchManifest
) -> list[ValidationFailure]:
    delivered = set(manifest.tables) | _loaded_before(conn)
    return [
        ValidationFailure(
            table=name,
            column=None,
            expectation="required_table_present",
            examples=[],
            check="each required table comes with this batch or an earlier one",
            details=f"batch {manifest.batch_id}: the manifest lists no file for the required "
            f"table {name!r} and no earlier batch delivered one (required: "
            f"{list(REQUIRED_TABLES)})",
        )
        for name in REQUIRED_TABLES
        if name not in delivered
    ]


def _record(
    conn: psycopg.Connection, area: AuditArea, manifest: BatchManifest, passed: bool
) -> None:
    ident = sql.Identifier(area.schema, RESULT_TABLE)
    with conn.transaction():
        conn.execute(
            sql.SQL(
                # unlogged like the staged tables: a crash of the server empties both, so a
                # verdict never outlives the rows it was about
                "create unlogged table if not exists {} (manifest_sha256 text, passed boolean)"
            ).format(ident)
        )
        conn.execute(sql.SQL("delete from {}").format(ident))
        conn.execute(
            sql.SQL("insert into {} values (%s, %s)").format(ident),
            (manifest.sha256, passed),
        )


def passed_before(conn: psycopg.Connection, manifest: BatchManifest) -> bool:
    """This exact manifest was staged and passed validation, and its audit area is intact."""
    schema = audit_schema(manifest.batch_id)
    if (
        _scalar(conn, "select to_regclass(%s)", (f'"{schema}"."{RESULT_TABLE}"',))
        is None
    ):
        return False
    row = conn.execute(
        sql.SQL("select manifest_sha256, passed from {}").format(
            sql.Identifier(schema, RESULT_TABLE)
        )
    ).fetchone()
    return bool(row and row[0] == manifest.sha256 and row[1])


def audit_batch(
    conn: psycopg.Connection, manifest: BatchManifest, *, checks: bool = True
) -> tuple[AuditArea, ValidationReport]:
    """Stage the batch (COPY into `audit_<batch>`) and run the contract's checks on it.

    `conn` must be in autocommit mode. With `checks=False` only what COPY itself refuses (and
    the header rules) is reported: loads that deliberately let bad data through to dbt's gates.
    """
    started = time.perf_counter()
    area = stage(conn, manifest)
    failures = _missing_required(conn, manifest) + list(area.failures)
    if checks and not area.failures:
        with conn.transaction():
            conn.execute("set local work_mem = '64MB'")
            failures += run_checks(conn, area, manifest.future_bound)
    tables = list(dict.fromkeys([*manifest.tables, *(f.table for f in failures)]))
    report = ValidationReport(
        success=not failures,
        failures=failures,
        per_table={t: not any(f.table == t for f in failures) for t in tables},
        batch_id=manifest.batch_id,
        seconds=time.perf_counter() - started,
    )
    _record(conn, area, manifest, report.success and checks)
    log.info(
        "batch %s audited in %.1fs: %s",
        manifest.batch_id,
        report.seconds,
        "passed" if report.success else f"{len(failures)} finding(s)",
    )
    return area, report


def validate_batch(batch_dir: Path, url: str | None = None) -> ValidationReport:
    """Audit a batch directory against the contract in the warehouse at `url`.

    The audit area `audit_<batch>` stays for inspection; a passing one is reused by the load.
    """
    from warehouse.connection import connect, database_url
    from warehouse.raw_ddl import ensure_raw_schema

    manifest = read_manifest(Path(batch_dir))
    with connect(url or database_url(), autocommit=True) as conn:
        ensure_raw_schema(conn)
        return audit_batch(conn, manifest)[1]
