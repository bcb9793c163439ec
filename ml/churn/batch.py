"""Batch churn scoring: every active customer at the latest cutoff -> `ml.churn_scores`
(layout: `contracts.ml_outputs.CHURN_SCORES`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from contracts.ml_outputs import CHURN_SCORES
from ml.churn.marts import load_scoring_frame
from ml.churn.predict import (
    CHAMPION_URI,
    DEFAULT_BAND_EDGES,
    churn_probability,
    load_churn_model,
    risk_band,
)
from warehouse.tables import replace_table


@dataclass(frozen=True)
class ResolvedModel:
    uri: str
    name: str
    version: str


def resolve_model(model_uri: str) -> ResolvedModel:
    """Name and version behind `models:/<name>@<alias>` or `models:/<name>/<version>`."""
    from mlflow import MlflowClient

    if not model_uri.startswith("models:/"):
        return ResolvedModel(model_uri, model_uri, "unregistered")
    ref = model_uri.removeprefix("models:/")
    client = MlflowClient()
    if "@" in ref:
        name, alias = ref.split("@", 1)
        version = client.get_model_version_by_alias(name, alias).version
    elif "/" in ref:
        name, version = ref.split("/", 1)
    else:
        raise ValueError(
            f"model URI {model_uri!r} names no version or alias (models:/name@alias or models:/name/N)"
        )
    return ResolvedModel(f"models:/{name}/{version}", name, str(version))


def score_frame(
    frame: pd.DataFrame,
    pipeline,
    model: ResolvedModel,
    *,
    scored_at: dt.datetime | None = None,
    band_edges: tuple[float, float] = DEFAULT_BAND_EDGES,
) -> pd.DataFrame:
    """The `ml.churn_scores` rows for a feature frame."""
    p = churn_probability(pipeline, frame)
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype("int64").to_numpy(),
            "churn_probability": p.astype(float),
            "risk_band": risk_band(p, band_edges),
            "model_name": model.name,
            "model_version": model.version,
            "scored_at": scored_at or dt.datetime.now(dt.UTC),
            "cutoff_date": frame["cutoff_date"].to_numpy(),
        }
    )


def score_customers(
    url: str,
    model_uri: str = CHAMPION_URI,
    *,
    cutoff: object | None = None,
    band_edges: tuple[float, float] = DEFAULT_BAND_EDGES,
    tracking_uri: str | None = None,
) -> int:
    """Score every active customer at `cutoff` (default: the marts' latest) with `model_uri`.

    Replaces `ml.churn_scores` atomically; returns the number of rows written.
    """
    from ml.tracking import configure_tracking

    configure_tracking(tracking_uri)
    model = resolve_model(model_uri)
    pipeline = load_churn_model(model.uri)
    frame = load_scoring_frame(url, cutoff)
    if frame.empty:
        raise ValueError(
            "no active customers to score (no customer has ordered by the cutoff)"
        )
    scores = score_frame(frame, pipeline, model, band_edges=band_edges)
    return replace_table(url, CHURN_SCORES, scores)
