"""The churn model and its baseline as scikit-learn Pipelines over the feature-mart columns.

Both pipelines have two steps, `preprocess` (a ColumnTransformer) and `model`, and take the
raw feature frame: `model_inputs` casts it, the pipeline does the rest. The XGBoost model
carries monotone constraints on recency features (see `features.INCREASING_RISK_FEATURES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from xgboost import XGBClassifier

from ml.churn.features import (
    LABEL_COLUMN,
    FeatureSpec,
    build_linear_preprocessor,
    build_tree_preprocessor,
    model_inputs,
)

N_JOBS = 2
DEFAULT_XGB_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "max_depth": 4,
    "learning_rate": 0.05,
    "min_child_weight": 5.0,
    "subsample": 0.9,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "gamma": 0.0,
}


def xgb_classifier(
    spec: FeatureSpec, params: Mapping[str, Any] | None = None, seed: int = 0, **extra
) -> XGBClassifier:
    """An XGBClassifier with the project's fixed settings and `params` over the defaults."""
    settings = {**DEFAULT_XGB_PARAMS, **(params or {})}
    return XGBClassifier(
        **settings,
        objective="binary:logistic",
        tree_method="hist",
        n_jobs=N_JOBS,
        random_state=seed,
        monotone_constraints=spec.monotone_constraints() or None,
        **extra,
    )


def build_churn_pipeline(
    spec: FeatureSpec, params: Mapping[str, Any] | None = None, seed: int = 0
) -> Pipeline:
    """Preprocessing + XGBoost."""
    return Pipeline(
        [
            ("preprocess", build_tree_preprocessor(spec)),
            ("model", xgb_classifier(spec, params, seed)),
        ]
    )


#: The baseline's inputs: recency, frequency and tenure (the RFM view of churn).
BASELINE_FEATURES: tuple[str, ...] = (
    "days_since_last_order",
    "order_count",
    "order_count_90d",
    "tenure_days",
)


def baseline_spec(spec: FeatureSpec) -> FeatureSpec:
    """The recency/frequency columns of `spec` (all of it when none of them are present)."""
    numeric = tuple(c for c in BASELINE_FEATURES if c in spec.numeric)
    return FeatureSpec(numeric, ()) if numeric else spec


def build_baseline_pipeline(spec: FeatureSpec, seed: int = 0) -> Pipeline:
    """The baseline: logistic regression on recency/frequency (impute, scale)."""
    return Pipeline(
        [
            ("preprocess", build_linear_preprocessor(baseline_spec(spec))),
            ("model", LogisticRegression(max_iter=2000, random_state=seed)),
        ]
    )


def labels(frame: pd.DataFrame) -> np.ndarray:
    """The churn label as 0/1."""
    if LABEL_COLUMN not in frame:
        raise KeyError(f"frame has no label column {LABEL_COLUMN!r}")
    values = frame[LABEL_COLUMN]
    if values.isna().any():
        raise ValueError(
            f"label column {LABEL_COLUMN!r} has {int(values.isna().sum())} nulls"
        )
    return values.astype(bool).astype(int).to_numpy()


def fit(pipeline: Pipeline, frame: pd.DataFrame, spec: FeatureSpec) -> Pipeline:
    """Fit on a labelled feature frame."""
    y = labels(frame)
    if len(np.unique(y)) < 2:
        raise ValueError(
            "the training frame holds only one class; cannot fit a classifier"
        )
    return pipeline.fit(model_inputs(frame, spec), y)


def spec_of(pipeline: Pipeline) -> FeatureSpec:
    """The FeatureSpec a fitted or unfitted pipeline was built for (read from its transformer)."""
    transformer = pipeline.named_steps["preprocess"]
    columns = {name: tuple(cols) for name, _, cols in transformer.transformers}
    return FeatureSpec(columns.get("num", ()), columns.get("cat", ()))
