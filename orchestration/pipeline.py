"""`ecom run`: execute the `full_refresh` Dagster job in-process on the project-local instance.

Runs land in the same DAGSTER_HOME that `ecom serve dagster` uses, so they show up in the UI.
"""

from __future__ import annotations

import os
import time

from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def full_refresh_run_config(scale: float, seed: int, log_level: str = "INFO") -> dict:
    return {
        "ops": {
            "generated_batch": {
                "config": {"mode": "initial", "scale": scale, "seed": seed}
            },
            "warehouse_dbt": {"config": {"full_refresh": True}},
        },
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


def run_all(*, scale: float, seed: int) -> bool:
    """Materialize every asset (generate → load → dbt build → downstream). True on success."""
    import dagster as dg

    from orchestration.instance import ensure_dagster_home
    from warehouse.connection import database_url

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home())
    console.print(f"[bold]warehouse[/] {database_url(start=True)}")
    console.print(f"[bold]dagster home[/] {os.environ['DAGSTER_HOME']}")
    from orchestration.definitions import defs

    t0 = time.perf_counter()
    job = defs.resolve_job_def("full_refresh")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config=full_refresh_run_config(scale, seed),
            instance=instance,
            raise_on_error=False,
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
