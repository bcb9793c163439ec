"""DoWhy identify / estimate / refute on simulated confounded data (tau = 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.causal import dowhy_analysis
from ml.causal.simulate import simulate_confounded

COVARIATES = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate_confounded(1000, effect=2.0, seed=4)


@pytest.mark.parametrize(
    "method", ["backdoor.linear_regression", "backdoor.propensity_score_matching"]
)
def test_estimate_and_refutations(data: pd.DataFrame, method: str) -> None:
    result = dowhy_analysis.run(
        data, "treated", "outcome", COVARIATES, method=method, num_simulations=10
    )
    assert result.method == method
    assert result.estimate == pytest.approx(2.0, abs=0.3)
    names = [r.name for r in result.refutations]
    assert names == [
        "placebo_treatment_refuter",
        "random_common_cause",
        "data_subset_refuter",
    ]
    placebo = result.refutation("placebo_treatment_refuter")
    assert abs(placebo.new_effect) < 0.3  # a permuted treatment has no effect
    assert placebo.estimated_effect == pytest.approx(result.estimate)
    assert result.refutation("random_common_cause").new_effect == pytest.approx(
        result.estimate, abs=0.1
    )
    assert result.refutation("data_subset_refuter").new_effect == pytest.approx(
        result.estimate, abs=0.3
    )
    for refutation in result.refutations:
        assert 0.0 <= refutation.p_value <= 1.0
    assert len(result.to_frame()) == 3


def test_graph_is_the_backdoor_graph() -> None:
    graph = dowhy_analysis.backdoor_graph("t", "y", ["a", "b"])
    for edge in (
        '"t" target "y"',
        '"a" target "t"',
        '"a" target "y"',
        '"b" target "y"',
    ):
        assert f"source {edge}" in graph


def test_bad_input_raises(data: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['x9'\]"):
        dowhy_analysis.run(data, "treated", "outcome", ["x1", "x9"])
    with pytest.raises(ValueError, match="'outcome' must be binary"):
        dowhy_analysis.run(data, "outcome", "treated", COVARIATES)
    with pytest.raises(ValueError, match="num_simulations must be >= 2"):
        dowhy_analysis.run(data, "treated", "outcome", COVARIATES, num_simulations=1)
    with pytest.raises(KeyError, match="no refutation 'nope'"):
        dowhy_analysis.DoWhyResult(1.0, "m", "e", [], "g").refutation("nope")
