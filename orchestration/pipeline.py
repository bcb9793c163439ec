"""The whole platform as a sequence of plain steps (what `ecom run` executes).

Steps are plain functions so Dagster assets can wrap the same code.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

console = Console(stderr=True)


def demo_batch_dir(scale: float, seed: int) -> Path:
    from orchestration.paths import landing_dir

    return landing_dir() / f"initial-s{scale:g}-seed{seed}"


def ensure_batch(scale: float, seed: int) -> Path:
    """Generate the demo batch unless an identical one already landed."""
    import seeds_generator

    out = demo_batch_dir(scale, seed)
    if (out / "manifest.json").exists():
        console.print(f"[dim]batch already generated:[/] {out}")
        return out
    seeds_generator.generate(out, scale=scale, seed=seed)
    return out


def run_all(*, scale: float, seed: int) -> bool:
    """Run generate → load → dbt build. Returns True on success."""
    from orchestration.dbt_runner import run_dbt
    from warehouse.connection import database_url
    from warehouse.loader import load_batch

    t0 = time.perf_counter()
    url = database_url(start=True)
    console.print(f"[bold]warehouse[/] {url}")
    with console.status("generating synthetic data"):
        batch = ensure_batch(scale, seed)
    console.print(f"[green]✓[/] generated {batch}")
    with console.status("validating and loading raw"):
        result = load_batch(batch, url)
    verb = "already loaded" if result.skipped else f"loaded {sum(result.tables.values()):,} rows"
    console.print(f"[green]✓[/] raw: {verb} (batch {result.batch_id})")
    console.print("[bold]dbt build[/]")
    code = run_dbt(["build"], url)
    if code != 0:
        console.print(f"[red]✗ dbt build failed (exit {code})[/]")
        return False
    console.print(f"[green]✓[/] warehouse built in {time.perf_counter() - t0:.0f}s total")
    return True
