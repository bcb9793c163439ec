"""Read a raw CSV as strings (so bad values are findings, not crashes) and parse typed views."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from contracts.raw_tables import Column
from warehouse.raw_validation.types import parses_as


class CsvParseError(ValueError):
    """The file is not well-formed CSV (ragged rows, bad quoting, bad encoding)."""


def read_header(path: Path) -> list[str]:
    """The header row of a CSV file (empty list for an empty file)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh), [])


def read_text_table(path: Path) -> pa.Table:
    """Every column as arrow strings; empty fields become nulls, nothing else is interpreted."""
    try:
        header = read_header(path)
    except UnicodeDecodeError as exc:
        raise CsvParseError(f"{path.name}: header is not UTF-8 ({exc})") from None
    if not header:
        return pa.table({})
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise CsvParseError(f"{path.name}: {exc}") from None


def text_frame(table: pa.Table) -> pd.DataFrame:
    """The strings as a pandas frame backed by the same arrow buffers (no per-value objects)."""
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _parsed(strings: pa.ChunkedArray, column: Column) -> pd.Series:
    """Values of one column parsed to numbers/timestamps; text that does not parse becomes null."""
    valid = pa.array(parses_as(strings, column.type))
    kept = pc.if_else(valid, strings, pa.scalar(None, pa.string()))
    target = pa.timestamp("us", "UTC") if column.type == "timestamp" else pa.float64()
    try:
        return kept.cast(target).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # a form the contract allows but arrow's fast cast does not read: slower pandas parse
        text = kept.to_pandas()
        if column.type == "timestamp":
            return pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        return pd.to_numeric(text, errors="coerce")


def typed_frame(table: pa.Table, columns: list[Column]) -> pd.DataFrame:
    """Parsed numbers (float64) and timestamps (UTC) for `columns`, row-aligned with the text."""
    return pd.DataFrame({c.name: _parsed(table.column(c.name), c) for c in columns})
