from __future__ import annotations

import json

from seeds_generator import generate, read_manifest
from seeds_generator.arrow_tables import GENERATED_TABLES


def _files(d):
    names = [f"{t.name}.csv" for t in GENERATED_TABLES] + [
        "manifest.json",
        "ground_truth.json",
    ]
    names += sorted(
        p.relative_to(d).as_posix() for p in (d / "ground_truth").glob("*.parquet")
    )
    return {n: (d / n).read_bytes() for n in names}


def test_same_seed_gives_byte_identical_files(batch_dir, tmp_path):
    again = tmp_path / "again"
    generate(again, scale=0.01, seed=7, progress=False)
    a, b = _files(batch_dir), _files(again)
    assert a.keys() == b.keys()
    different = [n for n in a if a[n] != b[n]]
    assert different == []


def test_other_seed_differs(batch_dir, tmp_path):
    other = tmp_path / "other"
    m = generate(other, scale=0.01, seed=8, progress=False)
    base = read_manifest(batch_dir)
    assert m["batch_id"] != base["batch_id"]
    assert m["tables"]["orders"]["sha256"] != base["tables"]["orders"]["sha256"]
    assert m["tables"]["customers"]["sha256"] != base["tables"]["customers"]["sha256"]


def test_no_wall_clock_in_manifest(batch_dir):
    text = (batch_dir / "manifest.json").read_text()
    m = json.loads(text)
    assert set(m) == {
        "generator_version",
        "batch_id",
        "parent_batch_id",
        "seed",
        "scale",
        "window_start",
        "window_end",
        "tables",
        "faults",
    }
    assert m["window_start"] == "2024-01-01" and m["window_end"] == "2025-12-30"
