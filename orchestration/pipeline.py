"""`ecom run`: execute the `full_refresh` Dagster job in-process on the project-local instance.

Runs land in the same DAGSTER_HOME that `ecom serve dagster` uses, so they show up in the UI.
`execute_full_refresh` is the one way the whole platform is built: the CLI, the test suite's
shared world and the benchmarks all call it (`platform_environment` points it elsewhere).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def full_refresh_run_config(
    scale: float,
    seed: int,
    log_level: str = "INFO",
    n_trials: int | None = None,
    warehouse: Mapping[str, Any] | None = None,
    source: str = "generator",
    households: int | None = None,
) -> dict:
    """Run config of the `full_refresh` job: the initial batch of `source` (the generator at
    `scale`/`seed` by default), a full dbt build (the source's recommended dbt vars, then
    `warehouse` fields of WarehouseBuildConfig, e.g. the ML cutoff plan), (when given)
    `n_trials` optuna trials for each model, and the source's recommender protocol."""
    from orchestration.landing_sources import (
        merged_warehouse_config,
        recommender_protocol,
    )

    landing: dict[str, Any] = {
        "mode": "initial",
        "source": source,
        "scale": scale,
        "seed": seed,
    }
    if households is not None:
        landing["households"] = households
    ops: dict = {
        "landed_batch": {"config": landing},
        "warehouse_dbt": {
            "config": {
                "full_refresh": True,
                **merged_warehouse_config(source, warehouse),
            }
        },
    }
    if n_trials is not None:
        for op in ("ml__churn_model", "ml__recommender_model"):
            ops[op] = {"config": {"n_trials": n_trials}}
    if protocol := recommender_protocol(source):
        ops.setdefault("ml__recommender_model", {"config": {}})["config"][
            "protocol"
        ] = protocol
    return {"ops": ops, "loggers": {"console": {"config": {"log_level": log_level}}}}


@contextmanager
def platform_environment(
    *,
    database_url: str,
    landing_dir: Path,
    tracking_uri: str,
    dagster_home: Path,
) -> Iterator[None]:
    """Point the platform (warehouse, landing, MLflow, Dagster) elsewhere for the duration.

    The settings objects read the environment, so this sets it and clears their caches on
    entry and exit (the previous values come back afterwards).
    """
    from warehouse.settings import get_settings

    values = {
        "ECOM_DATABASE_URL": database_url,
        "ECOM_LANDING_DIR": str(landing_dir),
        "MLFLOW_TRACKING_URI": tracking_uri,
        "DAGSTER_HOME": str(dagster_home),
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def execute_full_refresh(
    *,
    scale: float,
    seed: int,
    n_trials: int | None = None,
    warehouse: Mapping[str, Any] | None = None,
    log_level: str = "INFO",
    source: str = "generator",
    households: int | None = None,
):
    """Run the `full_refresh` job in-process on the DAGSTER_HOME instance; its result.

    Everything comes from the environment (warehouse URL, landing directory, MLflow, Dagster
    home); see `platform_environment`.
    """
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.instance import ensure_dagster_home

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home())
    job = defs.resolve_job_def("full_refresh")
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            run_config=full_refresh_run_config(
                scale,
                seed,
                log_level,
                n_trials=n_trials,
                warehouse=warehouse,
                source=source,
                households=households,
            ),
            instance=instance,
            raise_on_error=False,
        )


def run_all(
    *,
    scale: float,
    seed: int,
    n_trials: int | None = None,
    source: str = "generator",
    households: int | None = None,
) -> bool:
    """Materialize every asset (land → load → dbt build → downstream). True on success."""
    from orchestration.instance import ensure_dagster_home
    from orchestration.landing_sources import describe
    from warehouse.connection import database_url

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home())
    url = database_url(start=True)
    console.print(f"[bold]warehouse[/] {url}")
    console.print(f"[bold]dagster home[/] {os.environ['DAGSTER_HOME']}")
    console.print(f"[bold]source[/] {describe(source)}")
    t0 = time.perf_counter()
    result = execute_full_refresh(
        scale=scale,
        seed=seed,
        n_trials=n_trials,
        source=source,
        households=households,
    )
    _print_summary(result, time.perf_counter() - t0)
    return result.success


def _print_summary(result, seconds: float) -> None:
    materialized = result.get_asset_materialization_events()
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    # WARN-severity failures are soft anomalies: reported, not counted as failures
    warned = [c for c in checks if not c.passed and c.severity.value == "WARN"]
    failed = [c for c in checks if not c.passed and c.severity.value != "WARN"]
    status = "succeeded" if result.success else "FAILED"
    table = Table(title=f"run {result.run_id[:8]} — {status} in {seconds:.0f}s")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("assets materialized", str(len(materialized)))
    table.add_row("asset checks passed", str(len(checks) - len(failed) - len(warned)))
    table.add_row("asset checks warned", str(len(warned)))
    table.add_row("asset checks failed", str(len(failed)))
    console.print(table)
    for c in warned[:20]:
        console.print(
            f"[yellow]! warned:[/] {c.asset_key.to_user_string()} :: {c.check_name}"
        )
    for c in failed[:20]:
        console.print(
            f"[red]✗ failed:[/] {c.asset_key.to_user_string()} :: {c.check_name}"
        )
    for event in result.all_events:
        if event.is_step_failure:
            console.print(f"[red]✗ step failed:[/] {event.step_key}")
