"""Write a batch's tables as CSV (pyarrow) and its truth files."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from contracts.manifest import sha256_file, table_entry

TRUTH_DIR = "ground_truth"
TRUTH_FILE = "ground_truth.json"


def write_csv(path: Path, table: pa.Table) -> None:
    """Unquoted CSV when no value needs quoting (the common case), else RFC 4180 quoting."""
    try:
        pacsv.write_csv(
            table,
            path,
            write_options=pacsv.WriteOptions(batch_size=65_536, quoting_style="none"),
        )
    except pa.ArrowInvalid:
        pacsv.write_csv(
            table,
            path,
            write_options=pacsv.WriteOptions(batch_size=65_536, quoting_style="needed"),
        )


def _write_one(out_dir: Path, name: str, table: pa.Table) -> dict:
    path = out_dir / f"{name}.csv"
    write_csv(path, table)
    return table_entry(
        name, table.num_rows, sha256_file(path), columns=table.column_names
    )


def write_tables(
    out_dir: Path, tables: dict[str, pa.Table], workers: int = 2
) -> dict[str, dict]:
    """Write each table to <name>.csv (in parallel threads); returns manifest table entries."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            name: pool.submit(_write_one, out_dir, name, table)
            for name, table in tables.items()
        }
        return {name: f.result() for name, f in futures.items()}


def write_truth(out_dir: Path, summary: dict, frames: dict[str, pd.DataFrame]) -> None:
    tdir = out_dir / TRUTH_DIR
    tdir.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        pq.write_table(
            pa.Table.from_pandas(df, preserve_index=False),
            tdir / f"{name}.parquet",
            compression="zstd",
        )
    (out_dir / TRUTH_FILE).write_text(
        json.dumps(summary, indent=2, default=_json_default) + "\n"
    )


def _json_default(o: object) -> object:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)
