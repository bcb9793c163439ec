"""`ecom run`: materialize the whole platform on the configured warehouse."""

from __future__ import annotations

import typer


def run(
    scale: float = typer.Option(0.05, help="generator scale for the demo batch"),
    seed: int = typer.Option(42, help="generator seed"),
) -> None:
    """Generate → load → dbt build (→ later: features, models, scores), with progress."""
    from orchestration.pipeline import run_all

    ok = run_all(scale=scale, seed=seed)
    raise typer.Exit(0 if ok else 1)
