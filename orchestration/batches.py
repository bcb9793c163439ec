"""Batches in the landing directory: which exist, in what order, which are not yet loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LandedBatch:
    path: Path
    batch_id: str
    parent_batch_id: str | None
    window_end: str


def landed_batches(landing: Path) -> list[LandedBatch]:
    """Every complete batch (has manifest.json) under `landing`, parents before children."""
    found: dict[str, LandedBatch] = {}
    if not landing.exists():
        return []
    for manifest_path in sorted(landing.glob("*/manifest.json")):
        m = json.loads(manifest_path.read_text())
        found[m["batch_id"]] = LandedBatch(
            manifest_path.parent,
            m["batch_id"],
            m.get("parent_batch_id"),
            m.get("window_end", ""),
        )
    return sorted(found.values(), key=lambda b: (b.window_end, b.batch_id))


def latest_batch(landing: Path) -> LandedBatch | None:
    batches = landed_batches(landing)
    return batches[-1] if batches else None


def unloaded_batches(landing: Path, loaded_ids: set[str]) -> list[LandedBatch]:
    return [b for b in landed_batches(landing) if b.batch_id not in loaded_ids]
