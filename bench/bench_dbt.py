"""Benchmark the dbt warehouse: a full build vs an incremental one-day build on the same data.

Usage: python -m bench.bench_dbt [--scale 1.0] [--runs 1] [--days 3] [--seed 42]

Into a fresh database on the embedded server: load a generated batch and time `dbt build
--full-refresh` (median of --runs). Then, like a warehouse updated daily, --days times: generate
and load the next day's batch and time a plain `dbt build` (incremental models process only the
new rows; tables, views and tests run as usual). Reports the median one-day build. Target from
the issue: incremental <= 20% of the full build. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from orchestration.dbt_runner import run_dbt  # noqa: E402
from warehouse.connection import database_url  # noqa: E402
from warehouse.loader import load_batch  # noqa: E402


def _batch(scale: float, seed: int) -> Path:
    from seeds_generator import generate, read_manifest

    out = REPO_ROOT / "var" / "bench" / f"dbt_scale_{scale:g}_seed{seed}"
    if not (out / "manifest.json").exists():
        generate(out, scale=scale, seed=seed, progress=False)
    read_manifest(out)
    return out


def _increments(base: Path, days: int) -> list[Path]:
    """`days` one-day batches, each continuing the previous one."""
    from seeds_generator import generate_increment

    batches, previous = [], base
    for day in range(1, days + 1):
        out = base.with_name(f"{base.name}_plus{day}d")
        if not (out / "manifest.json").exists():
            generate_increment(previous, out, days=1, progress=False)
        batches.append(out)
        previous = out
    return batches


def _timed_build(args: list[str], url: str) -> float:
    t0 = time.perf_counter()
    code = run_dbt(args, url)
    seconds = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed with exit code {code}")
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--days", type=int, default=3)
    opts = parser.parse_args(argv)
    if opts.runs < 1 or opts.days < 1:
        parser.error("--runs and --days must be at least 1")

    base = _batch(opts.scale, opts.seed)
    increments = _increments(base, opts.days)
    admin = psycopg.conninfo.make_conninfo(
        database_url(start=True, role="admin"), dbname="postgres"
    )
    name = f"bench_dbt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    incremental: list[float] = []
    increment_rows: list[int] = []
    try:
        rows = sum(load_batch(base, url, validate=False).tables.values())
        full = [
            _timed_build(["build", "--full-refresh", "--quiet"], url)
            for _ in range(opts.runs)
        ]
        for batch in increments:
            increment_rows.append(
                sum(load_batch(batch, url, validate=False).tables.values())
            )
            incremental.append(_timed_build(["build", "--quiet"], url))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(name)
                )
            )
    full_median = statistics.median(full)
    incremental_median = statistics.median(incremental)
    ratio = incremental_median / full_median
    result = {
        "scale": opts.scale,
        "raw_rows": rows,
        "increment_rows": increment_rows,
        "full_build_seconds": full,
        "full_build_median_seconds": round(full_median, 2),
        "incremental_build_seconds": [round(t, 2) for t in incremental],
        "incremental_build_median_seconds": round(incremental_median, 2),
        "incremental_over_full": round(ratio, 3),
        "target": "incremental <= 0.20 x full",
        "meets_target": ratio <= 0.20,
        "summary": [
            f"scale {opts.scale:g}: {rows:,} raw rows; full dbt build (median of {opts.runs}) {full_median:.1f}s",
            f"{len(incremental)} daily increments ({min(increment_rows):,}-{max(increment_rows):,} rows): "
            f"dbt build median {incremental_median:.1f}s = {ratio:.0%} of full "
            f"(target <= 20%: {'met' if ratio <= 0.20 else 'MISSED'})",
        ],
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
