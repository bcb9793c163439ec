"""Score churn feature rows without pandas: a numpy fast path for the project's pipeline.

The churn model is a scikit-learn Pipeline `preprocess` (ColumnTransformer: numeric
passthrough + categorical impute/one-hot) -> `model` (XGBClassifier). Per request, building a
DataFrame and running the ColumnTransformer costs milliseconds; the fast path precomputes the
one-hot columns every category maps to (by running the fitted encoder itself on each known
category, the missing value and an unseen value) and feeds a numpy matrix to the trees,
walked with numpy (`serving.services.trees`) or, failing that, the booster's
`inplace_predict` (batches over `WALKER_MAX_ROWS`). `serving.services.scorer_check` uses
it only when the pipeline has exactly that shape and it agrees with `predict_proba` on
every one of its paths; otherwise the pipeline scorer (a DataFrame and `predict_proba`).

Rows are sequences of Python values in feature order: float | None for numeric features,
str | None for categorical ones (None: missing).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from serving.services.trees import TreeEnsemble, compile_booster

log = logging.getLogger(__name__)

UNSEEN = "\x00unseen-category\x00"
#: Up to this many rows the numpy tree walker beats inplace_predict; above it, the booster.
WALKER_MAX_ROWS = 16

Row = Sequence[Any]
ScorerKind = Literal["fast", "pipeline"]


class Scorer(Protocol):
    """P(churn) for rows of feature values in the model's feature order."""

    kind: ScorerKind
    #: why this scorer was chosen over the fast one (None for the fast scorer)
    reason: str | None

    def predict(self, rows: Sequence[Row]) -> np.ndarray: ...


