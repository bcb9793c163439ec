"""Propensity score models: P(treated | covariates)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

PropensityModel = Literal["logistic", "gbm"]

#: Scores are clipped to [EPS, 1 - EPS] so that their logit is finite.
EPS = 1e-6


def fit_propensity(
    X: pd.DataFrame,
    treated: np.ndarray,
    model: PropensityModel = "logistic",
    random_state: int = 0,
) -> np.ndarray:
    """Propensity scores from a logistic regression or gradient boosting.

    "logistic" is an (almost) unpenalised logistic regression on standardised covariates,
    scored in sample. "gbm" is sklearn's HistGradientBoostingClassifier with shallow trees,
    scored out of fold (5-fold cross-fitting) because in-sample boosted scores overfit the
    treatment and then matching pairs units on noise. Boosting runs on one OpenMP thread:
    on shared small machines multi-threading these small fits is many times slower.
    """
    if model == "logistic":
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=1e6, max_iter=2000))
    elif model == "gbm":
        clf = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_depth=3,
            min_samples_leaf=40,
            random_state=random_state,
        )
    else:
        raise ValueError(f"propensity_model must be 'logistic' or 'gbm', got {model!r}")
    features = X.to_numpy(dtype=float)
    if model == "logistic":
        scores = clf.fit(features, treated).predict_proba(features)[:, 1]
    else:
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=random_state)
        with threadpool_limits(limits=1, user_api="openmp"):
            scores = cross_val_predict(
                clf, features, treated, cv=folds, method="predict_proba"
            )
        scores = scores[:, 1]
    return np.clip(scores, EPS, 1 - EPS)


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p))."""
    return np.log(p) - np.log1p(-p)
