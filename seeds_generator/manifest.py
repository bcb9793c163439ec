"""Batch manifest: build, write, read, and the deterministic batch id."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from seeds_generator.schema import TABLES

MANIFEST_FILE = "manifest.json"


def batch_id(**parts: object) -> str:
    """Deterministic id from the batch's defining inputs (no wall clock)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return "b" + hashlib.sha256(blob).hexdigest()[:20]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def table_entry(name: str, rows: int, sha: str) -> dict:
    table = next(t for t in TABLES if t.name == name)
    return {
        "file": f"{name}.csv",
        "rows": rows,
        "sha256": sha,
        "columns": [{"name": c.name, "type": c.type} for c in table.columns],
    }


def write_manifest(out_dir: Path, manifest: dict) -> None:
    (out_dir / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n"
    )


def read_manifest(batch_dir: Path) -> dict:
    """The manifest of a batch directory; clear errors if it is missing or malformed."""
    path = Path(batch_dir) / MANIFEST_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {MANIFEST_FILE} in batch directory {batch_dir}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    for key in ("batch_id", "tables", "window_start", "window_end", "seed", "scale"):
        if key not in data:
            raise ValueError(f"{path}: manifest lacks the key {key!r}")
    return data
