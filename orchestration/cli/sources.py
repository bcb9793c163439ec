"""`ecom source <name>`: write a batch from a named source adapter into a directory."""

from __future__ import annotations

import time
from pathlib import Path

import typer

app = typer.Typer(
    help="Source adapters: write a public dataset as a batch in the source contract."
)


@app.command("completejourney")
def source_completejourney(
    out: Path = typer.Option(..., "--out", help="directory to write the batch into"),
    households: int | None = typer.Option(
        None,
        help="a deterministic random subset of this many households (default: all 2,469)",
    ),
    seed: int = typer.Option(0, help="seed of the household subset"),
) -> None:
    """The Complete Journey (84.51° grocery households) as a Parquet batch + manifest; load it
    with `ecom load DIR`."""
    from contracts.manifest import read_manifest
    from sources.completejourney import write_batch
    from sources.completejourney.read import SourceMissingError

    started = time.perf_counter()
    try:
        write_batch(out, households=households, seed=seed)
    except (SourceMissingError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    manifest = read_manifest(out)
    typer.echo(
        f"batch {manifest.batch_id} ({manifest.window_start}..{manifest.window_end}) "
        f"in {time.perf_counter() - started:.1f}s -> {out}"
    )
    for name, entry in manifest.tables.items():
        typer.echo(f"  {name:<20} {entry.rows:>10,} rows")
