"""Materializing the churn model through Dagster runs no dbt: it reads the marts the last
warehouse build made (and their cutoff plan) and nothing rebuilds them behind the lineage."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from mlflow import MlflowClient

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_results() -> dict[Path, float]:
    target = REPO_ROOT / "dbt_project" / "target"
    return {p: p.stat().st_mtime for p in target.rglob("run_results.json")}


def _dbt_invocations(url: str) -> int:
    """Rows of the build ledger dbt's on-run-start hook writes for every build/test."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from analytics.dbt_tested_loads"
        ).fetchone()[0]


def test_churn_model_asset_invokes_no_dbt(
    platform_world, world_plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbt.cli.main import dbtRunner

    from orchestration.assets.ml import churn_model
    from orchestration.pipeline import platform_environment
    from orchestration.resources import WarehouseResource

    spawned: list[list[str]] = []
    real_init = subprocess.Popen.__init__

    def recording_init(self, args, *rest, **kwargs):
        spawned.append([str(a) for a in (args if isinstance(args, list) else [args])])
        return real_init(self, args, *rest, **kwargs)

    invoked: list[list[str]] = []
    real_invoke = dbtRunner.invoke

    def recording_invoke(self, args, **kwargs):
        invoked.append(list(args))
        return real_invoke(self, args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", recording_init)
    monkeypatch.setattr(dbtRunner, "invoke", recording_invoke)
    ledger_before, results_before = _dbt_invocations(platform_world.url), _run_results()
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"

    with (
        platform_environment(
            database_url=platform_world.url,
            landing_dir=platform_world.landing,
            tracking_uri=store,
            dagster_home=tmp_path / "dagster",
        ),
        dg.instance_for_test() as instance,
    ):
        result = dg.materialize(
            [churn_model],
            instance=instance,
            resources={"warehouse": WarehouseResource(database_url=platform_world.url)},
            run_config={"ops": {"ml__churn_model": {"config": {"n_trials": 1}}}},
        )
        assert result.success
        run_id = (
            result.asset_materializations_for_node("ml__churn_model")[0]
            .metadata["mlflow_run_id"]
            .value
        )
        params = MlflowClient(tracking_uri=store).get_run(run_id).data.params

    assert invoked == [], "the churn asset invoked dbt in-process"
    assert not [a for a in spawned if any("dbt" in Path(x).name for x in a)], spawned
    assert _dbt_invocations(platform_world.url) == ledger_before
    assert _run_results() == results_before, "a dbt run wrote new artifacts"
    # it trained on the plan the world's warehouse build produced
    assert params["train_cutoffs"] == ",".join(d.isoformat() for d in world_plan.train)
    assert params["eval_cutoff"] == world_plan.evaluation.isoformat()
