"""A churn model version loaded from the MLflow registry, ready to score rows in memory."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from ml.churn.predict import risk_band
from serving.services.scorer_check import make_scorer
from serving.services.scorers import FeatureColumns, Row, Scorer, feature_columns

log = logging.getLogger(__name__)

FeatureKind = Literal["number", "string"]
_NUMBER_TYPES = {"double", "float", "long", "integer", "boolean"}


class IncompatibleModel(ValueError):
    """The version loads but cannot serve as the churn model: not a binary classifier
    pipeline, or its signature disagrees with the columns its pipeline reads."""


@dataclass(frozen=True)
class FeatureField:
    """One model input: its name, JSON kind and an example value."""

    name: str
    kind: FeatureKind
    example: float | str | None = None


@dataclass
class LoadedChurnModel:
    """A registered churn model version held in memory."""

    name: str
    version: str
    alias: str
    run_id: str | None
    fields: tuple[FeatureField, ...]
    scorer: Scorer
    band_edges: tuple[float, float]
    metrics: dict[str, float] = field(default_factory=dict)
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    @cached_property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def schema_key(self) -> tuple[tuple[str, str], ...]:
        """What the request schema depends on: feature names and kinds, in order."""
        return tuple((f.name, f.kind) for f in self.fields)

    def score(self, rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, risk bands) for rows of values in `feature_names` order."""
        p = np.asarray(self.scorer.predict(rows), dtype=np.float64)
        return p, risk_band(p, self.band_edges)

    def row_from_mapping(self, values: Mapping[str, Any]) -> list[Any]:
        """A scoring row from a mapping (e.g. a warehouse record); absent keys are missing."""
        row: list[Any] = []
        for f in self.fields:
            value = values.get(f.name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                row.append(None)
            elif f.kind == "number":
                row.append(float(value))
            else:
                row.append(str(value))
        return row


def _clean(value: Any) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (int, np.integer, bool, np.bool_)):
        return float(value)
    return str(value)


def _fields(
    columns: FeatureColumns, signature: Any, example: Any
) -> tuple[FeatureField, ...]:
    kinds: dict[str, FeatureKind] = {c: "number" for c in columns.numeric}
    kinds.update({c: "string" for c in columns.categorical})
    if signature is not None and signature.inputs is not None:
        declared = {
            spec.name: ("number" if spec.type.name in _NUMBER_TYPES else "string")
            for spec in signature.inputs.inputs
            if spec.name
        }
        if set(declared) != set(kinds):
            raise IncompatibleModel(
                f"the model signature's inputs {sorted(declared)} differ from the "
                f"pipeline's columns {sorted(kinds)}"
            )
        for name, kind in declared.items():
            if kind != kinds[name]:
                raise IncompatibleModel(
                    f"feature {name!r} is {kind} in the signature but the pipeline treats it "
                    f"as {kinds[name]}"
                )
    first: dict[str, Any] = {}
    if example is not None and len(example):
        first = {k: _clean(v) for k, v in example.iloc[0].items()}
    return tuple(FeatureField(n, kinds[n], first.get(n)) for n in columns.names)


def _metrics(client: Any, run_id: str | None) -> dict[str, float]:
    """Evaluation metrics (`eval_*`) of the run that produced the version."""
    if not run_id:
        return {}
    try:
        run = client.get_run(run_id)
    except Exception as exc:  # a version without a reachable run still serves
        log.warning("cannot read run %s: %s", run_id, exc)
        return {}
    return {
        k: float(v)
        for k, v in sorted(run.data.metrics.items())
        if k.startswith("eval_")
    }


def _check_classifier(pipeline: Any) -> FeatureColumns:
    """The pipeline's input columns; IncompatibleModel unless it is a fitted binary
    classifier pipeline with a `preprocess` column transformer."""
    if not callable(getattr(pipeline, "predict_proba", None)):
        raise IncompatibleModel(
            f"{type(pipeline).__name__} has no predict_proba: not a churn classifier"
        )
    classes = getattr(pipeline, "classes_", None)
    if classes is not None and len(classes) != 2:
        raise IncompatibleModel(
            f"the classifier has {len(classes)} classes, the churn model needs 2"
        )
    try:
        return feature_columns(pipeline)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise IncompatibleModel(
            f"not a churn pipeline (no 'preprocess' column transformer: {exc})"
        ) from None


def load_churn_version(
    client: Any, name: str, version: str, alias: str, band_edges: tuple[float, float]
) -> LoadedChurnModel:
    """Load `models:/<name>/<version>` (pipeline, signature, input example) and its scorer.

    Raises IncompatibleModel when the version loads but cannot serve as the churn model;
    any other exception means it could not be loaded (artifact missing or corrupt, registry
    unreachable).
    """
    import mlflow
    from mlflow.models import Model

    uri = f"models:/{name}/{version}"
    pipeline = mlflow.sklearn.load_model(uri)
    meta = Model.load(uri)
    try:
        example = meta.load_input_example()
    except Exception as exc:
        log.warning("%s: no input example (%s)", uri, exc)
        example = None
    columns = _check_classifier(pipeline)
    fields = _fields(columns, meta.signature, example)
    examples: list[list[Any]] = []
    if example is not None:
        frame = example if isinstance(example, pd.DataFrame) else pd.DataFrame(example)
        for record in frame[columns.names].to_dict("records"):
            examples.append([_clean(record[c]) for c in columns.names])
    scorer = make_scorer(pipeline, examples)
    mv = client.get_model_version(name, version)
    return LoadedChurnModel(
        name=name,
        version=str(version),
        alias=alias,
        run_id=mv.run_id,
        fields=fields,
        scorer=scorer,
        band_edges=band_edges,
        metrics=_metrics(client, mv.run_id),
    )
