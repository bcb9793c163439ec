"""Benchmark: how long each BI app page takes to render, cold (query cache cleared) and warm.

Usage: python bench/bench_app.py [--scale 1.0] [--seed 42] [--repeats 5]

Builds (once; reused afterwards) a warehouse at the given scale in a database of the embedded
server named `bench_app_s<scale>`: generate -> load -> dbt build -> ml/analytics tables written
by the real libraries (tests/app/world.py). Batch files and dbt artifacts live in
var/bench/app-scale_<scale>. Each page script is then run through Streamlit's AppTest (the
real page code and queries, without a browser) `repeats` times with every cache cleared (cold)
and `repeats` times after a warm-up (warm); the median is compared with the 2 s target.
Prints one JSON document with a "summary" list.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

PAGES = [
    "overview",
    "sales",
    "customers",
    "churn",
    "recommendations",
    "campaigns",
    "data_quality",
]
TARGET_SECONDS = 2.0
REQUIRED = (
    "marts.fct_orders",
    "ml.churn_scores",
    "ml.customer_clv",
    "ml.recommendations",
    "analytics.campaign_effects",
)


def _world_module():
    spec = importlib.util.spec_from_file_location(
        "app_test_world", REPO_ROOT / "tests" / "app" / "world.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["app_test_world"] = module
    spec.loader.exec_module(module)
    return module


def _database(scale: float) -> tuple[str, str]:
    """(url of the bench database, its state: "new", "marts" (built, no ML tables) or "complete")."""
    import psycopg
    from psycopg import sql

    from warehouse.connection import database_url

    admin = psycopg.conninfo.make_conninfo(database_url(start=True), dbname="postgres")
    name = f"bench_app_s{str(scale).replace('.', '_')}"
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (name,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            return url, "new"
    with psycopg.connect(url) as conn:
        present = [
            bool(conn.execute("select to_regclass(%s)", (r,)).fetchone()[0])
            for r in REQUIRED
        ]
    if all(present):
        return url, "complete"
    if present[0]:
        return url, "marts"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return url, "new"


def build_or_reuse(scale: float, seed: int) -> tuple[str, Path, dict[str, float]]:
    """The bench warehouse's URL, its dbt target dir and the build timings ({} when reused)."""
    work = REPO_ROOT / "var" / "bench" / f"app-scale_{scale}"
    work.mkdir(parents=True, exist_ok=True)
    url, state = _database(scale)
    if state == "complete":
        return url, work / "dbt-target", {}
    world_module = _world_module()
    if state == "new":
        world = world_module.build_marts(
            url, work / "batch", work, scale=scale, seed=seed
        )
    else:  # marts built by an earlier, interrupted run
        world = world_module.AppWorld(url, work / "batch", work / "dbt-target")
    world_module.build_ml_tables(world)
    return url, world.dbt_target_dir, world.seconds


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_seconds(page: str, *, cold: bool) -> float:
    """Wall time of one AppTest run of app/pages/<page>.py (raises if the page raised)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    if cold:
        st.cache_data.clear()
    at = AppTest.from_file(
        str(REPO_ROOT / "app" / "pages" / f"{page}.py"), default_timeout=600
    )
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"page {page} raised: {at.exception[0].message}")
    return seconds


def measure(repeats: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for page in PAGES:
        cold = [render_seconds(page, cold=True) for _ in range(repeats)]
        render_seconds(page, cold=False)  # warm-up
        warm = [render_seconds(page, cold=False) for _ in range(repeats)]
        out[page] = {
            "cold_median_s": round(statistics.median(cold), 3),
            "cold_max_s": round(max(cold), 3),
            "warm_median_s": round(statistics.median(warm), 3),
            "warm_max_s": round(max(warm), 3),
            "meets_target_cold": statistics.median(cold) <= TARGET_SECONDS,
        }
        print(f"{page}: {out[page]}", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")

    t0 = time.perf_counter()
    url, target_dir, build = build_or_reuse(args.scale, args.seed)
    build_seconds = time.perf_counter() - t0
    os.environ.update(
        ECOM_DATABASE_URL=url,
        ECOM_DBT_TARGET_DIR=str(target_dir),
        ECOM_API_URL=f"http://127.0.0.1:{_closed_port()}",
    )
    import psycopg

    with psycopg.connect(url) as conn:
        rows = {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in (
                "marts.fct_orders",
                "marts.fct_order_items",
                "marts.fct_sessions",
                "marts.dim_customers",
            )
        }
    pages = measure(args.repeats)
    slowest = max(pages, key=lambda p: pages[p]["cold_median_s"])
    summary = [
        f"scale {args.scale}: {rows['marts.fct_orders']:,} orders, {rows['marts.fct_order_items']:,} "
        f"order lines, {rows['marts.fct_sessions']:,} sessions, {rows['marts.dim_customers']:,} customers",
        *(
            f"{p}: cold {v['cold_median_s']:.2f} s, warm {v['warm_median_s']:.2f} s (median of "
            f"{args.repeats}, AppTest) {'<=' if v['meets_target_cold'] else '>'} {TARGET_SECONDS:.0f} s target"
            for p, v in pages.items()
        ),
        f"slowest cold page: {slowest} ({pages[slowest]['cold_median_s']:.2f} s); "
        f"{sum(v['meets_target_cold'] for v in pages.values())}/{len(pages)} pages meet the target cold",
        "warehouse " + ("reused" if not build else f"built in {build_seconds:.0f} s"),
    ]
    result = {
        "benchmark": "app",
        "scale": args.scale,
        "repeats": args.repeats,
        "target_seconds": TARGET_SECONDS,
        "rows": rows,
        "build_seconds": {k: round(v, 1) for k, v in build.items()},
        "pages": pages,
        "summary": summary,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
