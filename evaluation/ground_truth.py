"""Find the planted truth of the batches in the warehouse, where a source shipped one.

Only the generator ships ground truth: each of its batch directories holds `ground_truth.json`
(parameters and effects) and `ground_truth/*.parquet` (per-customer latent state, order kinds,
planted preferences). The production path never reads them; this layer looks for them in
the landing directory and in `ECOM_GROUND_TRUTH_DIR`, matching the batch ids the loader
recorded in `raw._batches`. No match means no ground truth: evaluation reports that and stops.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUMMARY_FILE = "ground_truth.json"
TRUTH_DIR = "ground_truth"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class TruthBatch:
    """A loaded batch whose directory ships planted truth."""

    batch_id: str
    path: Path

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY_FILE

    def table(self, name: str) -> Path:
        """`ground_truth/<name>.parquet` of this batch."""
        return self.path / TRUTH_DIR / f"{name}.parquet"

    def summary(self) -> dict[str, Any]:
        return json.loads(self.summary_path.read_text())


def search_roots() -> list[Path]:
    """Where to look: the landing directory, then ECOM_GROUND_TRUTH_DIR (settings)."""
    from warehouse.settings import get_settings

    settings = get_settings()
    roots = [settings.landing]
    if settings.ground_truth_dir is not None:
        roots.append(settings.ground_truth_dir)
    return roots


def _batch_dirs(roots: Iterable[Path]) -> dict[str, Path]:
    """batch_id -> directory, for every directory (a root or its child) with a manifest and truth."""
    found: dict[str, Path] = {}
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for candidate in [root, *sorted(p for p in root.iterdir() if p.is_dir())]:
            manifest = candidate / MANIFEST_FILE
            if not (manifest.is_file() and (candidate / SUMMARY_FILE).is_file()):
                continue
            try:
                batch_id = json.loads(manifest.read_text()).get("batch_id")
            except (json.JSONDecodeError, OSError):
                continue
            if batch_id:
                found.setdefault(str(batch_id), candidate)
    return found


def loaded_batch_ids(url: str) -> list[str]:
    """Batch ids in `raw._batches`, in load order ([] when nothing was loaded)."""
    from warehouse.loader import loaded_batches

    return [str(b["batch_id"]) for b in loaded_batches(url)]


def find_truth(url: str, roots: Iterable[Path] | None = None) -> list[TruthBatch]:
    """The loaded batches that ship ground truth, in load order; [] means "no ground truth".

    All loaded batches must have it, or none is used: a warehouse that mixes generated
    batches with another source's has no planted truth for the whole population.
    """
    loaded = loaded_batch_ids(url)
    if not loaded:
        return []
    dirs = _batch_dirs(search_roots() if roots is None else roots)
    if not all(batch_id in dirs for batch_id in loaded):
        return []
    return [TruthBatch(batch_id, dirs[batch_id]) for batch_id in loaded]


def no_truth_reason(url: str, roots: Iterable[Path] | None = None) -> str:
    """Why `find_truth` found nothing, in one sentence (for the evaluation assets' metadata)."""
    loaded = loaded_batch_ids(url)
    if not loaded:
        return "no batch is loaded"
    places = [str(r) for r in (search_roots() if roots is None else roots)]
    dirs = _batch_dirs(search_roots() if roots is None else roots)
    missing = [b for b in loaded if b not in dirs]
    return (
        f"no ground truth: {len(missing)} of {len(loaded)} loaded batches have no directory "
        f"with {SUMMARY_FILE} under {places} (e.g. {missing[0]}); only the generator ships "
        "planted truth"
    )
