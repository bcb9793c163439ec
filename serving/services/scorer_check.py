"""Choose a loaded churn model's scorer: the fast one only if it agrees with the pipeline.

At every load (start-up and hot reload) the fast scorer is built for the live model and run
on check rows (the model's logged input example, plus each known, missing and unseen
category and each missing number) along every path a request can take: single rows and
2- and `WALKER_MAX_ROWS`-row batches (the numpy tree walker) and one bigger batch (the
booster's `inplace_predict`). If any path differs from the full pipeline's `predict_proba`
by more than `TOLERANCE`, or the fast scorer cannot be built, the pipeline scorer serves,
carrying the reason (shown by `/v1/models`, logged, and in the `ecom_api_churn_scorer`
metric's `scorer` label).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from serving.services.scorers import (
    UNSEEN,
    WALKER_MAX_ROWS,
    FeatureColumns,
    PipelineScorer,
    Row,
    Scorer,
    build_fast_scorer,
    feature_columns,
)

log = logging.getLogger(__name__)

#: Largest disagreement with `predict_proba` the fast scorer may show on any check row.
TOLERANCE = 1e-6
#: Batch sizes checked one batch after another over all check rows (walker paths).
CHECKED_BATCH_SIZES = (1, 2, WALKER_MAX_ROWS)


def check_rows(
    pipeline: Pipeline, columns: FeatureColumns, examples: Sequence[Row]
) -> list[list[Any]]:
    """Rows that exercise every category, missing values and unseen categories; at least
    `WALKER_MAX_ROWS + 1`, so the check also reaches the batch path."""
    rows = [list(r) for r in examples]
    if not rows:
        rows = [[0.0] * len(columns.numeric) + [None] * len(columns.categorical)]
    base = rows[0]
    encoder = None
    cat = pipeline.named_steps["preprocess"].named_transformers_.get("cat")
    if isinstance(cat, Pipeline):
        encoder = cat.steps[-1][1]
    n_num = len(columns.numeric)
    for j in range(len(columns.categorical)):
        values: list[Any] = [None, UNSEEN]
        if encoder is not None and hasattr(encoder, "categories_"):
            values += [str(c) for c in encoder.categories_[j]]
        for value in values:
            row = list(base)
            row[n_num + j] = value
            rows.append(row)
    for j in range(n_num):
        row = list(base)
        row[j] = None
        rows.append(row)
    while len(rows) <= WALKER_MAX_ROWS:
        rows += rows[: WALKER_MAX_ROWS + 1 - len(rows)]
    return rows


def disagreement(fast: Scorer, reference: Scorer, rows: Sequence[Row]) -> str | None:
    """None when `fast` matches `reference` on `rows` along every path, else where and by
    how much it does not."""
    expected = reference.predict(rows)
    runs = {
        f"{size}-row batches" if size > 1 else "single rows": np.concatenate(
            [fast.predict(rows[i : i + size]) for i in range(0, len(rows), size)]
        )
        for size in CHECKED_BATCH_SIZES
    }
    runs[f"one {len(rows)}-row batch"] = fast.predict(rows)
    for path, got in runs.items():
        gap = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - expected)))
        if not gap <= TOLERANCE:  # NaN fails too
            return (
                f"fast scorer differs from predict_proba by {gap:.2g} on {path} "
                f"(tolerance {TOLERANCE:g})"
            )
    return None


def make_scorer(pipeline: Pipeline, examples: Sequence[Row] = ()) -> Scorer:
    """The fast scorer when it applies and passes the check, else the pipeline scorer with
    the reason."""
    columns = feature_columns(pipeline)
    reference = PipelineScorer(pipeline, columns)
    try:
        fast = build_fast_scorer(pipeline, columns)
        reason = disagreement(fast, reference, check_rows(pipeline, columns, examples))
    except Exception as exc:  # any surprise in the model's shape: stay correct, go slow
        reason = f"fast scorer unavailable: {type(exc).__name__}: {exc}"
    if reason is None:
        return fast
    log.warning("churn scorer: pipeline (predict_proba), because %s", reason)
    return PipelineScorer(pipeline, columns, reason)
