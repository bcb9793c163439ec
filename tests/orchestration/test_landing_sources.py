"""Landing a batch from any source: a directory is adopted into the landing directory under
its batch_id (atomically, reused when identical), bad sources are named, and raw refuses a
second history (two shops in one warehouse)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration import landing_sources, steps
from seeds_generator import generate

SCALE = 0.002


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sources")
    first, second = root / "shop-a", root / "shop-b"
    generate(first, scale=SCALE, seed=1, progress=False)
    generate(second, scale=SCALE, seed=2, progress=False)
    return first, second


def _batch_id(batch: Path) -> str:
    return json.loads((batch / "manifest.json").read_text())["batch_id"]


def test_a_directory_is_adopted_under_its_batch_id(platform_env, two_batches) -> None:
    first, _ = two_batches
    landed = landing_sources.land_initial(str(first), scale=0, seed=0)
    assert landed == platform_env["landing"] / _batch_id(first)
    assert sorted(p.name for p in landed.iterdir()) == sorted(
        p.name
        for p in first.iterdir()
        if p.name == "manifest.json"
        or p.name
        in {
            t["file"]
            for t in json.loads((first / "manifest.json").read_text())[
                "tables"
            ].values()
        }
    )
    for f in landed.iterdir():
        assert f.read_bytes() == (first / f.name).read_bytes()
    # landing it again reuses the copy; no temporary directories are left behind
    mtime = (landed / "manifest.json").stat().st_mtime_ns
    assert landing_sources.land_initial(str(first), scale=0, seed=0) == landed
    assert (landed / "manifest.json").stat().st_mtime_ns == mtime
    assert [p.name for p in platform_env["landing"].iterdir()] == [landed.name]


def test_a_changed_batch_with_the_same_id_is_refused(
    platform_env, two_batches, tmp_path: Path
) -> None:
    first, _ = two_batches
    landing_sources.land_initial(str(first), scale=0, seed=0)
    changed = tmp_path / "changed"
    changed.mkdir()
    for f in first.iterdir():
        if f.is_file():
            (changed / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((changed / "manifest.json").read_text())
    manifest["window_start"] = "2020-01-01"
    (changed / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(landing_sources.SourceError, match="different batch"):
        landing_sources.land_initial(str(changed), scale=0, seed=0)


@pytest.mark.parametrize(
    ("source", "kwargs", "message"),
    [
        ("nowhere/at/all", {}, "neither one of generator, completejourney"),
        ("{tmp}", {}, "is not a batch: .*manifest.json"),
        ("completejourney", {"faults": ["null_keys"]}, "generated data only"),
        ("{tmp}", {"households": 10}, "households subsamples"),
    ],
)
def test_bad_sources_are_named(
    platform_env, tmp_path: Path, source: str, kwargs: dict, message: str
) -> None:
    source = source.format(tmp=tmp_path)
    with pytest.raises(landing_sources.SourceError, match=message):
        landing_sources.land_initial(source, scale=0, seed=0, **kwargs)
    assert not platform_env["landing"].exists() or not list(
        platform_env["landing"].glob("*/manifest.json")
    )


def test_a_second_history_is_refused_before_anything_is_loaded(
    platform_env, two_batches
) -> None:
    from warehouse.loader import loaded_batches

    first, second = two_batches
    url = platform_env["url"]
    landing_sources.land_initial(str(first), scale=0, seed=0)
    assert steps.load_pending_batches(url).batch_ids == [_batch_id(first)]
    landing_sources.land_initial(str(second), scale=0, seed=0)
    with pytest.raises(steps.MixedHistoriesError, match="separate histories") as err:
        steps.load_pending_batches(url)
    assert _batch_id(second) in str(err.value) and "ECOM_HOME" in str(err.value)
    assert [b["batch_id"] for b in loaded_batches(url)] == [_batch_id(first)]


def test_the_run_config_carries_the_source_and_its_warehouse_defaults() -> None:
    from orchestration.pipeline import full_refresh_run_config

    config = full_refresh_run_config(
        0.05,
        3,
        source="completejourney",
        households=100,
        warehouse={"ml_train_cutoff_count": 2},
    )
    landing = config["ops"]["landed_batch"]["config"]
    assert landing == {
        "mode": "initial",
        "source": "completejourney",
        "scale": 0.05,
        "seed": 3,
        "households": 100,
    }
    build = config["ops"]["warehouse_dbt"]["config"]
    assert build["ml_train_cutoff_count"] == 2 and build["full_refresh"] is True
    defaults = landing_sources.warehouse_defaults("completejourney")
    assert defaults["churn_horizon_days"] == build["churn_horizon_days"] != 90
    # what the caller sets wins over the source's recommendation
    override = {"churn_horizon_days": 30}
    assert (
        full_refresh_run_config(0.05, 3, source="completejourney", warehouse=override)[
            "ops"
        ]["warehouse_dbt"]["config"]["churn_horizon_days"]
        == 30
    )
    assert config["ops"]["ml__recommender_model"]["config"]["protocol"] == "all_items"
    generated = full_refresh_run_config(0.05, 3)["ops"]
    assert generated["warehouse_dbt"]["config"] == {"full_refresh": True}
    assert "ml__recommender_model" not in generated
