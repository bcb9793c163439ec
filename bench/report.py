"""Render benchmark results as docs/BENCHMARKS.md (the raw JSON is appended per benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

HEADER = """# Benchmarks

Produced by `make bench` (`python -m bench`); each benchmark compares against a baseline measured
in the same run, and reports medians of repeated runs. Machines are shared and noisy: read ratios,
not absolute seconds. Raw results: `var/bench/results.json`.
"""


def write_report(record: dict, path: Path) -> None:
    m = record["machine"]
    lines = [HEADER, "## Machine", ""]
    lines += [
        f"- CPU: {m.get('cpu')} ({m.get('cores')} cores), memory {m.get('memory_gib')} GiB",
        f"- OS: {m.get('os')}, Python {m.get('python')}",
        "- packages: "
        + ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items()),
        "",
    ]
    for name, result in sorted(record["results"].items()):
        lines += [f"## {name}", ""]
        summary = result.get("summary")
        if isinstance(summary, list):
            lines += [f"- {item}" for item in summary]
            lines.append("")
        lines += ["```json", json.dumps(result, indent=2), "```", ""]
    path.write_text("\n".join(lines))
