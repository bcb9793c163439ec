"""Conditional average treatment effects by segment with EconML's double machine learning."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from threadpoolctl import threadpool_limits

from ml.causal._validation import (
    binary_column,
    covariate_matrix,
    numeric_column,
    require_frame,
)


def _default_models(random_state: int) -> tuple[BaseEstimator, BaseEstimator]:
    options = {
        "max_iter": 100,
        "max_depth": 3,
        "learning_rate": 0.1,
        "random_state": random_state,
    }
    return HistGradientBoostingRegressor(**options), HistGradientBoostingClassifier(
        **options
    )


def cate_by_segment(
    df: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: list[str],
    segment: str,
    method: Literal["dml", "forest"] = "dml",
    model_y: BaseEstimator | None = None,
    model_t: BaseEstimator | None = None,
    cv: int = 3,
    random_state: int = 0,
) -> pd.DataFrame:
    """Average effect of a binary treatment within each segment, with 95% intervals.

    "dml" fits LinearDML with the segment dummies as effect modifiers (X) and the covariates
    as controls (W): one effect per segment, with analytic intervals. "forest" fits
    CausalForestDML on covariates + segment dummies and averages its per-row effects within
    each segment (intervals for that mean from the forest's inference). Nuisance models
    default to small gradient boosting models (one OpenMP thread: fast on shared machines).

    Returns:
        DataFrame indexed by segment value with estimate, ci_low, ci_high and n.
    """
    from econml.dml import CausalForestDML, LinearDML  # heavy import, only when used

    if method not in ("dml", "forest"):
        raise ValueError(f"method must be 'dml' or 'forest', got {method!r}")
    if segment in covariates:
        raise ValueError(f"segment {segment!r} must not also be listed in covariates")
    require_frame(df, [treatment, outcome, segment, *covariates])
    t = binary_column(df, treatment)
    y = numeric_column(df, outcome)
    W = covariate_matrix(df, list(covariates)).to_numpy(dtype=float)
    levels = sorted(df[segment].unique(), key=str)
    if len(levels) < 2:
        raise ValueError(
            f"segment column {segment!r} has a single value: nothing to compare"
        )
    labels = df[segment].to_numpy()
    dummies = np.column_stack([labels == level for level in levels]).astype(float)
    for level in levels:
        cells = t[labels == level]
        if cells.min() == cells.max():
            raise ValueError(f"segment {level!r} has only treated or only control rows")
    default_y, default_t = _default_models(random_state)
    nuisance = {
        "model_y": model_y or default_y,
        "model_t": model_t or default_t,
        "discrete_treatment": True,
        "cv": cv,
        "random_state": random_state,
    }
    rows = []
    with threadpool_limits(limits=1, user_api="openmp"):
        if method == "dml":
            est = LinearDML(**nuisance)
            X = dummies[:, 1:]  # first level is the baseline (the CATE intercept)
            est.fit(y, t, X=X, W=W)
            # Row i of this matrix is segment i's X: zeros for the baseline, else one dummy.
            segment_rows = np.vstack(
                [np.zeros(len(levels) - 1), np.eye(len(levels) - 1)]
            )
            for i, level in enumerate(levels):
                x_row = segment_rows[[i]]
                low, high = est.effect_interval(x_row, alpha=0.05)
                rows.append(
                    (level, float(est.effect(x_row)[0]), float(low[0]), float(high[0]))
                )
        else:
            est = CausalForestDML(**nuisance, n_estimators=100, n_jobs=1)
            X = np.column_stack([W, dummies])
            est.fit(y, t, X=X)
            for level in levels:
                members = X[labels == level]
                low, high = est.ate_interval(members, alpha=0.05)
                rows.append((level, float(est.ate(members)), float(low), float(high)))
    result = pd.DataFrame(rows, columns=[segment, "estimate", "ci_low", "ci_high"])
    result["n"] = [int(np.sum(labels == level)) for level in levels]
    return result.set_index(segment)
