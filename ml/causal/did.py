"""Difference-in-differences: the 2x2 design, two-way fixed effects and event studies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ml.causal._absorb import AbsorbedOLS, absorbed_ols
from ml.causal._validation import binary_column, numeric_column, require_frame


@dataclass(frozen=True)
class DiDResult:
    """A difference-in-differences estimate with a 95% confidence interval."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    se_type: str  # "classical", "HC1" or "cluster"
    n_clusters: int | None = None


@dataclass(frozen=True)
class EventStudyResult:
    """Per-relative-period effects and a joint test that the pre-period (lead) effects are 0."""

    coefficients: (
        pd.DataFrame
    )  # rel_time, estimate, std_error, ci_low, ci_high, p_value, n_obs
    pretrend_f: float
    pretrend_p_value: float
    pretrend_df: tuple[int, int]
    n: int
    se_type: str
    n_clusters: int | None = None


def _two_by_two_cells(t: np.ndarray, p: np.ndarray, treated: str, post: str) -> None:
    for tv in (0, 1):
        for pv in (0, 1):
            if not np.any((t == tv) & (p == pv)):
                raise ValueError(
                    f"no rows with {treated}={tv} and {post}={pv}: the 2x2 is incomplete"
                )


def did_2x2(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    robust: bool = True,
) -> DiDResult:
    """Canonical DiD: OLS of outcome ~ treated + post + treated:post; the estimate is the
    interaction.

    Standard errors are cluster-robust (CR1, t with G-1 df) when `cluster` names a column,
    else HC1 when `robust`, else classical OLS.
    """
    require_frame(df, [outcome, treated, post, *([cluster] if cluster else [])])
    y = numeric_column(df, outcome)
    t = binary_column(df, treated)
    p = binary_column(df, post)
    _two_by_two_cells(t, p, treated, post)
    X = np.column_stack([np.ones(len(y)), t, p, t * p])
    model = sm.OLS(y, X)
    if cluster is not None:
        groups = pd.factorize(df[cluster])[0]
        if groups.max() < 1:
            raise ValueError(f"cluster column {cluster!r} has a single cluster")
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        se_type, n_clusters = "cluster", int(groups.max()) + 1
    elif robust:
        fit, se_type, n_clusters = model.fit(cov_type="HC1", use_t=True), "HC1", None
    else:
        fit, se_type, n_clusters = model.fit(), "classical", None
    low, high = fit.conf_int(alpha=0.05)[3]
    return DiDResult(
        estimate=float(fit.params[3]),
        std_error=float(fit.bse[3]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[3]),
        n=len(y),
        se_type=se_type,
        n_clusters=n_clusters,
    )


def _panel_columns(df: pd.DataFrame, unit: str, time: str) -> None:
    if df[time].nunique() < 2:
        raise ValueError(
            f"column {time!r} has a single period: a panel needs at least 2"
        )
    if df.duplicated([unit, time]).any():
        n_dup = int(df.duplicated([unit, time]).sum())
        raise ValueError(
            f"{n_dup} duplicated ({unit!r}, {time!r}) rows: one row per unit-period"
        )


def twfe(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None = None,
) -> DiDResult:
    """Two-way fixed effects: outcome ~ treatment + unit FE + time FE (FE absorbed).

    `treatment` is the 0/1 "treated in this period" indicator. Standard errors are
    cluster-robust when `cluster` is given (usually the unit column), else HC1 with the
    absorbed fixed effects counted in the degrees of freedom. With staggered adoption and
    effects that change over time TWFE is a weighted average that can mislead: use
    `event_study` then.
    """
    require_frame(df, [outcome, unit, time, treatment, *([cluster] if cluster else [])])
    _panel_columns(df, unit, time)
    y = numeric_column(df, outcome)
    d = binary_column(df, treatment).astype(float)
    fit = absorbed_ols(
        y,
        d[:, None],
        [df[unit].to_numpy(), df[time].to_numpy()],
        [treatment],
        cluster=None if cluster is None else df[cluster].to_numpy(),
    )
    return _single_result(fit)


