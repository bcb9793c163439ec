"""`ecom run`: materialize the whole platform on the configured warehouse."""

from __future__ import annotations

import typer


def run(
    scale: float = typer.Option(0.05, help="generator scale for the demo batch"),
    seed: int = typer.Option(42, help="generator seed"),
    trials: int | None = typer.Option(
        None, help="optuna trials per model (default: the assets' own, 10)"
    ),
) -> None:
    """The whole graph: generate → load → dbt build → train, gate, score → evaluation."""
    from orchestration.pipeline import run_all

    ok = run_all(scale=scale, seed=seed, n_trials=trials)
    raise typer.Exit(0 if ok else 1)
