"""Churn probabilities from a pipeline or a registered model, and their risk bands."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ml.churn.features import model_inputs
from ml.churn.model import spec_of

MODEL_NAME = "ecom-churn"
CHAMPION_URI = f"models:/{MODEL_NAME}@champion"
#: Upper bounds of the low and medium bands; >= the last is "high".
DEFAULT_BAND_EDGES: tuple[float, float] = (0.4, 0.7)
BAND_NAMES: tuple[str, str, str] = ("low", "medium", "high")


def load_churn_model(model_uri: str = CHAMPION_URI) -> Pipeline:
    """The scikit-learn pipeline behind a model URI (`models:/ecom-churn@champion`, `runs:/...`)."""
    import mlflow

    return mlflow.sklearn.load_model(model_uri)


def churn_probability(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """P(churn) per row of a feature frame; columns the model does not use are ignored."""
    inputs = model_inputs(frame, spec_of(pipeline))
    return pipeline.predict_proba(inputs)[:, 1]


def risk_band(
    probability: Sequence[float] | np.ndarray,
    edges: tuple[float, float] = DEFAULT_BAND_EDGES,
) -> np.ndarray:
    """ "low" / "medium" / "high" by the band edges (low < edges[0] <= medium < edges[1] <= high)."""
    low, high = edges
    if not 0 < low < high < 1:
        raise ValueError(f"band edges must satisfy 0 < low < high < 1, got {edges}")
    p = np.asarray(probability, dtype=float)
    return np.asarray(BAND_NAMES, dtype=object)[np.digitize(p, [low, high])]
