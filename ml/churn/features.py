"""Which mart columns the churn model uses, how they are typed, and their preprocessing.

The feature mart (`ml_features.ml_customer_features`) is the only input; this module decides
which of its columns are model inputs. Identifiers, dates and anything named like personal
data are never inputs (the invariance tests rely on it), and recency features carry a
monotone "more days since -> never less churn risk" constraint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from contracts.raw_tables import TABLES

#: Keys and bookkeeping columns of the feature/label marts: never model inputs.
ID_COLUMNS: tuple[str, ...] = (
    "customer_key",
    "customer_id",
    "cutoff_date",
    "cutoff_at",
)
LABEL_COLUMN = "is_churned"
#: Label-mart columns that describe the future: never model inputs.
LABEL_COLUMNS: tuple[str, ...] = (
    LABEL_COLUMN,
    "horizon_end_date",
    "churn_horizon_days",
    "purchase_count_in_horizon",
    "purchase_value_in_horizon",
    "next_purchase_date",
)
#: Personal data in the raw contract (email, names, phone, address, birth date).
PII_COLUMNS: frozenset[str] = frozenset(
    c.name for t in TABLES for c in t.columns if c.pii
)
#: Features where a larger value must never lower churn risk (XGBoost monotone +1).
INCREASING_RISK_FEATURES: tuple[str, ...] = (
    "days_since_last_order",
    "days_since_last_session",
)
NUMERIC_PREFIX = "num__"
CATEGORICAL_PREFIX = "cat__"


@dataclass(frozen=True)
class FeatureSpec:
    """The model's input columns, split by how they are preprocessed."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    @property
    def increasing(self) -> tuple[str, ...]:
        return tuple(c for c in self.numeric if c in INCREASING_RISK_FEATURES)

    def monotone_constraints(self) -> dict[str, int]:
        """XGBoost constraints keyed by the preprocessed column names."""
        return {NUMERIC_PREFIX + c: 1 for c in self.increasing}


def infer_feature_spec(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> FeatureSpec:
    """Model inputs of a feature-mart frame: every column but ids, labels, dates and PII.

    Numbers and booleans are numeric; text columns are categorical.
    """
    skip = set(ID_COLUMNS) | set(LABEL_COLUMNS) | set(exclude)
    numeric: list[str] = []
    categorical: list[str] = []
    for name in frame.columns:
        if name in skip or name in PII_COLUMNS:
            continue
        dtype = frame[name].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            numeric.append(name)
        elif pd.api.types.is_datetime64_any_dtype(dtype) or _holds_dates(frame[name]):
            continue  # absolute dates do not transfer across cutoffs; recency features do
        else:
            categorical.append(name)
    if not numeric and not categorical:
        raise ValueError(
            f"no feature columns left in a frame with columns {list(frame.columns)}"
        )
    return FeatureSpec(tuple(numeric), tuple(categorical))


def _holds_dates(column: pd.Series) -> bool:
    sample = column.dropna().head(20)
    return not sample.empty and all(
        hasattr(v, "year") and hasattr(v, "month") for v in sample
    )


def model_inputs(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The spec's columns with model dtypes: numerics float64, categoricals str (NaN missing)."""
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"feature frame lacks the model's input column(s) {missing}; "
            f"it has {list(frame.columns)}"
        )
    out = pd.DataFrame(index=frame.index)
    for name in spec.numeric:
        out[name] = pd.to_numeric(frame[name], errors="raise").astype(np.float64)
    for name in spec.categorical:
        values = frame[name].astype(object)
        out[name] = values.where(values.isna(), values.astype(str)).where(
            values.notna(), np.nan
        )
    return out


def build_tree_preprocessor(spec: FeatureSpec) -> ColumnTransformer:
    """Numerics pass through (XGBoost handles missing values); categoricals one-hot."""
    return _column_transformer(spec, numeric="passthrough")


def build_linear_preprocessor(spec: FeatureSpec) -> ColumnTransformer:
    """Median-impute (with indicators), standardise numerics; one-hot categoricals."""
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
        ]
    )
    return _column_transformer(spec, numeric=numeric)


def _column_transformer(
    spec: FeatureSpec, numeric: Pipeline | str
) -> ColumnTransformer:
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
            (
                "onehot",
                OneHotEncoder(
                    handle_unknown="ignore", min_frequency=5, sparse_output=False
                ),
            ),
        ]
    )
    transformers: list[tuple[str, Pipeline | str, Sequence[str]]] = []
    if spec.numeric:
        transformers.append(("num", numeric, list(spec.numeric)))
    if spec.categorical:
        transformers.append(("cat", categorical, list(spec.categorical)))
    transformer = ColumnTransformer(transformers, remainder="drop")
    return transformer.set_output(transform="pandas")
