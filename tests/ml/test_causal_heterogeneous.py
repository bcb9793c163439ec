"""CATE by segment with EconML on data whose effect differs by segment (low 1, mid 2, high 3.5)."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.causal.heterogeneous import cate_by_segment
from ml.causal.simulate import simulate_confounded

COVARIATES = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate_confounded(3000, effect=2.0, heterogeneous=True, seed=21)


@pytest.mark.parametrize("method", ["dml", "forest"])
def test_segment_effects_follow_the_planted_heterogeneity(
    data: pd.DataFrame, method: str
) -> None:
    result = cate_by_segment(
        data, "treated", "outcome", COVARIATES, "segment", method=method
    )
    truth = data.groupby("segment")["true_effect"].mean()
    assert list(result.columns) == ["estimate", "ci_low", "ci_high", "n"]
    assert set(result.index) == {"low", "mid", "high"}
    assert result["n"].sum() == len(data)
    assert (
        result.loc["low", "estimate"]
        < result.loc["mid", "estimate"]
        < result.loc["high", "estimate"]
    )
    for segment, effect in truth.items():
        row = result.loc[segment]
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
        assert row["estimate"] == pytest.approx(effect, abs=0.4), segment
        assert row["ci_low"] <= effect <= row["ci_high"], segment


def test_bad_input_raises(data: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="method must be"):
        cate_by_segment(data, "treated", "outcome", COVARIATES, "segment", method="ols")
    with pytest.raises(ValueError, match="must not also be listed"):
        cate_by_segment(data, "treated", "outcome", [*COVARIATES, "segment"], "segment")
    with pytest.raises(ValueError, match="single value"):
        cate_by_segment(
            data.assign(segment="all"), "treated", "outcome", COVARIATES, "segment"
        )
    only_treated_high = data[(data["segment"] != "high") | (data["treated"] == 1)]
    with pytest.raises(
        ValueError, match="segment 'high' has only treated or only control"
    ):
        cate_by_segment(only_treated_high, "treated", "outcome", COVARIATES, "segment")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['region'\]"):
        cate_by_segment(data, "treated", "outcome", COVARIATES, "region")
