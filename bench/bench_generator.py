"""Benchmark the generator: rows/s per table and overall vs a per-row Faker baseline.

Usage: python bench/bench_generator.py [--scale 1.0] [--repeats 3] [--baseline-rows 20000]
Prints one JSON object. Timings are wall-clock medians over the repeats.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
from pathlib import Path

from faker import Faker

from seeds_generator import generate


def faker_baseline(rows: int, out: Path) -> float:
    """Rows/s of writing a customers-like table row by row with Faker calls and csv.writer."""
    fake = Faker("en_US")
    fake.seed_instance(0)
    t0 = time.perf_counter()
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "customer_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "street_address",
                "birth_date",
                "gender",
                "loyalty_tier",
                "signed_up_at",
            ]
        )
        for i in range(1, rows + 1):
            w.writerow(
                [
                    i,
                    fake.first_name(),
                    fake.last_name(),
                    fake.email(),
                    fake.phone_number(),
                    fake.street_address(),
                    fake.date_of_birth(minimum_age=18, maximum_age=85).isoformat(),
                    fake.random_element(("female", "male", "other", "unknown")),
                    fake.random_element(("bronze", "silver", "gold", "platinum")),
                    fake.date_time_between("-2y", "now").strftime("%Y-%m-%d %H:%M:%SZ"),
                ]
            )
    return rows / (time.perf_counter() - t0)


def run(scale: float, repeats: int, baseline_rows: int) -> dict:
    times, manifest = [], None
    for i in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            manifest = generate(
                Path(tmp) / "batch", scale=scale, seed=42 + i, progress=False
            )
            times.append(time.perf_counter() - t0)
    elapsed = statistics.median(times)
    rows = {name: e["rows"] for name, e in manifest["tables"].items()}
    total = sum(rows.values())
    with tempfile.TemporaryDirectory() as tmp:
        base = statistics.median(
            faker_baseline(baseline_rows, Path(tmp) / "c.csv") for _ in range(repeats)
        )
    overall = total / elapsed
    return {
        "scale": scale,
        "repeats": repeats,
        "seconds_median": round(elapsed, 3),
        "seconds_all": [round(t, 3) for t in times],
        "rows_total": total,
        "rows_per_second_overall": round(overall),
        "rows_per_table": rows,
        "rows_per_second_by_table": {k: round(v / elapsed) for k, v in rows.items()},
        "note": "per-table rate = table rows / whole-run seconds (tables are produced by one interleaved pipeline)",
        "faker_per_row_baseline_rows_per_second": round(base),
        "faker_baseline_rows": baseline_rows,
        "speedup_vs_faker_per_row": round(overall / base, 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-rows", type=int, default=20_000)
    args = ap.parse_args(argv)
    print(json.dumps(run(args.scale, args.repeats, args.baseline_rows), indent=2))


if __name__ == "__main__":
    main()
