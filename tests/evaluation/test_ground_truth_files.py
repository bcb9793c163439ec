"""Finding and reading planted truth: clear errors for broken truth files, and no truth at all
unless every loaded batch ships it (a warehouse mixing sources has no planted population)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.causal_truth import load_effect_truth
from evaluation.ground_truth import TruthBatch, _batch_dirs


def _batch(root: Path, batch_id: str, truth: dict | None) -> Path:
    path = root / batch_id
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"batch_id": batch_id}))
    if truth is not None:
        (path / "ground_truth.json").write_text(json.dumps(truth))
    return path


def test_missing_sections_are_named(tmp_path: Path) -> None:
    path = _batch(tmp_path, "b1", {"campaign": {}})
    with pytest.raises(ValueError, match=r"lacks section\(s\) \['rollout'\]"):
        load_effect_truth([TruthBatch("b1", path)])


def test_only_directories_with_a_manifest_and_truth_count(tmp_path: Path) -> None:
    _batch(tmp_path, "b1", {"campaign": {}, "rollout": {}})
    _batch(tmp_path, "b2", None)  # a batch from a source without planted truth
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "manifest.json").write_text("{not json")
    (tmp_path / "junk" / "ground_truth.json").write_text("{}")
    assert _batch_dirs([tmp_path, tmp_path / "missing"]) == {"b1": tmp_path / "b1"}