def _single_result(fit: AbsorbedOLS) -> DiDResult:
    se = float(fit.std_errors()[0])
    half = fit.t_critical() * se
    return DiDResult(
        estimate=float(fit.coef[0]),
        std_error=se,
        ci_low=float(fit.coef[0] - half),
        ci_high=float(fit.coef[0] + half),
        p_value=float(fit.p_values()[0]),
        n=fit.n,
        se_type=fit.se_type,
        n_clusters=fit.n_clusters,
    )


def event_study(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    event_time: str,
    leads: int = 4,
    lags: int = 4,
    reference: int = -1,
    cluster: str | None = None,
) -> EventStudyResult:
    """Dynamic DiD: outcome ~ sum_k beta_k 1[time - start = k] + unit FE + time FE.

    `event_time` holds each unit's treatment start on the `time` scale (NaN for never
    treated). Relative periods run from -leads to lags; the end points are binned (k < -leads
    counts as -leads, k > lags as lags) and `reference` is left out (its effect is 0).
    `pretrend_f` / `pretrend_p_value` jointly test every lead (k < 0, k != reference) = 0.
    """
    require_frame(df, [outcome, unit, time, *([cluster] if cluster else [])])
    if event_time not in df.columns:
        raise ValueError(
            f"df is missing column(s) {[event_time]}; it has {list(df.columns)}"
        )
    if leads < 1 or lags < 0:
        raise ValueError(
            f"leads must be >= 1 and lags >= 0, got leads={leads}, lags={lags}"
        )
    if not -leads <= reference <= lags:
        raise ValueError(
            f"reference {reference} is outside the window [-{leads}, {lags}]"
        )
    _panel_columns(df, unit, time)
    y = numeric_column(df, outcome)
    period = numeric_column(df, time)
    start = pd.to_numeric(df[event_time], errors="coerce").to_numpy(dtype=float)
    if np.isnan(start).all():
        raise ValueError(
            f"column {event_time!r} has no treated unit (all values are null)"
        )
    per_unit = pd.Series(start).groupby(df[unit].to_numpy()).nunique(dropna=False)
    if (per_unit > 1).any():
        raise ValueError(f"column {event_time!r} must be constant within each {unit!r}")

    relative = np.clip(period - start, -leads, lags)  # NaN stays NaN: never treated
    window = [k for k in range(-leads, lags + 1) if k != reference]
    X = np.column_stack([(relative == k).astype(float) for k in window])
    names = [f"rel_{k}" for k in window]
    try:
        fit = absorbed_ols(
            y,
            X,
            [df[unit].to_numpy(), period],
            names,
            cluster=None if cluster is None else df[cluster].to_numpy(),
        )
    except ValueError as err:
        if "collinear" not in str(err):
            raise
        raise ValueError(
            f"{err}; an event study needs comparison units: never-treated units or units "
            "treated at different times"
        ) from err
    se = fit.std_errors()
    half = fit.t_critical() * se
    table = pd.DataFrame(
        {
            "rel_time": window,
            "estimate": fit.coef,
            "std_error": se,
            "ci_low": fit.coef - half,
            "ci_high": fit.coef + half,
            "p_value": fit.p_values(),
            "n_obs": X.sum(axis=0).astype(int),
        }
    )
    reference_row = {
        "rel_time": reference,
        "estimate": 0.0,
        "n_obs": int(np.sum(relative == reference)),
    }
    table = (
        pd.concat([table, pd.DataFrame([reference_row])], ignore_index=True)
        .sort_values("rel_time")
        .reset_index(drop=True)
    )
    lead_index = [i for i, k in enumerate(window) if k < 0]
    if lead_index:
        f_stat, p_value, q = fit.wald_f(lead_index)
    else:
        f_stat, p_value, q = float("nan"), float("nan"), 0
    return EventStudyResult(
        coefficients=table,
        pretrend_f=f_stat,
        pretrend_p_value=p_value,
        pretrend_df=(q, fit.df),
        n=fit.n,
        se_type=fit.se_type,
        n_clusters=fit.n_clusters,
    )
