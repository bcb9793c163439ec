"""The batch manifest: one `manifest.json` per batch, written by every source, read by the loader.

A batch is a directory holding one file per table and this manifest (see
docs/data-contract.md). This module is the only implementation of its format: sources write it
with `table_entry` + `write_manifest`, the loader and raw validation parse it with
`read_manifest`, which names the file and key of whatever is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.raw_tables import TABLES_BY_NAME, get_table

MANIFEST_FILE = "manifest.json"
#: File formats a batch may hold, by suffix.
FORMATS = {".csv": "csv", ".parquet": "parquet"}
_CHUNK_BYTES = 1 << 22


class ManifestError(ValueError):
    """manifest.json is missing, unreadable or does not follow the data contract."""


@dataclass(frozen=True)
class TableEntry:
    """One table's entry in the manifest."""

    name: str
    file: str
    rows: int
    sha256: str
    columns: tuple[str, ...]

    @property
    def format(self) -> str:
        """ "csv" or "parquet" (from the file's suffix)."""
        return FORMATS[Path(self.file).suffix.lower()]


@dataclass(frozen=True)
class BatchManifest:
    """A parsed manifest.json plus the sha256 of its bytes."""

    batch_dir: Path
    batch_id: str
    parent_batch_id: str | None
    window_start: str | None
    window_end: str
    tables: dict[str, TableEntry]
    sha256: str
    raw: dict[str, Any] = field(repr=False)

    def path(self, table: str) -> Path:
        """The CSV file of `table` inside the batch directory."""
        return self.batch_dir / self.tables[table].file

    @property
    def faults(self) -> list[dict[str, Any]]:
        return list(self.raw.get("faults") or [])

    @property
    def future_bound(self) -> datetime:
        """Exclusive upper bound for event timestamps: the end of the manifest's window_end day.

        A bare date means the whole day is in the window; a full timestamp is used as given
        (plus one microsecond, so it stays inclusive).
        """
        return _window_end_bound(self.window_end)


def _window_end_bound(value: str) -> datetime:
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                days=1
            )
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ManifestError(
            f"manifest window_end {value!r} is not an ISO date or timestamp"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment + timedelta(microseconds=1)


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping or mapping[key] in (None, ""):
        raise ManifestError(f"{where}: required key {key!r} is missing")
    return mapping[key]


def _table_entry(name: str, entry: Any, where: str) -> TableEntry:
    if name not in TABLES_BY_NAME:
        known = ", ".join(TABLES_BY_NAME)
        raise ManifestError(
            f"{where}: table {name!r} is not in the raw contract (known: {known})"
        )
    if not isinstance(entry, dict):
        raise ManifestError(
            f"{where}: tables.{name} must be an object, got {type(entry).__name__}"
        )
    here = f"{where}: tables.{name}"
    columns = _require(entry, "columns", here)
    if not isinstance(columns, list):
        raise ManifestError(f"{here}.columns must be a list")
    names = tuple(c["name"] if isinstance(c, dict) else str(c) for c in columns)
    rows = _require(entry, "rows", here)
    if not isinstance(rows, int) or rows < 0:
        raise ManifestError(f"{here}.rows must be a non-negative integer, got {rows!r}")
    file = str(_require(entry, "file", here))
    if Path(file).name != file:
        raise ManifestError(
            f"{here}.file must be a bare file name inside the batch, got {file!r}"
        )
    if Path(file).suffix.lower() not in FORMATS:
        raise ManifestError(
            f"{here}.file {file!r} is neither CSV nor Parquet (suffix .csv or .parquet)"
        )
    return TableEntry(
        name, file, rows, str(_require(entry, "sha256", here)).lower(), names
    )


def read_manifest(batch_dir: Path) -> BatchManifest:
    """Parse `batch_dir/manifest.json`; raise ManifestError naming what is wrong."""
    batch_dir = Path(batch_dir)
    path = batch_dir / MANIFEST_FILE
    if not batch_dir.is_dir():
        raise ManifestError(f"batch directory {batch_dir} does not exist")
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing: not a batch directory") from None
    try:
        raw = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{path} must hold a JSON object")
    where = str(path)
    tables = _require(raw, "tables", where)
    if not isinstance(tables, dict) or not tables:
        raise ManifestError(f"{where}: 'tables' must be a non-empty object")
    window_end = str(_require(raw, "window_end", where))
    manifest = BatchManifest(
        batch_dir=batch_dir,
        batch_id=str(_require(raw, "batch_id", where)),
        parent_batch_id=raw.get("parent_batch_id"),
        window_start=raw.get("window_start"),
        window_end=window_end,
        tables={
            name: _table_entry(name, entry, where) for name, entry in tables.items()
        },
        sha256=hashlib.sha256(payload).hexdigest(),
        raw=raw,
    )
    _window_end_bound(window_end)  # fail early on a malformed window_end
    return manifest


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 4 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def table_entry(
    name: str,
    rows: int,
    sha256: str,
    file: str | None = None,
    columns: list[str] | None = None,
) -> dict:
    """The manifest entry of one table file: file name, rows, sha256 and its columns (in file
    order; default: every column of the contract table)."""
    table = get_table(name)
    names = list(columns) if columns is not None else table.column_names
    return {
        "file": file or f"{name}.csv",
        "rows": rows,
        "sha256": sha256,
        "columns": [
            {
                "name": c,
                "type": table.column(c).type if c in table.column_names else None,
            }
            for c in names  # a column outside the contract is listed as it is (untyped)
        ],
    }


def write_manifest(out_dir: Path, manifest: dict) -> None:
    """Write `manifest` as `out_dir/manifest.json` (indented, keys in the given order)."""
    (Path(out_dir) / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n"
    )
