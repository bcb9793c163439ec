"""The generator's side of the batch manifest: its deterministic batch id and its own keys.

The manifest format itself (entries, writing, parsing) is the platform's contract
(`contracts.manifest`); the generator adds `seed`, `scale` and its continuation state.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from contracts.manifest import ManifestError
from contracts.manifest import read_manifest as read_batch_manifest

#: Keys the generator writes beside the contract's own (needed to continue a batch).
GENERATOR_KEYS = ("batch_id", "tables", "window_start", "window_end", "seed", "scale")


def batch_id(**parts: object) -> str:
    """Deterministic id from the batch's defining inputs (no wall clock)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return "b" + hashlib.sha256(blob).hexdigest()[:20]


def read_manifest(batch_dir: Path) -> dict:
    """A generated batch's manifest as a dict; ManifestError if it is not a generator batch."""
    data = read_batch_manifest(Path(batch_dir)).raw
    for key in GENERATOR_KEYS:
        if key not in data:
            raise ManifestError(
                f"{Path(batch_dir) / 'manifest.json'}: manifest lacks the generator key {key!r}"
            )
    return data
