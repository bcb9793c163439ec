"""dbt's run artifacts as tables: `run_results.json` (last build/run/test) and `sources.json`
(last `dbt source freshness`).

dbt writes them to its target directory; Dagster's dbt asset writes each invocation's to a
sub-directory of it (`target/warehouse_dbt-<run>-<id>/`). The newest file of either kind is
"the last run", whoever ran it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RESULT_COLUMNS = [
    "resource_type",
    "name",
    "status",
    "execution_time",
    "failures",
    "message",
    "unique_id",
]
FRESHNESS_COLUMNS = [
    "source",
    "table",
    "status",
    "max_loaded_at",
    "hours_since_load",
    "warn_after",
    "error_after",
]


@dataclass(frozen=True)
class RunResults:
    path: Path
    command: str
    generated_at: pd.Timestamp
    elapsed_seconds: float
    results: pd.DataFrame


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from exc


def latest_artifact(target_dir: Path, name: str) -> Path | None:
    """The newest `name` in `target_dir` or one of its sub-directories (None when absent)."""
    candidates = [target_dir / name, *Path(target_dir).glob(f"*/{name}")]
    existing = [p for p in candidates if p.is_file()]
    return max(existing, key=lambda p: p.stat().st_mtime) if existing else None


def load_run_results(target_dir: Path) -> RunResults | None:
    """The last dbt invocation's node results, or None when no `run_results.json` exists."""
    path = latest_artifact(target_dir, "run_results.json")
    if path is None:
        return None
    data = _read_json(path)
    rows = [
        {
            "resource_type": r["unique_id"].split(".", 1)[0],
            "name": r["unique_id"].split(".")[-1],
            "status": r.get("status"),
            "execution_time": round(float(r.get("execution_time") or 0.0), 3),
            "failures": r.get("failures"),
            "message": r.get("message"),
            "unique_id": r["unique_id"],
        }
        for r in data.get("results", [])
    ]
    metadata = data.get("metadata", {})
    return RunResults(
        path=path,
        command=str((data.get("args") or {}).get("which") or "unknown"),
        generated_at=pd.Timestamp(metadata.get("generated_at")),
        elapsed_seconds=float(data.get("elapsed_time") or 0.0),
        results=pd.DataFrame(rows, columns=RESULT_COLUMNS),
    )


def status_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Node counts per resource type (rows) and status (columns)."""
    if results.empty:
        return pd.DataFrame()
    return (
        results.pivot_table(
            index="resource_type",
            columns="status",
            values="unique_id",
            aggfunc="count",
            fill_value=0,
        )
        .reset_index()
        .rename_axis(columns=None)
    )


def _criterion(criteria: dict, key: str) -> str | None:
    rule = (criteria or {}).get(key) or {}
    return f"{rule['count']} {rule['period']}" if rule.get("count") else None


def load_freshness(target_dir: Path) -> tuple[pd.DataFrame, pd.Timestamp] | None:
    """(one row per source table, when it was checked), or None without `sources.json`."""
    path = latest_artifact(target_dir, "sources.json")
    if path is None:
        return None
    data = _read_json(path)
    rows = []
    for r in data.get("results", []):
        parts = r["unique_id"].split(".")
        age = r.get("max_loaded_at_time_ago_in_s")
        rows.append(
            {
                "source": parts[-2],
                "table": parts[-1],
                "status": r.get("status"),
                "max_loaded_at": r.get("max_loaded_at"),
                "hours_since_load": None if age is None else round(age / 3600, 2),
                "warn_after": _criterion(r.get("criteria"), "warn_after"),
                "error_after": _criterion(r.get("criteria"), "error_after"),
            }
        )
    checked = pd.Timestamp((data.get("metadata") or {}).get("generated_at"))
    return pd.DataFrame(rows, columns=FRESHNESS_COLUMNS), checked
