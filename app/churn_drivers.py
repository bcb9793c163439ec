"""The churn model's own feature importance, from the MLflow run behind a registered version.

The churn trainer logs `evaluation/feature_importance.csv` (XGBoost gain) with every run; this
reads it for the model version named in `ml.churn_scores`. Any failure (no tracking store,
unknown version, artifact missing) returns None with the reason, so the page can fall back to
the warehouse-side feature association.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

ARTIFACT = "evaluation/feature_importance.csv"


@st.cache_data(ttl=3600, show_spinner="Reading feature importance from MLflow…")
def model_importance(
    model_name: str, model_version: str
) -> tuple[pd.DataFrame | None, str]:
    """(importance frame or None, where it came from / why it is missing)."""
    from pathlib import Path

    from ml.tracking import resolve_tracking

    config = resolve_tracking(None)
    if config.tracking_uri.startswith("sqlite:///"):
        store = Path(config.tracking_uri.removeprefix("sqlite:///"))
        if not store.is_file():
            return (
                None,
                f"no MLflow tracking store at {store} (train the churn model first)",
            )
    try:
        import mlflow
        from mlflow import MlflowClient

        mlflow.set_tracking_uri(config.tracking_uri)
        mlflow.set_registry_uri(config.tracking_uri)
        version = MlflowClient().get_model_version(model_name, model_version)
        path = mlflow.artifacts.download_artifacts(
            run_id=version.run_id, artifact_path=ARTIFACT
        )
        frame = pd.read_csv(path)
    except Exception as exc:  # any MLflow failure means "not available"
        reason = (
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )
        return None, f"model importance unavailable from MLflow: {reason[:200]}"
    source = f"MLflow run {version.run_id} of {model_name} v{model_version} ({config.tracking_uri})"
    return frame, source
