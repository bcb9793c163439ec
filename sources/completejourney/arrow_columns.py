"""Arrow columns in the contract's types: money as exact decimal(14, 2) from integer cents,
timestamps as UTC seconds, dates as date32.

The source's timestamps are naive local times of the stores; the adapter treats them as UTC
(docs/completejourney.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

MONEY = pa.decimal128(14, 2)
TIMESTAMP = pa.timestamp("s", tz="UTC")


def to_cents(dollars: pd.Series) -> np.ndarray:
    """Dollar amounts (floats with at most two decimals) as int64 cents, exactly."""
    return np.round(dollars.to_numpy(dtype=np.float64) * 100).astype(np.int64)


def money(cents: np.ndarray) -> pa.Array:
    """Exact decimal(14, 2) from int64 cents (the 128-bit little-endian words built directly)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((cents.size, 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63
    return pa.Array.from_buffers(MONEY, cents.size, [None, pa.py_buffer(words)])


def timestamps(values: pd.Series) -> pa.Array:
    """Naive datetimes (read as UTC) as timestamp[s, UTC]; NaT becomes NULL."""
    seconds = values.to_numpy(dtype="datetime64[s]")
    mask = np.isnat(seconds)
    return pa.array(seconds.astype(np.int64), pa.int64(), mask=mask).cast(TIMESTAMP)


def dates(values: pd.Series) -> pa.Array:
    """Datetimes as date32 (the day part)."""
    return pa.array(values.to_numpy(dtype="datetime64[D]"), pa.date32())


def ints(values: pd.Series | np.ndarray) -> pa.Array:
    """int64 ids/counts (nullable pandas Int64 keeps its NULLs)."""
    if isinstance(values, pd.Series) and values.dtype == "Int64":
        return pa.array(
            values.to_numpy(dtype=np.int64, na_value=0), mask=values.isna().to_numpy()
        )
    return pa.array(np.asarray(values, dtype=np.int64), pa.int64())