@dataclass(frozen=True)
class FeatureColumns:
    """The model's input columns in order, split into numeric and categorical."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def feature_columns(pipeline: Pipeline) -> FeatureColumns:
    """Numeric and categorical input columns of a fitted churn pipeline."""
    transformer = pipeline.named_steps["preprocess"]
    columns = {name: tuple(cols) for name, _, cols in transformer.transformers}
    return FeatureColumns(columns.get("num", ()), columns.get("cat", ()))


class PipelineScorer:
    """The reference path: a typed DataFrame through `pipeline.predict_proba`."""

    kind: ScorerKind = "pipeline"

    def __init__(
        self, pipeline: Pipeline, columns: FeatureColumns, reason: str | None = None
    ) -> None:
        self.pipeline = pipeline
        self.columns = columns
        self.reason = reason

    def frame(self, rows: Sequence[Row]) -> pd.DataFrame:
        """Rows as the DataFrame `ml.churn.features.model_inputs` would produce."""
        names = self.columns.names
        n_num = len(self.columns.numeric)
        data: dict[str, Any] = {}
        for j, name in enumerate(names):
            values = [row[j] for row in rows]
            if j < n_num:
                data[name] = np.array(values, dtype=np.float64)
            else:
                data[name] = pd.Series(values, dtype=object).where(
                    pd.notna(pd.Series(values, dtype=object)), np.nan
                )
        return pd.DataFrame(data, columns=names)

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        return self.pipeline.predict_proba(self.frame(rows))[:, 1]


class FastScorer:
    """Numeric passthrough + precomputed one-hot columns -> `Booster.inplace_predict`."""

    kind: ScorerKind = "fast"
    reason: str | None = None

    def __init__(
        self,
        n_outputs: int,
        numeric_out: np.ndarray,
        categorical_maps: list[tuple[dict[str, tuple[int, ...]], tuple[int, ...]]],
        missing_codes: list[tuple[int, ...]],
        booster: Any,
        iteration_range: tuple[int, int],
        missing: float,
    ) -> None:
        self.n_outputs = n_outputs
        self.numeric_out = numeric_out
        self.categorical_maps = categorical_maps
        self.missing_codes = missing_codes
        self.booster = booster
        self.iteration_range = iteration_range
        self.missing = missing
        self.n_numeric = len(numeric_out)
        #: numeric_out as a slice when contiguous (always, for a ColumnTransformer's
        #: passthrough block): a slice assignment is cheaper than a fancy-index one
        start = int(numeric_out[0]) if len(numeric_out) else 0
        stop = start + len(numeric_out)
        contiguous = np.array_equal(numeric_out, np.arange(start, stop))
        self.numeric_columns = slice(start, stop) if contiguous else numeric_out
        #: numpy tree walker (None: the booster's inplace_predict is used)
        self.ensemble: TreeEnsemble | None = None
        if np.isnan(missing):  # the walker treats NaN, and only NaN, as missing
            try:
                self.ensemble = compile_booster(booster, iteration_range)
            except TypeError as exc:
                log.info(
                    "numpy tree walker unavailable (%s): using inplace_predict", exc
                )

    def matrix(self, rows: Sequence[Row]) -> np.ndarray:
        """The preprocessed design matrix (what the ColumnTransformer would output)."""
        n, width = len(rows), self.n_outputs
        x = np.zeros((n, width), dtype=np.float64)
        n_num = self.n_numeric
        if n_num:
            # None -> NaN: XGBoost's missing value, as in the pipeline's passthrough
            x[:, self.numeric_columns] = np.array(
                [row[:n_num] for row in rows], dtype=np.float64
            ).reshape(n, n_num)
        if self.categorical_maps:
            # flat positions of every one-hot 1.0, set in one assignment
            ones: list[int] = []
            for j, (mapping, unseen) in enumerate(self.categorical_maps):
                position = n_num + j
                missing = self.missing_codes[j]
                for i, row in enumerate(rows):
                    value = row[position]
                    codes = missing if value is None else mapping.get(value, unseen)
                    ones.extend(i * width + code for code in codes)
            x.reshape(-1)[ones] = 1.0
        return x

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        if self.ensemble is not None and len(rows) <= WALKER_MAX_ROWS:
            return self.ensemble.predict(self.matrix(rows))
        return self.booster.inplace_predict(
            self.matrix(rows),
            iteration_range=self.iteration_range,
            predict_type="value",
            missing=self.missing,
            validate_features=False,
        )


def _is_identity(transformer: object) -> bool:
    if transformer == "passthrough":
        return True
    return (
        isinstance(transformer, FunctionTransformer)
        and transformer.func is None
        and transformer.inverse_func is None
    )


def _categorical_codes(
    cat_pipeline: Pipeline, columns: Sequence[str], offset: int
) -> tuple[
    list[tuple[dict[str, tuple[int, ...]], tuple[int, ...]]], list[tuple[int, ...]]
]:
    """Per categorical column: {category: output columns}, unseen codes and missing codes.

    Computed by the fitted pipeline itself: one column varies over its candidates while the
    others hold an unseen value (which one-hot encodes to zeros with handle_unknown="ignore").
    """
    encoder = cat_pipeline.steps[-1][1]
    if not isinstance(encoder, OneHotEncoder) or encoder.handle_unknown != "ignore":
        raise TypeError(
            "the categorical step is not a OneHotEncoder(handle_unknown='ignore')"
        )
    maps: list[tuple[dict[str, tuple[int, ...]], tuple[int, ...]]] = []
    missing_codes: list[tuple[int, ...]] = []
    for j, name in enumerate(columns):
        known = [str(c) for c in encoder.categories_[j]]
        candidates: list[object] = [*known, np.nan, UNSEEN]
        frame = pd.DataFrame(
            {c: [UNSEEN] * len(candidates) for c in columns}, dtype=object
        )
        frame[name] = pd.Series(candidates, dtype=object)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unknown categories ... encoded as zeros"
            out = np.asarray(cat_pipeline.transform(frame), dtype=np.float64)
        if not np.isin(out, (0.0, 1.0)).all():
            raise TypeError(f"one-hot output for {name!r} is not 0/1")
        codes = [tuple(int(offset + k) for k in np.flatnonzero(r)) for r in out]
        maps.append((dict(zip(known, codes[: len(known)], strict=True)), codes[-1]))
        missing_codes.append(codes[-2])
    return maps, missing_codes


def build_fast_scorer(pipeline: Pipeline, columns: FeatureColumns) -> FastScorer:
    """The numpy fast path for a fitted churn pipeline; TypeError when its shape differs."""
    from xgboost import XGBClassifier

    names = [name for name, _ in pipeline.steps]
    if names != ["preprocess", "model"]:
        raise TypeError(f"pipeline steps are {names}, not ['preprocess', 'model']")
    transformer, model = (
        pipeline.named_steps["preprocess"],
        pipeline.named_steps["model"],
    )
    if not isinstance(transformer, ColumnTransformer) or not isinstance(
        model, XGBClassifier
    ):
        raise TypeError("not a ColumnTransformer + XGBClassifier pipeline")
    if model.objective != "binary:logistic" or model.booster not in (None, "gbtree"):
        raise TypeError(f"unsupported XGBoost setup {model.objective}/{model.booster}")
    n_outputs = len(transformer.get_feature_names_out())
    numeric_out = np.arange(0)
    maps: list[tuple[dict[str, tuple[int, ...]], tuple[int, ...]]] = []
    missing_codes: list[tuple[int, ...]] = []
    for name, fitted, cols in transformer.transformers_:
        if fitted == "drop" or len(cols) == 0:
            continue
        out = transformer.output_indices_[name]
        if (
            name == "num"
            and _is_identity(fitted)
            and list(cols) == list(columns.numeric)
        ):
            numeric_out = np.arange(out.start, out.stop)
        elif (
            name == "cat"
            and isinstance(fitted, Pipeline)
            and list(cols) == list(columns.categorical)
        ):
            maps, missing_codes = _categorical_codes(fitted, cols, out.start)
        else:
            raise TypeError(f"unsupported transformer {name!r}: {fitted!r}")
    booster = model.get_booster()
    booster.set_param({"nthread": 1})  # one row per request: threads only add overhead
    return FastScorer(
        n_outputs,
        numeric_out,
        maps,
        missing_codes,
        booster,
        _int_pair(model._get_iteration_range(None)),
        float(model.missing),
    )


def _int_pair(pair: tuple) -> tuple[int, int]:
    """xgboost returns numpy integers; the scorer wants plain ints."""
    return int(pair[0]), int(pair[1])
