"""Benchmark: how long each BI app page takes to render, cold (query cache cleared) and warm.

Usage: python bench/bench_app.py [--scale 1.0] [--seed 42] [--repeats 5]

The warehouse is the benchmarks' world (bench/world.py): the platform built by its own
`full_refresh` job at the given scale, once, reused afterwards. Each page script is run through
Streamlit's AppTest (the real page code and queries, without a browser) `repeats` times with
every cache cleared (cold) and `repeats` times after a warm-up (warm); the median is compared
with the 2 s target.
Prints one JSON document with a "summary" list.
"""

from __future__ import annotations

import argparse
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

from app.page_names import PAGE_NAMES  # noqa: E402  (after the path set-up)

PAGES = PAGE_NAMES
TARGET_SECONDS = 2.0


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

    from bench.world import ensure_world

    world = ensure_world(args.scale, args.seed)
    url = world.url
    os.environ.update(
        ECOM_DATABASE_URL=url,
        ECOM_DBT_TARGET_DIR=str(world.dbt_target_dir),
        MLFLOW_TRACKING_URI=world.tracking_uri,
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
        "world (the platform's full_refresh job) "
        + (f"built in {world.seconds:.0f} s" if world.built_now else "reused"),
    ]
    result = {
        "benchmark": "app",
        "scale": args.scale,
        "repeats": args.repeats,
        "target_seconds": TARGET_SECONDS,
        "rows": rows,
        "world_job_seconds": round(world.seconds, 1),
        "pages": pages,
        "summary": summary,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
