"""Input checks shared by the causal estimators: every failure names what is wrong and where."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def require_frame(df: object, columns: Iterable[str], what: str = "df") -> None:
    """Raise ValueError unless `df` is a non-empty DataFrame holding every column named."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    columns = list(columns)
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {missing}; it has {list(df.columns)}"
        )
    if len(df) == 0:
        raise ValueError(f"{what} is empty: at least one row is needed")
    nulls = {c: int(df[c].isna().sum()) for c in dict.fromkeys(columns)}
    nulls = {c: n for c, n in nulls.items() if n}
    if nulls:
        raise ValueError(
            f"{what} has null values in {nulls}; drop or impute them first"
        )


def binary_column(df: pd.DataFrame, column: str) -> np.ndarray:
    """Return column as a 0/1 int array; raise unless it holds exactly the values {0, 1}."""
    values = df[column]
    if pd.api.types.is_bool_dtype(values):
        out = values.to_numpy(dtype=np.int64)
    else:
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.isna().any() or not set(np.unique(numeric)).issubset({0, 1}):
            shown = sorted(map(str, pd.unique(values)))[:5]
            raise ValueError(
                f"column {column!r} must be binary (0/1 or bool), found {shown}"
            )
        out = numeric.to_numpy(dtype=np.int64)
    if len(np.unique(out)) < 2:
        raise ValueError(f"column {column!r} has no variation: every row is {out[0]}")
    return out


def numeric_column(df: pd.DataFrame, column: str) -> np.ndarray:
    """Return column as a float array; raise if it is not numeric or has non-finite values."""
    values = df[column]
    if not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    ):
        raise ValueError(
            f"column {column!r} must be numeric, it has dtype {values.dtype}"
        )
    out = values.to_numpy(dtype=float)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"column {column!r} has infinite values")
    return out


def covariate_matrix(df: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric design of the covariates: numbers/bools kept, categories one-hot encoded."""
    if not covariates:
        raise ValueError("covariates must name at least one column")
    parts = []
    for col in covariates:
        values = df[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            parts.append(pd.DataFrame({col: numeric_column(df, col)}, index=df.index))
        else:
            dummies = pd.get_dummies(
                values.astype(str), prefix=col, prefix_sep="=", dtype=float
            )
            parts.append(dummies)
    return pd.concat(parts, axis=1)
