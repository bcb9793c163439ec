"""Reproduce the reliability matrix of docs/reliability.md: every fault, its gate, its outcome.

Usage: python -m bench.bench_reliability [--fuzz-requests 5000] [--no-fuzz]

Runs the tests that inject each fault (slow-marked ones included) with a JUnit report, and maps
every test to its row of the matrix: the fault, the gate that stops it, and whether the gate
held in this run (the test's verdict) with its wall time, plus any figure a test records with
`record_property` (none do yet: the soak and fuzz print theirs). Then the
schemathesis fuzz at --fuzz-requests generated requests (bench/bench_fuzz.py). Prints one JSON
document; exits non-zero when a gate did not hold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LOG = REPO_ROOT / "var" / "bench" / "reliability-pytest.log"


@dataclass(frozen=True)
class Row:
    """One fault class: what goes wrong, which gate stops it, the tests that show it."""

    fault: str
    gate: str
    tests: tuple[str, ...]  # pytest node ids or files


MATRIX: tuple[Row, ...] = (
    Row(
        "broken batch (renamed/missing/extra column, bad number or date, non-UTF-8 byte, "
        "truncated row, empty file, oversized field, bad or inconsistent manifest, reload)",
        "`ecom load`: manifest + checksums, COPY into the audit schema, contract checks; "
        "exit 1 naming file, line, column; raw unchanged",
        ("tests/warehouse/test_broken_batches.py",),
    ),
    Row(
        "semantic fault classes (duplicates, orphans, out-of-domain values ...)",
        "raw contract checks in the audit area, then dbt tests before the marts; "
        "mart checksums unchanged",
        (
            "tests/warehouse/test_raw_validation_faults.py",
            "tests/dbt/test_dbt_quality_gates.py",
        ),
    ),
    Row(
        "`kill -9` of the loader mid-COPY or mid-publish",
        "one publish transaction; the rerun restages the audit area",
        ("tests/warehouse/test_crash_recovery.py",),
    ),
    Row(
        "`kill -9` of `dbt build` mid-run",
        "dbt's atomic relation swaps; the rerun rebuilds",
        ("tests/dbt/test_dbt_crash_recovery.py",),
    ),
    Row(
        "stale embedded-server pid / socket lock after a crash",
        "`ecom db up` removes it with a message and starts the server",
        ("tests/warehouse/test_roles.py", "tests/warehouse/test_embedded.py"),
    ),
    Row(
        "a component writing with the read-only role (API, BI app)",
        "ecom_reader: read-only transactions, SELECT grants only",
        ("tests/warehouse/test_roles.py",),
    ),
    Row(
        "runaway dbt test query",
        "scoped test plans read only the new rows; statement timeout names the test",
        (
            "tests/dbt/test_scoped_test_plans.py",
            "tests/dbt/test_dbt_statement_timeout.py",
        ),
    ),
    Row(
        "oversized request body (with or without Content-Length)",
        "body limit middleware: 413 naming the limit",
        ("tests/serving/test_faults_body.py",),
    ),
    Row(
        "warehouse down under a running API; slow API query",
        "/ready and data routes 503 within the connect timeout, recover by themselves; "
        "statement timeout",
        (
            "tests/serving/test_faults_warehouse.py",
            "tests/serving/test_warehouse_pool.py",
        ),
    ),
    Row(
        "champion alias moved to a broken or incompatible model",
        "load-time checks: the previous model keeps serving; refusal in /v1/models and metrics",
        ("tests/serving/test_faults_models.py", "tests/serving/test_reload.py"),
    ),
    Row(
        "sustained load",
        "60 s of requests across the routes with zero errors",
        ("tests/serving/test_faults_soak.py",),
    ),
    Row(
        "BI app on an empty, unbuilt or required-only warehouse",
        "every page renders a clear message, no exception",
        ("tests/app/test_empty_warehouse.py", "tests/required_only/test_app_pages.py"),
    ),
)


def _existing(tests: tuple[str, ...]) -> list[str]:
    return [t for t in tests if (REPO_ROOT / t.split("::")[0]).exists()]


def _cases(junit: Path) -> list[dict]:
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                outcome = {"failure": "failed", "error": "error"}.get(tag, tag)
        props = {
            p.get("name"): p.get("value")
            for p in case.iter("property")
            if p.get("name")
        }
        cases.append(
            {
                "module": case.get("classname", ""),
                "name": case.get("name"),
                "outcome": outcome,
                "seconds": float(case.get("time") or 0),
                **({"figures": props} if props else {}),
            }
        )
    return cases


def run_matrix() -> dict:
    files = sorted({t for row in MATRIX for t in _existing(row.tests)})
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *files,
                "-q",
                "-p",
                "no:randomly",
                f"--junitxml={junit}",
                "-o",
                "junit_family=xunit1",
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-1500:])
        LOG.parent.mkdir(parents=True, exist_ok=True)
        LOG.write_text(
            proc.stdout + proc.stderr
        )  # the whole run, for a gate that did not hold
        cases = _cases(junit) if junit.exists() else []
    rows = []
    for row in MATRIX:
        modules = {
            t.split("::")[0].removesuffix(".py").replace("/", ".") for t in row.tests
        }
        mine = [
            c
            for c in cases
            if any(c["module"] == m or c["module"].startswith(m + ".") for m in modules)
        ]
        rows.append(
            {
                "fault": row.fault,
                "gate": row.gate,
                "tests": len(mine),
                "held": bool(mine) and all(c["outcome"] == "passed" for c in mine),
                "seconds": round(sum(c["seconds"] for c in mine), 1),
                "figures": {
                    f"{c['name']}.{k}": v
                    for c in mine
                    for k, v in c.get("figures", {}).items()
                },
                "not_passed": [c["name"] for c in mine if c["outcome"] != "passed"],
            }
        )
    return {
        "pytest_exit": proc.returncode,
        "wall_seconds": round(seconds, 1),
        "rows": rows,
    }


def run_fuzz(requests: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_fuzz", "--requests", str(requests)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(proc.stderr[-2000:])
    try:
        return json.loads(proc.stdout[proc.stdout.index("{") :])
    except ValueError:
        return {"error": f"exit {proc.returncode}", "stdout_tail": proc.stdout[-1000:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz-requests", type=int, default=5000)
    parser.add_argument("--no-fuzz", action="store_true")
    args = parser.parse_args(argv)
    figures: dict = {"matrix": run_matrix()}
    if not args.no_fuzz:
        figures["fuzz"] = run_fuzz(args.fuzz_requests)
    rows = figures["matrix"]["rows"]
    figures["summary"] = {
        "rows": len(rows),
        "gates_held": sum(r["held"] for r in rows),
        "fuzz_5xx": figures.get("fuzz", {}).get("server_errors"),
    }
    print(json.dumps(figures, indent=2))
    held = all(r["held"] for r in rows)
    return 0 if held and "error" not in figures.get("fuzz", {}) else 1


if __name__ == "__main__":
    raise SystemExit(main())
