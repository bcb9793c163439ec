"""The numpy fast path scores exactly like the pipeline's predict_proba, and the load-time
check keeps it out of service on the live champion when it does not."""

from __future__ import annotations

import numpy as np
import pytest

from serving.services.scorer_check import make_scorer
from serving.services.scorers import FastScorer, PipelineScorer, feature_columns


@pytest.fixture(scope="module")
def champion(serving_world):
    import mlflow

    from ml.tracking import configure_tracking

    configure_tracking(serving_world.tracking_uri)
    return mlflow.sklearn.load_model(
        f"models:/{serving_world.model_name}/{serving_world.champion_version}"
    )


def test_fast_path_matches_predict_proba_on_every_customer(champion, serving_world):
    from ml.churn.features import model_inputs
    from ml.churn.marts import load_scoring_frame
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
    from ml.churn.features import infer_feature_spec, model_inputs
    from ml.churn.marts import load_training_frames
    from ml.churn.model import build_baseline_pipeline, fit, spec_of

    train, evaluation = load_training_frames(serving_world.url, serving_world.plan)
    spec = infer_feature_spec(train)
    baseline = fit(build_baseline_pipeline(spec), train, spec)
    scorer = make_scorer(baseline)
    assert isinstance(scorer, PipelineScorer)
    assert "fast scorer unavailable" in scorer.reason
    spec = spec_of(baseline)  # the baseline's own inputs (recency/frequency)
    inputs = model_inputs(evaluation.head(50), spec)
    rows = [
        [None if isinstance(v, float) and np.isnan(v) else v for v in record]
        for record in inputs[spec.columns].itertuples(index=False, name=None)
    ]
    np.testing.assert_allclose(
        scorer.predict(rows), baseline.predict_proba(inputs)[:, 1], atol=1e-12
    )


# ---------------------------------------------------------------- load-time check


def _load_champion(world):
    """The champion as the service loads it (start-up and hot reload take this path)."""
    from mlflow import MlflowClient

    from ml.tracking import configure_tracking
    from serving.services.churn_model import load_churn_version

    configure_tracking(world.tracking_uri)
    client = MlflowClient(tracking_uri=world.tracking_uri)
    return load_churn_version(
        client, world.model_name, world.champion_version, "champion", (0.4, 0.7)
    )


def test_the_load_time_check_runs_the_walker_on_single_rows_and_small_batches(
    serving_world, monkeypatch
):
    from serving.services.trees import TreeEnsemble

    seen: list[int] = []
    margin = TreeEnsemble.margin

    def spy(self, x):
        seen.append(len(x))
        return margin(self, x)

    monkeypatch.setattr(TreeEnsemble, "margin", spy)
    model = _load_champion(serving_world)
    assert model.scorer.kind == "fast" and model.scorer.reason is None
    assert {1, 2, 16} <= set(seen)


def test_a_walker_wrong_only_on_single_rows_is_caught_at_load(
    serving_world, monkeypatch
):
    from serving.services.trees import TreeEnsemble

    margin = TreeEnsemble.margin

    def off_on_single_rows(self, x):
        return margin(self, x) + (1e-3 if len(x) == 1 else 0.0)

    monkeypatch.setattr(TreeEnsemble, "margin", off_on_single_rows)
    model = _load_champion(serving_world)
    assert model.scorer.kind == "pipeline"
    assert "on single rows" in model.scorer.reason


def _perturb_first_tree(compile_booster):
    """`compile_booster` whose result has every leaf of the first tree moved by +0.25: the
    walker disagrees with the booster, which stays right (the batch path is unaffected)."""

    def perturbed(booster, iteration_range=(0, 0)):
        ensemble = compile_booster(booster, iteration_range)
        first = ensemble.value[ensemble.roots[0] : ensemble.roots[1]]
        leaves = np.isnan(ensemble.threshold[ensemble.roots[0] : ensemble.roots[1]])
        first[leaves] += 0.25
        return ensemble

    return perturbed


def test_a_perturbed_tree_makes_the_service_fall_back_and_answer_correctly(
    make_settings, serving_world, feature_row, monkeypatch
):
    import logging

    from fastapi.testclient import TestClient

    from serving.main import create_app
    from serving.services import scorers

    monkeypatch.setattr(
        scorers, "compile_booster", _perturb_first_tree(scorers.compile_booster)
    )
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("serving.services.scorer_check")
    logger.addHandler(handler)
    try:
        with TestClient(create_app(make_settings())) as client:
            models = client.get("/v1/models").json()["models"]
            row = {**feature_row, "customer_id": serving_world.known_customer}
            predicted = client.post("/v1/churn/predict", json={"rows": [row]})
            batch = client.get(
                f"/v1/customers/{serving_world.known_customer}/churn"
            ).json()["batch_score"]
            metrics = client.get("/metrics").text
    finally:
        logger.removeHandler(handler)
    churn = models[0]
    assert churn["scorer"] == "pipeline"
    assert "differs from predict_proba" in churn["scorer_reason"]
    assert any("pipeline" in w and "differs from predict_proba" in w for w in warnings)
    assert (
        f'ecom_api_churn_scorer{{model="{serving_world.model_name}",scorer="pipeline",'
        f'version="{serving_world.champion_version}"}} 1.0'
    ) in metrics
    # the pipeline answers: the probability of the batch job (predict_proba over the mart)
    assert predicted.status_code == 200
    (prediction,) = predicted.json()["predictions"]
    assert prediction["churn_probability"] == pytest.approx(
        batch["churn_probability"], abs=1e-6
    )
