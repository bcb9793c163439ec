"""The numpy fast path scores exactly like the pipeline's predict_proba."""

from __future__ import annotations

import numpy as np
import pytest

from serving.services.scorers import (
    FastScorer,
    PipelineScorer,
    feature_columns,
    make_scorer,
)


@pytest.fixture(scope="module")
def champion(serving_world):
    import mlflow

    from ml.tracking import configure_tracking

    configure_tracking(serving_world.tracking_uri)
    return mlflow.sklearn.load_model(
        f"models:/{serving_world.model_name}/{serving_world.champion_version}"
    )


def test_fast_path_matches_predict_proba_on_every_customer(champion, serving_world):
    from ml.churn.data import load_scoring_frame
    from ml.churn.features import model_inputs
    from ml.churn.model import spec_of

    frame = load_scoring_frame(serving_world.url)
    inputs = model_inputs(frame, spec_of(champion))
    columns = feature_columns(champion)
    rows = [
        [None if isinstance(v, float) and np.isnan(v) else v for v in record]
        for record in inputs[columns.names].itertuples(index=False, name=None)
    ]
    # plus unseen categories and all-missing rows
    n_num = len(columns.numeric)
    rows.append([*rows[0][:n_num], *["never-seen"] * len(columns.categorical)])
    rows.append([None] * len(columns.names))
    scorer = make_scorer(champion, rows[:5])
    assert isinstance(scorer, FastScorer)
    assert scorer.ensemble is not None  # the numpy tree walker, not inplace_predict
    fast = scorer.predict(rows)  # a big batch: the booster's inplace_predict
    walked = np.concatenate(
        [scorer.predict(rows[i : i + 1]) for i in range(0, len(rows), 97)]
    )  # single rows: the numpy tree walker
    np.testing.assert_allclose(walked, fast[::97], atol=1e-6, rtol=0)
    reference = champion.predict_proba(inputs)[:, 1]
    assert len(rows) > 1000
    np.testing.assert_allclose(fast[:-2], reference, atol=1e-6, rtol=0)
    np.testing.assert_allclose(
        fast[-2:],
        PipelineScorer(champion, columns).predict(rows[-2:]),
        atol=1e-6,
        rtol=0,
    )


def test_other_pipelines_use_predict_proba(serving_world):
    from ml.churn.data import load_training_frames
    from ml.churn.features import infer_feature_spec, model_inputs
    from ml.churn.model import build_baseline_pipeline, fit

    train, evaluation = load_training_frames(
        serving_world.url, serving_world.labelled_cutoffs
    )
    spec = infer_feature_spec(train)
    baseline = fit(build_baseline_pipeline(spec), train, spec)
    scorer = make_scorer(baseline)
    assert isinstance(scorer, PipelineScorer)
    inputs = model_inputs(evaluation.head(50), spec)
    rows = [
        [None if isinstance(v, float) and np.isnan(v) else v for v in record]
        for record in inputs[spec.columns].itertuples(index=False, name=None)
    ]
    np.testing.assert_allclose(
        scorer.predict(rows), baseline.predict_proba(inputs)[:, 1], atol=1e-12
    )
