"""Benchmark the raw load: load_batch vs psql \\copy vs pandas.to_sql, plus raw validation time.

Usage: python bench/bench_load.py [--scale 0.2] [--also-scale 1.0] [--runs 3] [--url ADMIN_URL]
       [--to-sql-rows 200000]

Every run loads into a new database (dropped afterwards) on the embedded server, or on the server
of --url. Prints one JSON document. `validated_load` is what `ecom load` does: COPY into the
batch's audit schema, the contract's SQL checks there, publish into raw in one transaction;
`load_batch` is the same without the checks. `--also-scale` repeats the three loads (validated,
unvalidated, psql) at a second scale, with the same ratios. psql \\copy and to_sql write into the same typed raw tables
(created by warehouse.raw_ddl); to_sql is timed on at most --to-sql-rows rows per table (the
first rows of the file) and its rows/s extrapolated to the batch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

import pandas as pd  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from contracts.raw_tables import get_table  # noqa: E402
from warehouse.connection import (  # noqa: E402
    connection_parts,
    database_url,
    sqlalchemy_url,
)
from warehouse.loader import load_batch  # noqa: E402
from warehouse.raw_ddl import (  # noqa: E402
    BATCH_SETTING,
    SOURCE_FILE_SETTING,
    ensure_raw_schema,
)
from warehouse.raw_validation import read_manifest, validate_batch  # noqa: E402


def ensure_batch(scale: float, seed: int) -> Path:
    """var/bench/scale_<scale>: generated once, reused afterwards."""
    out = REPO_ROOT / "var" / "bench" / f"scale_{scale:g}"
    if not (out / "manifest.json").exists():
        from seeds_generator import generate

        generate(out, scale=scale, seed=seed)
    return out


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new empty database on the admin URL's server, dropped on exit."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(name)
                )
            )


def _prepared(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_raw_schema(conn)
    return url


def run_load_batch(batch: Path, url: str, *, validate: bool = False) -> float:
    started = time.perf_counter()
    load_batch(batch, url, validate=validate)
    return time.perf_counter() - started


def compare_loads(batch: Path, admin: str, runs: int) -> dict:
    """Median seconds of the validated load, the unvalidated load and psql \\copy, with ratios."""
    manifest = read_manifest(batch)
    rows = sum(t.rows for t in manifest.tables.values())
    seconds = {
        "validated_load": _median_fresh(
            admin, runs, lambda url: run_load_batch(batch, url, validate=True)
        ),
        "load_batch": _median_fresh(
            admin, runs, lambda url: run_load_batch(batch, url)
        ),
        "psql_copy": _median_fresh(admin, runs, lambda url: run_psql_copy(batch, url)),
    }
    figures: dict = {"rows": rows}
    for label, value in seconds.items():
        figures[label] = {"seconds": round(value, 3), "rows_per_s": round(rows / value)}
    figures["validated_load_vs_psql_copy"] = round(
        seconds["psql_copy"] / seconds["validated_load"], 3
    )
    figures["load_vs_psql_copy"] = round(
        seconds["psql_copy"] / seconds["load_batch"], 3
    )
    print(json.dumps({str(batch): figures}), file=sys.stderr, flush=True)
    return figures


def run_psql_copy(batch: Path, url: str) -> float:
    """psql \\copy of every file, one transaction, into the prepared typed raw tables."""
    from pgserver._commands import POSTGRES_BIN_PATH

    manifest = read_manifest(batch)
    lines = [
        "\\set ON_ERROR_STOP on",
        "begin;",
        f"select set_config('{BATCH_SETTING}', 'psql', true);",
    ]
    for name, entry in manifest.tables.items():
        columns = ", ".join(entry.columns)
        lines.append(
            f"select set_config('{SOURCE_FILE_SETTING}', '{entry.file}', true);"
        )
        lines.append(
            f"\\copy raw.{name} ({columns}) from '{manifest.path(name)}' with (format csv, header true)"
        )
    lines.append("commit;")
    p = connection_parts(url)
    conninfo = psycopg.conninfo.make_conninfo(
        host=p["host"],
        port=p["port"],
        user=p["user"],
        dbname=p["dbname"],
        password=p["password"] or None,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
    started = time.perf_counter()
    subprocess.run(
        [
            str(POSTGRES_BIN_PATH / "psql"),
            "-X",
            "-q",
            "-o",
            "/dev/null",
            "-f",
            fh.name,
            conninfo,
        ],
        check=True,
    )
    seconds = time.perf_counter() - started
    Path(fh.name).unlink()
    return seconds


def _typed_frame(path: Path, name: str, nrows: int) -> pd.DataFrame:
    table = get_table(name)
    header = set(pd.read_csv(path, nrows=0).columns)  # optional columns may be absent
    dates = [
        c.name
        for c in table.columns
        if c.type in ("date", "timestamp") and c.name in header
    ]
    frame = pd.read_csv(
        path, nrows=nrows, parse_dates=dates, keep_default_na=False, na_values=[""]
    )
    for c in table.columns:
        if c.type == "bool" and c.name in header:
            frame[c.name] = frame[c.name].map(
                {"true": True, "false": False, True: True, False: False}
            )
    return frame


def run_to_sql(batch: Path, url: str, max_rows: int) -> tuple[int, float]:
    """pandas.DataFrame.to_sql (method=None) of the first `max_rows` rows per table; reading excluded."""
    from sqlalchemy import create_engine, text

    manifest = read_manifest(batch)
    frames = {
        name: _typed_frame(manifest.path(name), name, max_rows)
        for name in manifest.tables
    }
    engine = create_engine(sqlalchemy_url(url))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"select set_config('{BATCH_SETTING}', 'to_sql', true)"))
        conn.execute(
            text(f"select set_config('{SOURCE_FILE_SETTING}', 'to_sql', true)")
        )
        for name, frame in frames.items():
            frame.to_sql(
                name,
                conn,
                schema="raw",
                if_exists="append",
                index=False,
                chunksize=10_000,
            )
    seconds = time.perf_counter() - started
    engine.dispose()
    return sum(len(f) for f in frames.values()), seconds


# ---- stamping strategies (how _batch_id/_loaded_at/_source_file get onto COPYed rows) ----------


def _copy_file(
    cur: psycopg.Cursor, target: sql.Composable, columns: tuple[str, ...], path: Path
) -> None:
    statement = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true)"
    ).format(target, sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with path.open("rb") as fh, cur.copy(statement) as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)


def strategy_setting_defaults(batch: Path, url: str) -> float:
    """What load_batch does: defaults read per-transaction settings (no DDL during the load)."""
    manifest = read_manifest(batch)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select set_config(%s, %s, true)", (BATCH_SETTING, manifest.batch_id)
        )
        for name, entry in manifest.tables.items():
            cur.execute(
                "select set_config(%s, %s, true)", (SOURCE_FILE_SETTING, entry.file)
            )
            _copy_file(
                cur, sql.Identifier("raw", name), entry.columns, manifest.path(name)
            )
    return time.perf_counter() - started


def strategy_alter_defaults(batch: Path, url: str) -> float:
    """`alter table ... set default '<constant>'` inside the transaction (takes ACCESS EXCLUSIVE)."""
    manifest = read_manifest(batch)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for name, entry in manifest.tables.items():
            table = sql.Identifier("raw", name)
            cur.execute(
                sql.SQL(
                    "alter table {} alter column _batch_id set default {}, alter column _source_file set default {}"
                ).format(table, sql.Literal(manifest.batch_id), sql.Literal(entry.file))
            )
            _copy_file(cur, table, entry.columns, manifest.path(name))
            cur.execute(
                sql.SQL(
                    "alter table {} alter column _batch_id set default current_setting('ecom.batch_id'),"
                    " alter column _source_file set default current_setting('ecom.source_file')"
                ).format(table)
            )
    return time.perf_counter() - started


def strategy_staging_insert(batch: Path, url: str) -> float:
    """COPY into a temp table, then `insert ... select` with the constants."""
    manifest = read_manifest(batch)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for name, entry in manifest.tables.items():
            stage = sql.Identifier(f"stage_{name}")
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in entry.columns)
            cur.execute(
                sql.SQL(
                    "create temp table {} on commit drop as select {} from {} with no data"
                ).format(stage, columns, sql.Identifier("raw", name))
            )
            _copy_file(cur, stage, entry.columns, manifest.path(name))
            cur.execute(
                sql.SQL(
                    "insert into {} ({}, _batch_id, _loaded_at, _source_file) select {}, {}, now(), {} from {}"
                ).format(
                    sql.Identifier("raw", name),
                    columns,
                    columns,
                    sql.Literal(manifest.batch_id),
                    sql.Literal(entry.file),
                    stage,
                )
            )
    return time.perf_counter() - started


STRATEGIES: dict[str, Callable[[Path, str], float]] = {
    "setting_defaults": strategy_setting_defaults,
    "alter_defaults": strategy_alter_defaults,
    "staging_insert_select": strategy_staging_insert,
}


def _median_fresh(admin_url: str, runs: int, fn: Callable[[str], float]) -> float:
    timings = []
    for _ in range(runs):
        with scratch_database(admin_url) as url:
            timings.append(fn(_prepared(url)))
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print and return the JSON figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument(
        "--also-scale",
        type=float,
        default=1.0,
        help="second scale for the validated/unvalidated/psql comparison (0: none)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--url",
        help="admin URL of the server to benchmark (default: embedded warehouse)",
    )
    parser.add_argument(
        "--to-sql-rows",
        type=int,
        default=200_000,
        help="rows per table timed with to_sql",
    )
    parser.add_argument(
        "--no-strategies",
        action="store_true",
        help="skip the stamping-strategy comparison",
    )
    args = parser.parse_args(argv)

    batch = ensure_batch(args.scale, args.seed)
    manifest = read_manifest(batch)
    rows = sum(t.rows for t in manifest.tables.values())
    size = sum(manifest.path(n).stat().st_size for n in manifest.tables)
    admin = psycopg.conninfo.make_conninfo(
        args.url or database_url(role="admin"), dbname="postgres"
    )

    compared = compare_loads(batch, admin, args.runs)
    load_s = compared["load_batch"]["seconds"]
    to_sql_timings = []
    for _ in range(args.runs):
        with scratch_database(admin) as url:
            to_sql_timings.append(run_to_sql(batch, _prepared(url), args.to_sql_rows))
    to_sql_rows, to_sql_s = (
        to_sql_timings[0][0],
        statistics.median(t for _, t in to_sql_timings),
    )
    validate_timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        report = validate_batch(batch)
        validate_timings.append(time.perf_counter() - started)
    validate_s = statistics.median(validate_timings)

    figures: dict = {
        "scale": args.scale,
        "runs": args.runs,
        "batch_dir": str(batch),
        "rows": rows,
        "megabytes": round(size / 1e6, 1),
        "validated_load": compared["validated_load"],
        "load_batch": compared["load_batch"],
        "psql_copy": compared["psql_copy"],
        "to_sql": {
            "rows_timed": to_sql_rows,
            "seconds": round(to_sql_s, 3),
            "rows_per_s": round(to_sql_rows / to_sql_s),
            "note": f"first {args.to_sql_rows} rows per table; rows/s extrapolated to the batch",
        },
        "validate_batch": {
            "seconds": round(validate_s, 3),
            "rows_per_s": round(rows / validate_s),
            "success": report.success,
        },
    }
    figures["ratios"] = {
        "validated_load_vs_psql_copy": compared["validated_load_vs_psql_copy"],
        "load_vs_psql_copy": compared["load_vs_psql_copy"],
        "load_vs_to_sql": round((rows / load_s) / (to_sql_rows / to_sql_s), 1),
        "targets": {
            "validated_load_vs_psql_copy": ">= 0.6",
            "load_vs_psql_copy": ">= 0.8",
            "load_vs_to_sql": ">= 15",
        },
    }
    if args.also_scale:
        other = ensure_batch(args.also_scale, args.seed)
        figures[f"scale_{args.also_scale:g}"] = {
            "batch_dir": str(other),
            **compare_loads(other, admin, args.runs),
        }
    if not args.no_strategies:
        figures["stamping_strategies_seconds"] = {
            label: round(_median_fresh(admin, args.runs, partial(fn, batch)), 3)
            for label, fn in STRATEGIES.items()
        }
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
