"""`ecom dbt ...`: run dbt in dbt_project/ against the configured warehouse."""

from __future__ import annotations

import typer

from orchestration.dbt_runner import run_dbt


def dbt(ctx: typer.Context) -> None:
    """Run any dbt command with the warehouse connection set, e.g. `ecom dbt build`."""
    if not ctx.args:
        typer.echo(
            "usage: ecom dbt <dbt command and args>, e.g. `ecom dbt build`", err=True
        )
        raise typer.Exit(2)
    raise typer.Exit(run_dbt(list(ctx.args)))
