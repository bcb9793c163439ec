"""A batch's table files, CSV or Parquet: their columns, and their rows as a CSV stream for COPY.

CSV files stream as they are (the header line included). Parquet files are converted batch by
batch with pyarrow into the same CSV shape (a header line, then the rows), so one COPY path and
one set of line numbers serve both formats: line 1 is the header, line N is data row N - 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

CHUNK_BYTES = 1 << 20
PARQUET_BATCH_ROWS = 65_536


class FileFormatError(ValueError):
    """A table file cannot be read as its format says (empty, no header, not Parquet, ...)."""


def _format(path: Path) -> str:
    return "parquet" if path.suffix.lower() == ".parquet" else "csv"


def file_columns(path: Path) -> list[str]:
    """The column names of a CSV header line or of a Parquet schema, in file order."""
    path = Path(path)
    if _format(path) == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several types for broken files
            raise FileFormatError(
                f"{path.name}: not a readable Parquet file ({exc})"
            ) from None
    with path.open("rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise FileFormatError(f"{path.name}: empty file, no header line")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"{path.name}, line 1: the header is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    return next(csv.reader([text]))


def csv_stream(path: Path) -> Iterator[bytes]:
    """The file's rows as CSV bytes with a header line (chunks of about 1 MiB)."""
    path = Path(path)
    if _format(path) == "csv":
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                yield chunk
        return
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    header = True
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        buffer = io.BytesIO()
        pacsv.write_csv(
            batch,
            buffer,
            write_options=pacsv.WriteOptions(include_header=header),
        )
        header = False
        yield buffer.getvalue()
    if header:  # no row group at all: still a header line
        yield (",".join(parquet.schema_arrow.names) + "\n").encode()
