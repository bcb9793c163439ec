"""Fuzz the prediction service at size: schemathesis over the whole OpenAPI document.

Usage: python -m bench.bench_fuzz [--requests 5000]

Runs tests/serving/test_schemathesis.py (its live server on the test suite's platform world,
built by the session as for the tests) with `ECOM_FUZZ_REQUESTS` set, so at least that many
generated requests (schema-conforming and schema-violating, every operation) are sent, and
prints the figures the test counted as one JSON document: requests sent, 5xx responses,
schema violations, statuses and wall time. Exits non-zero when the test fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/serving/test_schemathesis.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "fuzz.json"
        env = {
            **os.environ,
            "ECOM_FUZZ_REQUESTS": str(args.requests),
            "ECOM_FUZZ_REPORT": str(report_path),
        }
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:randomly", "-s"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        total = time.perf_counter() - started
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        if not report_path.exists():
            print(json.dumps({"error": f"pytest exit {proc.returncode}, no report"}))
            return 1
        report = json.loads(report_path.read_text())
    report |= {
        "passed": proc.returncode == 0,
        "total_seconds_with_world_build": round(total, 1),
    }
    print(json.dumps(report, indent=2))
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
