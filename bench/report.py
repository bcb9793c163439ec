"""Render benchmark results as docs/BENCHMARKS.md (the raw JSON is appended per benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

HEADER = """# Benchmarks

Produced by `make bench` (`python -m bench`); each benchmark compares against a baseline measured
in the same run, and reports medians of repeated runs. Machines are shared and noisy: read ratios,
not absolute seconds. Raw results: `var/bench/results.json`.
"""


def read_report(path: Path) -> dict[str, dict]:
    """The results recorded in an existing report (each section's JSON block), by name.

    var/bench/results.json is not committed, so a fresh checkout starts from the report and a
    new run replaces only the benchmarks it measured.
    """
    if not path.exists():
        return {}
    results: dict[str, dict] = {}
    name = None
    block: list[str] | None = None
    for line in path.read_text().splitlines():
        if block is not None:
            if line.strip() == "```":
                if name:
                    results[name] = json.loads("\n".join(block))
                block = None
            else:
                block.append(line)
        elif line.startswith("## "):
            name = line[3:].strip()
        elif line.strip() == "```json" and name and name != "Machine":
            block = []
    return results


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
        machine = result.get("machine")
        if isinstance(machine, dict) and machine.get("cpu") != m.get("cpu"):
            lines += [
                f"Measured on: {machine.get('cpu')} ({machine.get('cores')} cores)",
                "",
            ]
        summary = result.get("summary")
        if isinstance(summary, list):
            lines += [f"- {item}" for item in summary]
            lines.append("")
        lines += ["```json", json.dumps(result, indent=2), "```", ""]
    path.write_text("\n".join(lines))
