"""Run every benchmark and record the results with machine info in docs/BENCHMARKS.md.

python -m bench                 # all, default scales
python -m bench generator load  # a subset
BENCH_SCALE=0.2 python -m bench # override each benchmark's scale
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.machine import machine_info

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR.parent / "var" / "bench" / "results.json"
DOC = BENCH_DIR.parent / "docs" / "BENCHMARKS.md"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def run_one(name: str) -> dict:
    args = [sys.executable, "-m", f"bench.bench_{name}"]
    accepts_scale = '"--scale"' in (BENCH_DIR / f"bench_{name}.py").read_text()
    if os.environ.get("BENCH_SCALE") and accepts_scale:
        args += ["--scale", os.environ["BENCH_SCALE"]]
    print(f"== bench {name}: {' '.join(args[1:])}", file=sys.stderr, flush=True)
    proc = subprocess.run(args, cwd=BENCH_DIR.parent, capture_output=True, text=True)
    sys.stderr.write(proc.stderr[-4000:])
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}", "stderr_tail": proc.stderr[-2000:]}
    return _last_json(proc.stdout)


def _last_json(stdout: str) -> dict:
    """The last JSON object printed: a one-line object, or a pretty-printed one at the end."""
    lines = stdout.strip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].lstrip().startswith("{"):
            continue
        for candidate in (lines[i], "\n".join(lines[i:])):
            try:
                value = json.loads(candidate)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return {"error": "no JSON result printed", "stdout_tail": stdout[-2000:]}


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(
            f"unknown benchmark(s): {unknown}; available: {available()}",
            file=sys.stderr,
        )
        return 2
    from bench.report import read_report

    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = previous.get("results") or read_report(DOC)
    for name in names:
        results[name] = {
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            **run_one(name),
        }
    record = {"machine": machine_info(), "results": results}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2))
    from bench.report import write_report

    write_report(record, DOC)
    print(f"results: {RESULTS}\nreport: {DOC}", file=sys.stderr)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
