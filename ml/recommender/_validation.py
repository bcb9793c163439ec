"""Input checks shared by the recommender entry points: clear errors naming what is wrong."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

INTERACTION_COLUMNS = ("user_id", "item_id", "weight")
RATING_COLUMNS = ("user_id", "item_id", "rating")


def check_frame(
    frame: object,
    required: Sequence[str],
    name: str,
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """Check that `frame` is a non-empty DataFrame with the `required` columns and no null ids.

    Extra columns are allowed and ignored; when a required column is missing the error lists the
    columns that were found but not expected, which usually reveals a misnamed column.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame, got {type(frame).__name__}"
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        unknown = [c for c in frame.columns if c not in (*required, *optional)]
        raise ValueError(
            f"{name} is missing required column(s) {missing}; expected columns "
            f"{list(required)} (optional {list(optional)}), unknown column(s) present: {unknown}"
        )
    if frame.empty:
        raise ValueError(f"{name} is empty: at least one row is needed")
    for column in ("user_id", "item_id"):
        nulls = frame[column].isna()
        if nulls.any():
            first = _plain(frame.index[nulls.to_numpy()][0])
            raise ValueError(
                f"{name}.{column} has {int(nulls.sum())} null value(s) (first at index {first!r})"
            )
    return frame


def check_values(
    frame: pd.DataFrame, column: str, name: str, *, allow_negative: bool
) -> None:
    """Check that `frame[column]` is numeric, finite and (unless allowed) non-negative."""
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"{name}.{column} must be numeric, got dtype {values.dtype}")
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(array)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}.{column} has {int(bad.sum())} missing or non-finite value(s) "
            f"(first at index {_plain(frame.index[pos])!r}: {_plain(values.iloc[pos])!r})"
        )
    if not allow_negative:
        negative = array < 0
        if negative.any():
            pos = int(np.flatnonzero(negative)[0])
            raise ValueError(
                f"{name}.{column} has {int(negative.sum())} negative value(s) (first at index "
                f"{_plain(frame.index[pos])!r}: {_plain(values.iloc[pos])!r}); weights must be >= 0"
            )


def check_interactions(
    interactions: object, name: str = "interactions"
) -> pd.DataFrame:
    """Validate an implicit-feedback frame: user_id, item_id, weight (>= 0, finite)."""
    frame = check_frame(
        interactions, INTERACTION_COLUMNS, name, optional=("timestamp",)
    )
    check_values(frame, "weight", name, allow_negative=False)
    return frame


def check_ratings(ratings: object, name: str = "ratings") -> pd.DataFrame:
    """Validate an explicit-feedback frame: user_id, item_id, rating (finite)."""
    frame = check_frame(ratings, RATING_COLUMNS, name)
    check_values(frame, "rating", name, allow_negative=True)
    return frame


def check_k(k: object, name: str = "k") -> int:
    """Return `k` as an int, raising ValueError unless it is a positive integer."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    if k <= 0:
        raise ValueError(f"{name} must be a positive integer, got {k}")
    return int(k)


def _plain(value: object) -> object:
    """numpy scalars as plain Python values, so messages read `1` rather than `np.int64(1)`."""
    return value.item() if isinstance(value, np.generic) else value
