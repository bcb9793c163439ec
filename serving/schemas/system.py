"""Bodies of the health, readiness, model listing and admin routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadinessCheck(BaseModel):
    name: str = Field(examples=["churn_model"])
    ok: bool
    detail: str | None = Field(default=None, examples=["ecom-churn version 3"])


class ReadinessResponse(BaseModel):
    status: Literal["ready", "not ready"]
    checks: list[ReadinessCheck]


class RegistryVersion(BaseModel):
    version: str = Field(examples=["3"])
    aliases: list[str] = Field(examples=[["champion"]])


class ModelRefusal(BaseModel):
    """A version the alias points at that the service refused; the previous one serves."""

    version: str = Field(examples=["4"])
    reason: Literal["unloadable", "incompatible"] = Field(
        description="unloadable: the artifact is missing or corrupt (or the registry failed "
        "while loading it); incompatible: it loads but is not a binary churn classifier, "
        "or its signature disagrees with its pipeline",
        examples=["unloadable"],
    )
    detail: str = Field(examples=["UnpicklingError: invalid load key, 'n'."])
    refused_at: dt.datetime


class ModelStatus(BaseModel):
    """A model the service serves (or would serve) and where it comes from."""

    name: str = Field(examples=["ecom-churn"])
    kind: Literal["churn", "recommendations"]
    alias: str | None = Field(default=None, examples=["champion"])
    loaded_version: str | None = Field(default=None, examples=["3"])
    loaded_at: dt.datetime | None = None
    scorer: Literal["fast", "pipeline"] | None = Field(
        default=None,
        description="'fast': the numpy path, checked against predict_proba when the version "
        "was loaded; 'pipeline': the model's own predict_proba (scorer_reason says why)",
        examples=["fast"],
    )
    scorer_reason: str | None = Field(
        default=None,
        description="why the pipeline scorer serves (null for the fast scorer)",
        examples=[None],
    )
    features: list[str] = Field(default_factory=list)
    metrics: dict[str, float] = Field(
        default_factory=dict, examples=[{"eval_roc_auc": 0.81, "eval_brier": 0.17}]
    )
    registry_aliases: dict[str, str] = Field(
        default_factory=dict,
        description="every alias of the registered model -> version",
        examples=[{"champion": "3", "challenger": "4"}],
    )
    source: str | None = Field(default=None, examples=["models:/ecom-churn/3"])
    rows: int | None = Field(
        default=None, description="rows held in memory (recommendations)"
    )
    refused: ModelRefusal | None = Field(
        default=None,
        description="the version the alias points at, if the service refused to load it "
        "(it keeps serving loaded_version); null once the alias moves to a served version",
    )
    error: str | None = None


class ModelsResponse(BaseModel):
    models: list[ModelStatus]


class ReloadResponse(BaseModel):
    churn_model: str = Field(examples=["ecom-churn"])
    previous_version: str | None = Field(examples=["3"])
    version: str | None = Field(examples=["4"])
    changed: bool
    error: str | None = None
    recommendations_reloaded: bool
    recommendations_error: str | None = None
