"""Text formats of the raw contract's types, checked vectorised with pyarrow (RE2 kernels).

"Parses" means what PostgreSQL's COPY will accept into the raw column for the contract's CSV
formats: the pattern, digit limits that fit bigint / numeric(14, 2), and real calendar days
(2024-02-30 matches a naive pattern but is rejected).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
# Patterns per contract type; digit limits keep values inside bigint / numeric(14, 2).
TYPE_PATTERNS: dict[str, str] = {
    "int": r"^-?\d{1,18}$",
    "money": r"^-?\d{1,12}(?:\.\d{1,2})?$",
    "float": r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?$",
    "date": rf"^{_DATE}$",
    "timestamp": rf"^{_DATE}[ T](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?Z$",
}
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def as_arrow_strings(
    values: pd.Series | pa.Array | pa.ChunkedArray,
) -> pa.Array | pa.ChunkedArray:
    """The values as an arrow string array (zero-copy for arrow-backed pandas columns)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values.dtype, pd.ArrowDtype):
        return pa.chunked_array(values.array.__arrow_array__())  # type: ignore[attr-defined]
    return pa.array(values.astype(object).where(values.notna(), None), type=pa.string())


def _real_calendar_days(
    strings: pa.Array | pa.ChunkedArray, matched: np.ndarray
) -> np.ndarray:
    """False where a pattern-matching YYYY-MM-DD prefix names a day its month does not have."""
    safe = pc.if_else(pa.array(matched), strings, "2000-01-01")

    def part(start: int, stop: int) -> np.ndarray:
        return pc.cast(
            pc.utf8_slice_codeunits(safe, start, stop), pa.int32()
        ).to_numpy()

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = _DAYS_IN_MONTH[month - 1] + ((month == 2) & leap)
    return day <= days


def parses_as(
    values: pd.Series | pa.Array | pa.ChunkedArray, contract_type: str
) -> np.ndarray:
    """Boolean mask: which (non-null) values are valid text for `contract_type`."""
    strings = as_arrow_strings(values)
    matched = pc.fill_null(
        pc.match_substring_regex(strings, TYPE_PATTERNS[contract_type]), False
    )
    ok = np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)
    if contract_type in ("date", "timestamp") and ok.any():
        ok &= _real_calendar_days(strings, ok)
    return ok
