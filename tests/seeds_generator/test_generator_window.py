"""Every event a batch carries happens inside the batch's window (the raw gate rejects the rest)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from seeds_generator import generate
from seeds_generator.arrow_tables import GENERATED_TABLES


def _assert_inside_window(batch_dir: Path, read_batch) -> None:
    manifest = json.loads((batch_dir / "manifest.json").read_text())
    first = pd.Timestamp(manifest["window_start"], tz="UTC")
    end = pd.Timestamp(
        dt.date.fromisoformat(manifest["window_end"]) + dt.timedelta(days=1), tz="UTC"
    )
    frames = read_batch(batch_dir)
    for t in GENERATED_TABLES:
        if t.event_time is None or frames[t.name].empty:
            continue
        times = frames[t.name][t.event_time]
        late = frames[t.name].loc[times >= end, t.primary_key].tolist()
        assert not late, (
            f"{t.name}.{t.event_time} after window_end {manifest['window_end']}: keys {late[:5]}"
        )
        if t.name not in (
            "customers",
            "products",
        ):  # reference rows may predate the window
            assert times.min() >= first - pd.Timedelta(days=366), t.name


@pytest.mark.parametrize("scale,seed", [(0.004, 11), (0.003, 3), (0.006, 99)])
def test_small_batches_stay_inside_their_window(
    tmp_path: Path, read_batch, scale: float, seed: int
) -> None:
    generate(tmp_path, scale=scale, seed=seed, progress=False)
    _assert_inside_window(tmp_path, read_batch)


def test_increment_stays_inside_its_window(increment_dir: Path, read_batch) -> None:
    _assert_inside_window(increment_dir, read_batch)
