"""Plain functions behind the raw-layer assets (landing files and the raw load)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration.batches import LandedBatch, latest_batch, unloaded_batches
from orchestration.paths import landing_dir


def initial_batch_dir(scale: float, seed: int, faults: Sequence[str] = ()) -> Path:
    suffix = f"-faults-{'-'.join(sorted(faults))}" if faults else ""
    return landing_dir() / f"initial-s{scale:g}-seed{seed}{suffix}"


def land_initial_batch(scale: float, seed: int, faults: Sequence[str] = ()) -> Path:
    """Generate the initial (two-year) batch into the landing directory unless it is already there."""
    import seeds_generator

    out = initial_batch_dir(scale, seed, faults)
    if not (out / "manifest.json").exists():
        seeds_generator.generate(
            out, scale=scale, seed=seed, inject_faults=list(faults)
        )
    return out


def land_next_batch(days: int = 1, faults: Sequence[str] = ()) -> Path:
    """Generate the next `days` days after the latest landed batch (an incremental batch)."""
    import seeds_generator

    previous = latest_batch(landing_dir())
    if previous is None:
        raise RuntimeError(
            f"no batch in {landing_dir()} to continue from; materialize the initial batch first "
            "(job `full_refresh` or `ecom run`)"
        )
    manifest = json.loads((previous.path / "manifest.json").read_text())
    suffix = f"-faults-{'-'.join(sorted(faults))}" if faults else ""
    out = landing_dir() / f"increment-{manifest['window_end']}-plus{days}d{suffix}"
    if not (out / "manifest.json").exists():
        seeds_generator.generate_increment(
            previous.path, out, days=days, inject_faults=list(faults)
        )
    return out


def file_preview_markdown(path: Path, rows: int = 5) -> str:
    """The header and first rows of a CSV or Parquet file as a markdown table (for the UI)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        header = list(parquet.schema_arrow.names)
        first = next(parquet.iter_batches(batch_size=rows), None)
        body = (
            [
                ["" if v is None else str(v) for v in r.values()]
                for r in first.to_pylist()
            ]
            if first is not None
            else []
        )
    else:
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            body = [row for _, row in zip(range(rows), reader, strict=False)]
    if not header:
        return "_empty file_"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
        for row in body
    ]
    return "\n".join(lines)


@dataclass
class PendingLoad:
    batch_ids: list[str]
    rows_by_table: dict[str, int]


class MixedHistoriesError(RuntimeError):
    """A second history (a batch with no parent) would be loaded into a raw schema that
    already holds one: two shops, or two generator worlds, in one warehouse."""


def load_pending_batches(url: str) -> PendingLoad:
    """Validate and load, in order, every landed batch not yet in raw (idempotent).

    Raw holds one history: an initial batch (no parent) is only loaded into an empty raw
    schema; a second one is refused before anything is loaded.
    """
    from warehouse.loader import load_batch, loaded_batches

    ledger = loaded_batches(url)
    loaded = {b["batch_id"] for b in ledger}
    pending = unloaded_batches(landing_dir(), loaded)
    roots = [b["batch_id"] for b in ledger if b["parent_batch_id"] is None]
    roots += [b.batch_id for b in pending if b.parent_batch_id is None]
    if len(roots) > 1:
        raise MixedHistoriesError(
            f"the warehouse would hold {len(roots)} separate histories ({', '.join(roots)}): "
            f"raw holds {', '.join(sorted(loaded)) or 'nothing'} and the landing directory "
            f"{landing_dir()} adds initial batches. Use one warehouse per shop: a fresh "
            "ECOM_HOME (embedded) or ECOM_DATABASE_URL, or remove the other landed batches"
        )
    done: list[str] = []
    rows: dict[str, int] = {}
    for batch in pending:
        result = load_batch(batch.path, url)
        done.append(result.batch_id)
        for table, n in result.tables.items():
            rows[table] = rows.get(table, 0) + n
    return PendingLoad(done, rows)


def raw_row_counts(url: str, tables: list[str]) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        for t in tables:
            query = sql.SQL("select count(*) from raw.{}").format(sql.Identifier(t))
            row = conn.execute(query).fetchone()
            counts[t] = int(row[0]) if row else 0
    return counts


def batches_to_validate(url: str) -> list[LandedBatch]:
    """The landed batches the next load would pick up; the latest one when all are loaded."""
    from warehouse.loader import loaded_batches

    pending = unloaded_batches(
        landing_dir(), {b["batch_id"] for b in loaded_batches(url)}
    )
    if pending:
        return pending
    latest = latest_batch(landing_dir())
    if latest is None:
        raise RuntimeError(
            f"no landed batch in {landing_dir()}; materialize landing first"
        )
    return [latest]
