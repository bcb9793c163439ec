"""`ecom run`: materialize the whole platform on the configured warehouse."""

from __future__ import annotations

import typer


def run(
    source: str = typer.Option(
        "generator",
        help="'generator', 'completejourney' (needs the completejourney extra), a directory "
        "holding a batch, or an s3:// URL of one",
    ),
    scale: float = typer.Option(0.05, help="generator scale for the demo batch"),
    seed: int = typer.Option(
        42, help="generator seed (completejourney: the subsample's seed)"
    ),
    households: int | None = typer.Option(
        None, help="completejourney: a deterministic subsample of this many households"
    ),
    trials: int | None = typer.Option(
        None, help="optuna trials per model (default: the assets' own, 10)"
    ),
) -> None:
    """The whole graph: land → load → dbt build → train, gate, score → evaluation."""
    from orchestration.pipeline import run_all

    ok = run_all(
        scale=scale, seed=seed, n_trials=trials, source=source, households=households
    )
    raise typer.Exit(0 if ok else 1)
