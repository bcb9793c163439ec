"""The champion/challenger gate against a real MLflow registry (SQLite store in a temp dir)."""

from __future__ import annotations

import uuid

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from ml.registry import (
    CHALLENGER,
    CHAMPION,
    GatePolicy,
    alias_version,
    decide,
    promote_if_better,
    register_model,
)

# each test logs and loads real MLflow models
pytestmark = pytest.mark.slow

rng = np.random.default_rng(7)
X_ALL = pd.DataFrame({"signal": rng.normal(size=600), "noise": rng.normal(size=600)})
Y_ALL = (X_ALL["signal"] + 0.7 * rng.normal(size=600) > 0).astype(int)
X_TRAIN, Y_TRAIN = X_ALL.iloc[:400], Y_ALL.iloc[:400]
X_EVAL, Y_EVAL = X_ALL.iloc[400:], Y_ALL.iloc[400:]


def _good():
    return LogisticRegression().fit(X_TRAIN, Y_TRAIN)


def _weak():
    # sees the signal through heavy noise only
    noisy = X_TRAIN.assign(signal=X_TRAIN["signal"] + 3 * rng.normal(size=len(X_TRAIN)))
    return LogisticRegression().fit(noisy, Y_TRAIN)


def _useless():
    return DummyClassifier(strategy="prior").fit(X_TRAIN, Y_TRAIN)


def _log_and_register(model, name: str) -> str:
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model, name="model", pip_requirements=["scikit-learn"]
        )
    return register_model(info.model_uri, name, tags={"test": "gate"})


def auc_on_eval(model_uri: str) -> float:
    model = mlflow.sklearn.load_model(model_uri)
    return float(roc_auc_score(Y_EVAL, model.predict_proba(X_EVAL)[:, 1]))


def brier_on_eval(model_uri: str) -> float:
    model = mlflow.sklearn.load_model(model_uri)
    return float(brier_score_loss(Y_EVAL, model.predict_proba(X_EVAL)[:, 1]))


@pytest.fixture
def model_name(mlflow_store) -> str:
    return f"gate-test-{uuid.uuid4().hex[:8]}"


def test_first_version_becomes_champion(model_name):
    v1 = _log_and_register(_weak(), model_name)
    decision = promote_if_better(model_name, v1, auc_on_eval)
    assert decision.promoted and decision.alias == CHAMPION
    assert decision.champion_version is None
    assert alias_version(model_name, CHAMPION) == v1
    tags = MlflowClient().get_model_version(model_name, v1).tags
    assert tags["gate.decision"] == CHAMPION and tags["test"] == "gate"


def test_better_model_takes_over_and_worse_becomes_challenger(model_name):
    v1 = _log_and_register(_weak(), model_name)
    promote_if_better(model_name, v1, auc_on_eval)

    v2 = _log_and_register(_good(), model_name)
    up = promote_if_better(model_name, v2, auc_on_eval, GatePolicy(margin=0.01))
    assert up.promoted, up.reason
    assert up.champion_version == v1 and up.candidate_score > up.champion_score + 0.01
    assert alias_version(model_name, CHAMPION) == v2
    client = MlflowClient()
    assert client.get_model_version(model_name, v1).tags["gate.superseded_by"] == v2

    v3 = _log_and_register(_useless(), model_name)
    down = promote_if_better(model_name, v3, auc_on_eval, GatePolicy(margin=0.01))
    assert not down.promoted and down.alias == CHALLENGER
    assert alias_version(model_name, CHAMPION) == v2, "champion must stay"
    assert alias_version(model_name, CHALLENGER) == v3
    assert client.get_model_version(model_name, v3).tags["gate.decision"] == CHALLENGER


def test_margin_blocks_a_small_improvement(model_name):
    v1 = _log_and_register(_weak(), model_name)
    promote_if_better(model_name, v1, auc_on_eval)
    v2 = _log_and_register(_good(), model_name)
    gain = auc_on_eval(f"models:/{model_name}/{v2}") - auc_on_eval(
        f"models:/{model_name}/{v1}"
    )
    assert gain > 0
    decision = promote_if_better(
        model_name, v2, auc_on_eval, GatePolicy(margin=gain + 0.05)
    )
    assert decision.alias == CHALLENGER
    assert alias_version(model_name, CHAMPION) == v1


def test_lower_is_better_metric(model_name):
    v1 = _log_and_register(_useless(), model_name)
    promote_if_better(
        model_name,
        v1,
        brier_on_eval,
        GatePolicy(metric="brier", greater_is_better=False),
    )
    v2 = _log_and_register(_good(), model_name)
    decision = promote_if_better(
        model_name,
        v2,
        brier_on_eval,
        GatePolicy(metric="brier", greater_is_better=False),
    )
    assert decision.promoted and decision.candidate_score < decision.champion_score


def test_identical_model_does_not_replace_champion(model_name):
    model = _good()
    v1 = _log_and_register(model, model_name)
    promote_if_better(model_name, v1, auc_on_eval)
    v2 = _log_and_register(model, model_name)
    decision = promote_if_better(
        model_name, v2, auc_on_eval
    )  # margin 0: strictly better needed
    assert decision.alias == CHALLENGER


def test_unscorable_champion_is_replaced_or_raises(model_name):
    v1 = _log_and_register(_good(), model_name)
    promote_if_better(model_name, v1, auc_on_eval)
    v2 = _log_and_register(_weak(), model_name)

    def only_v2(uri: str) -> float:
        if not uri.endswith(f"/{v2}"):
            raise KeyError("feature 'signal' is missing")
        return 0.6

    with pytest.raises(KeyError):
        promote_if_better(
            model_name, v2, only_v2, GatePolicy(replace_unscorable_champion=False)
        )
    decision = promote_if_better(model_name, v2, only_v2)
    assert decision.promoted and "could not be scored" in decision.reason


def test_decide_rules_without_registry():
    policy = GatePolicy(margin=0.02)
    assert decide("m", "2", 0.80, None, None, policy).alias == CHAMPION
    assert decide("m", "2", 0.83, "1", 0.80, policy).alias == CHAMPION
    assert decide("m", "2", 0.81, "1", 0.80, policy).alias == CHALLENGER
    assert decide("m", "2", 0.70, "1", 0.80, policy).alias == CHALLENGER
    with pytest.raises(ValueError, match="not a finite number"):
        decide("m", "2", float("nan"), "1", 0.8, policy)


def test_policy_rejects_bad_margin():
    with pytest.raises(ValueError, match="margin"):
        GatePolicy(margin=-0.1)
    with pytest.raises(ValueError, match="margin"):
        GatePolicy(margin=float("nan"))


def test_blocked_version_never_becomes_champion(model_name):
    v1 = _log_and_register(_good(), model_name)
    blocked = promote_if_better(
        model_name, v1, auc_on_eval, blocked_reason="quality bar failed"
    )
    assert blocked.alias == CHALLENGER and "quality bar failed" in blocked.reason
    assert alias_version(model_name, CHAMPION) is None
    v2 = _log_and_register(_weak(), model_name)
    assert promote_if_better(model_name, v2, auc_on_eval).promoted
