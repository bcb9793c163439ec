"""`ecom generate` and `ecom load`: synthetic batches into the raw schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer


def generate(
    out: Path = typer.Option(..., "--out", help="directory to write the batch into"),
    scale: float = typer.Option(
        0.01, help="1.0 ≈ 100k customers, ~1M orders over two years"
    ),
    seed: int = typer.Option(
        42, help="random seed (same seed + scale = byte-identical files)"
    ),
    start: dt.datetime = typer.Option(
        "2024-01-01", formats=["%Y-%m-%d"], help="first day of the window"
    ),
    days: int = typer.Option(
        730, help="window length in days (or, with --continue-from, the increment)"
    ),
    inject_faults: str = typer.Option(
        "",
        help="comma-separated fault classes to plant, e.g. null_keys,negative_amounts",
    ),
    continue_from: Path | None = typer.Option(
        None, help="previous batch directory: generate the next --days days"
    ),
) -> None:
    """Generate a batch of synthetic e-commerce data (CSV + manifest + ground truth)."""
    import seeds_generator

    faults = [f.strip() for f in inject_faults.split(",") if f.strip()]
    unknown = sorted(set(faults) - set(seeds_generator.FAULT_CLASSES))
    if unknown:
        typer.echo(
            f"unknown fault class(es): {', '.join(unknown)}; known: {', '.join(seeds_generator.FAULT_CLASSES)}",
            err=True,
        )
        raise typer.Exit(2)
    if continue_from is not None:
        manifest = seeds_generator.generate_increment(
            continue_from, out, days=days, inject_faults=faults
        )
    else:
        manifest = seeds_generator.generate(
            out,
            scale=scale,
            seed=seed,
            start=start.date(),
            days=days,
            inject_faults=faults,
        )
    rows = sum(t["rows"] for t in manifest["tables"].values())
    typer.echo(
        f"batch {manifest['batch_id']}: {rows:,} rows in {len(manifest['tables'])} tables -> {out}"
    )


def load(
    source: str = typer.Argument(
        ...,
        metavar="SOURCE",
        help="a batch directory, or an s3:// URL of a batch prefix "
        "(endpoint: ECOM_S3_ENDPOINT_URL, else boto3's configuration)",
    ),
    validate: bool = typer.Option(
        True, help="check the batch against the contract in its audit area first"
    ),
) -> None:
    """Validate a batch and load it into the raw schema (one transaction, idempotent).

    A batch under an s3:// URL is first fetched into <landing>/s3/<bucket>/<prefix>/
    (checksums verified) and loaded from there.
    """
    import psycopg

    from warehouse.loader import LoadError, load_batch
    from warehouse.raw_validation import RawValidationError
    from warehouse.settings import get_settings

    try:
        if source[:5].lower() == "s3://":  # boto3 is imported only for object storage
            from warehouse.object_store import fetch_batch

            batch_dir = fetch_batch(source, get_settings().landing / "s3")
            typer.echo(f"fetched {source} -> {batch_dir}")
        else:
            batch_dir = Path(source).expanduser()
            if not batch_dir.is_dir():
                raise typer.BadParameter(
                    f"{source!r} is neither an existing directory nor an s3:// URL",
                    param_hint="SOURCE",
                )
        result = load_batch(batch_dir, validate=validate)
    except RawValidationError as exc:
        typer.echo(exc.report.to_text(), err=True)
        raise typer.Exit(1) from None
    except LoadError as exc:
        typer.echo(f"load refused: {exc}", err=True)
        raise typer.Exit(1) from None
    except psycopg.OperationalError as exc:
        # the warehouse is unreachable or went away mid-load: raw is as it was
        typer.echo(f"load failed, nothing was loaded: {exc}", err=True)
        raise typer.Exit(1) from None
    if result.skipped:
        typer.echo(f"batch {result.batch_id} already loaded; nothing changed")
    else:
        typer.echo(
            f"loaded batch {result.batch_id}: {sum(result.tables.values()):,} rows "
            f"in {result.seconds:.1f}s\n{json.dumps(result.tables, indent=2)}"
        )
