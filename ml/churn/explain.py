"""Explanations of a fitted churn pipeline: XGBoost gain importance and a SHAP summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline


def _parts(pipeline: Pipeline):
    try:
        return pipeline.named_steps["preprocess"], pipeline.named_steps["model"]
    except KeyError:
        raise ValueError(
            f"expected a pipeline with 'preprocess' and 'model' steps, got {list(pipeline.named_steps)}"
        ) from None


def feature_importance(pipeline: Pipeline) -> pd.DataFrame:
    """Gain importance per preprocessed feature, highest first (all features, zero if unused)."""
    _, model = _parts(pipeline)
    booster = model.get_booster()
    gain = booster.get_score(importance_type="gain")
    names = list(booster.feature_names or [])
    frame = pd.DataFrame(
        {"feature": names, "gain": [float(gain.get(n, 0.0)) for n in names]}
    )
    total = frame["gain"].sum()
    frame["share"] = frame["gain"] / total if total > 0 else 0.0
    return frame.sort_values("gain", ascending=False, ignore_index=True)


def save_importance_plot(importance: pd.DataFrame, path: Path, top: int = 20) -> Path:
    """Horizontal bar chart of the `top` features by gain."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    head = importance.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(head) + 1.5))
    ax.barh(head["feature"], head["share"])
    ax.set(xlabel="share of total gain", title="churn model: feature importance")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def save_shap_summary(
    pipeline: Pipeline,
    inputs: pd.DataFrame,
    path: Path,
    sample_size: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """SHAP (TreeExplainer) summary plot on a sample of `inputs`; returns mean |SHAP| per feature."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shap

    preprocess, model = _parts(pipeline)
    sample = inputs.sample(min(sample_size, len(inputs)), random_state=seed)
    transformed = preprocess.transform(sample)
    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(transformed))
    if values.ndim == 3:  # (classes, rows, features) from some shap/xgboost versions
        values = values[-1]
    shap.summary_plot(values, transformed, show=False, max_display=20)
    fig = plt.gcf()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    mean_abs = np.abs(values).mean(axis=0)
    return pd.DataFrame(
        {"feature": list(transformed.columns), "mean_abs_shap": mean_abs}
    ).sort_values("mean_abs_shap", ascending=False, ignore_index=True)
