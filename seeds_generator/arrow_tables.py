"""Convert internal column arrays to Arrow tables in the contract's column order and types.

Timestamps are written as preformatted `YYYY-MM-DD HH:MM:SSZ` strings (pyarrow's own timestamp
formatting measured ~5x slower). Internal conventions: ids/ints int64 (0 = NULL for nullable int columns), timestamps int64
epoch seconds (-1 = NULL), money int64 cents, dates datetime64[D], text object arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from contracts.raw_tables import TABLES, Table, get_table

MONEY_TYPE = pa.decimal128(14, 2)


class Codes:
    """A text column held as integer codes into a small label list (fast to build and convert)."""

    def __init__(self, labels, codes: np.ndarray):
        self.labels = list(labels)
        self.codes = np.asarray(codes, dtype=np.int64)

    def __len__(self) -> int:
        return self.codes.size

    def to_numpy(self) -> np.ndarray:
        return np.array(self.labels, dtype=object)[self.codes]

    def __getitem__(self, idx: np.ndarray) -> Codes:
        return Codes(self.labels, self.codes[idx])


def money_array(cents: np.ndarray) -> pa.Array:
    """Exact decimal(14,2) from integer cents (builds the 128-bit little-endian words directly)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((cents.size, 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63
    return pa.Array.from_buffers(MONEY_TYPE, cents.size, [None, pa.py_buffer(words)])


ColumnData = np.ndarray | Codes
TableData = Mapping[str, ColumnData]


def _text_table(texts: list[str], width: int) -> np.ndarray:
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(
        len(texts), width
    )


_TIME_TABLE: np.ndarray | None = None
_TS_DTYPE = np.dtype([("date", "V10"), ("space", "S1"), ("time", "V8"), ("z", "S1")])


def _time_table() -> np.ndarray:
    global _TIME_TABLE  # a lazily built constant (86,400 x 8 bytes), not state
    if _TIME_TABLE is None:
        _TIME_TABLE = _text_table(
            [
                f"{h:02d}:{m:02d}:{x:02d}"
                for h in range(24)
                for m in range(60)
                for x in range(60)
            ],
            8,
        )
    return _TIME_TABLE


def timestamp_strings(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """`YYYY-MM-DD HH:MM:SSZ` strings from epoch seconds via lookup tables (fast, exact)."""
    s = np.asarray(seconds, dtype=np.int64)
    n = s.size
    if null is not None and null.any():
        s = np.where(null, s[~null][0] if (~null).any() else 0, s)
    day = s // 86_400
    d0 = int(day.min()) if n else 0
    span = int(day.max()) - d0 + 1 if n else 1
    dates = np.arange(d0, d0 + span).astype("datetime64[D]").astype(str).tolist()
    rec = np.empty(n, dtype=_TS_DTYPE)
    rec["date"] = _text_table(dates, 10).view("V10").ravel()[day - d0]
    rec["space"] = b" "
    rec["time"] = _time_table().view("V8").ravel()[s - day * 86_400]
    rec["z"] = b"Z"
    buf = rec.view(np.uint8)
    offsets = np.arange(0, 20 * n + 1, 20, dtype=np.int32)
    validity = None
    if null is not None and null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
    return pa.Array.from_buffers(
        pa.string(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(buf)]
    )


def _column(table: Table, name: str, values: ColumnData) -> pa.Array:
    col = table.column(name)
    if isinstance(values, Codes):
        return pa.array(values.labels, type=pa.string()).take(pa.array(values.codes))
    if col.type == "money":
        return money_array(values)
    if col.type == "timestamp":
        v = np.asarray(values, dtype=np.int64)
        return timestamp_strings(v, (v < 0) if col.nullable else None)
    if col.type == "int":
        v = np.asarray(values, dtype=np.int64)
        return pa.array(v, type=pa.int64(), mask=(v <= 0) if col.nullable else None)
    if col.type == "float":
        return pa.array(np.asarray(values, dtype=np.float64), type=pa.float64())
    if col.type == "bool":
        return pa.array(np.asarray(values, dtype=bool), type=pa.bool_())
    if col.type == "date":
        return pa.array(np.asarray(values, dtype="datetime64[D]"), type=pa.date32())
    return pa.array(values, type=pa.string())


#: Optional contract tables and columns the generator does not simulate (a source writes only
#: what it has: absent optional tables are left out, absent optional columns are not written).
NOT_GENERATED_TABLES = frozenset({"stores"})
NOT_GENERATED_COLUMNS: dict[str, frozenset[str]] = {
    "customers": frozenset(
        {"age_band", "income_band", "household_size", "household_composition"}
    ),
    "orders": frozenset({"store_id"}),
    "campaign_exposures": frozenset({"redeemed_at"}),
}


#: The contract tables the generator writes, in contract order.
GENERATED_TABLES = tuple(t for t in TABLES if t.name not in NOT_GENERATED_TABLES)


def generated_columns(name: str) -> list[str]:
    """The contract columns of table `name` the generator writes, in contract order."""
    skip = NOT_GENERATED_COLUMNS.get(name, frozenset())
    return [c for c in get_table(name).column_names if c not in skip]


def to_arrow(name: str, columns: TableData | None) -> pa.Table:
    """The contract table `name` from internal columns (None or empty -> header-only table)."""
    table = get_table(name)
    names = generated_columns(name)
    if not columns:
        return pa.table(
            {c: pa.array([], type=_arrow_type(table.column(c).type)) for c in names}
        )
    missing = [c for c in names if c not in columns]
    if missing:
        raise ValueError(f"table {name!r}: generator produced no column(s) {missing}")
    return pa.table({c: _column(table, c, columns[c]) for c in names})


def _arrow_type(t: str) -> pa.DataType:
    return {
        "int": pa.int64(),
        "text": pa.string(),
        "money": MONEY_TYPE,
        "float": pa.float64(),
        "date": pa.date32(),
        "timestamp": pa.string(),
        "bool": pa.bool_(),
    }[t]
