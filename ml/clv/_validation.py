"""Input checks shared by the CLV functions: every failure names what is wrong and where."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ValueError naming every column of `columns` missing from `df`."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {missing}; it has {list(df.columns)}"
        )


def require_non_empty(df: pd.DataFrame, what: str) -> None:
    """Raise ValueError when `df` has no rows."""
    if len(df) == 0:
        raise ValueError(f"{what} is empty: at least one row is needed")


def require_positive(**values: float) -> None:
    """Raise ValueError naming every parameter that is not a finite number > 0."""
    bad = {k: v for k, v in values.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ValueError(f"parameters must be finite and > 0, got {bad}")


def as_float_array(values: object, name: str) -> np.ndarray:
    """Return `values` as a 1-d float array, refusing NaN/inf."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_rfm_arrays(
    frequency: object, recency: object, T: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and broadcast (frequency, recency, T) to float arrays of one shape.

    frequency must be a non-negative whole number, recency >= 0 and T >= recency.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    big_t = as_float_array(T, "T")
    x, t_x, big_t = np.broadcast_arrays(x, t_x, big_t)
    if np.any(x < 0) or np.any(x != np.round(x)):
        bad = int(np.sum((x < 0) | (x != np.round(x))))
        raise ValueError(
            f"frequency must be a non-negative whole number ({bad} value(s) are not)"
        )
    if np.any(t_x < 0):
        raise ValueError(
            f"recency must be >= 0 ({int(np.sum(t_x < 0))} value(s) are negative)"
        )
    if np.any(big_t < t_x):
        bad = int(np.sum(big_t < t_x))
        raise ValueError(f"T must be >= recency ({bad} row(s) have T < recency)")
    return x.astype(float), t_x.astype(float), big_t.astype(float)


def rfm_from_summary(
    summary: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extract and validate the frequency, recency and T columns of an RFM summary."""
    require_columns(summary, ["frequency", "recency", "T"], "summary")
    require_non_empty(summary, "summary")
    return check_rfm_arrays(summary["frequency"], summary["recency"], summary["T"])
