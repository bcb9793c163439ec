"""The causal tests read the shared platform world (its job computed
`analytics.campaign_effects` from the marts): 5,000 customers, ~1,500 eligible for the
campaign (~550 treated), ~2,700 rollout panel customers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class CausalWarehouse:
    """URL of the built warehouse, the batch directory and its planted truth."""

    url: str
    batch_dir: Path
    batch_id: str

    @property
    def ground_truth_path(self) -> Path:
        return self.batch_dir / "ground_truth.json"

    @property
    def truth(self) -> dict:
        return json.loads(self.ground_truth_path.read_text())


@pytest.fixture(scope="session")
def causal_warehouse(platform_world) -> CausalWarehouse:
    manifest = json.loads((platform_world.batch_dir / "manifest.json").read_text())
    return CausalWarehouse(
        platform_world.url, platform_world.batch_dir, str(manifest["batch_id"])
    )


@pytest.fixture(scope="session")
def campaign_effects(causal_warehouse: CausalWarehouse):
    """The job's `analytics.campaign_effects`, with the planted truth put beside each
    estimate by the evaluation layer (true_effect, covers_truth)."""
    from evaluation.causal_truth import compare_with_truth, load_effect_truth
    from evaluation.ground_truth import TruthBatch
    from ml.causal.batch import read_campaign_effects

    batches = [TruthBatch(causal_warehouse.batch_id, causal_warehouse.batch_dir)]
    return compare_with_truth(
        read_campaign_effects(causal_warehouse.url), load_effect_truth(batches)
    )
