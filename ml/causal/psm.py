"""Propensity score matching (ATT / ATE) with Abadie-Imbens standard errors and diagnostics.

Units are matched on the logit of an estimated propensity score. The variance is the
Abadie-Imbens (2006) estimator for matching estimators (population ATT/ATE), which accounts
for controls being reused when matching with replacement; it treats the propensity score as
known (see docs/causal.md for the measured coverage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ml.causal._matching import (
    Matches,
    conditional_variance,
    match_with_replacement,
    match_without_replacement,
)
from ml.causal._validation import (
    binary_column,
    covariate_matrix,
    numeric_column,
    require_frame,
)
from ml.causal.balance import standardized_mean_differences
from ml.causal.propensity import PropensityModel, fit_propensity, logit

Z_95 = float(stats.norm.ppf(0.975))
#: Below/above these propensities a unit is "near 0/1"; if every unit is, there is no overlap.
EXTREME = 0.01


@dataclass(frozen=True)
class Overlap:
    """Common-support diagnostics (propensity scores, not logits)."""

    treated_range: tuple[float, float]
    control_range: tuple[float, float]
    n_treated_outside_support: int
    n_controls_outside_support: int
    n_dropped_by_caliper: int
    caliper_width: float | None  # on the logit scale; None = no caliper

    def to_dict(self) -> dict[str, object]:
        """Plain-dict view (for logging / MLflow)."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class PSMResult:
    """A matching estimate with its uncertainty and diagnostics."""

    estimand: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int  # treated units whose effect is averaged (after the caliper)
    n_matched_controls: int  # distinct controls used as matches
    balance: pd.DataFrame
    overlap: Overlap
    propensity: pd.Series
    weights: pd.Series = field(
        repr=False
    )  # match weights per unit (used for smd_after)


@dataclass(frozen=True)
class NaiveResult:
    """Unadjusted difference in means (Welch standard error, normal 95% CI)."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int


def naive_difference(df: pd.DataFrame, treatment: str, outcome: str) -> NaiveResult:
    """Mean outcome of treated minus control, ignoring confounding."""
    require_frame(df, [treatment, outcome])
    t = binary_column(df, treatment)
    y = numeric_column(df, outcome)
    y1, y0 = y[t == 1], y[t == 0]
    if min(len(y1), len(y0)) < 2:
        raise ValueError("naive_difference needs at least 2 treated and 2 control rows")
    estimate = float(y1.mean() - y0.mean())
    se = float(np.sqrt(y1.var(ddof=1) / len(y1) + y0.var(ddof=1) / len(y0)))
    return NaiveResult(
        estimate=estimate,
        std_error=se,
        ci_low=estimate - Z_95 * se,
        ci_high=estimate + Z_95 * se,
        p_value=float(2 * stats.norm.sf(abs(estimate / se)))
        if se > 0
        else float("nan"),
        n_treated=len(y1),
        n_control=len(y0),
    )


def _check_overlap(ps: np.ndarray, t: np.ndarray) -> None:
    if np.all((ps < EXTREME) | (ps > 1 - EXTREME)):
        raise ValueError(
            f"no overlap: every propensity score is below {EXTREME} or above {1 - EXTREME} "
            "(treatment is (almost) determined by the covariates)"
        )
    lo_t, hi_t = ps[t == 1].min(), ps[t == 1].max()
    lo_c, hi_c = ps[t == 0].min(), ps[t == 0].max()
    if hi_t < lo_c or hi_c < lo_t:
        raise ValueError(
            f"no overlap: treated propensities [{lo_t:.3g}, {hi_t:.3g}] and control "
            f"propensities [{lo_c:.3g}, {hi_c:.3g}] do not intersect"
        )


def _match(
    source: np.ndarray,
    target: np.ndarray,
    n_neighbors: int,
    caliper: float | None,
    replace: bool,
    rng: np.random.Generator,
) -> Matches:
    if replace:
        return match_with_replacement(source, target, n_neighbors, caliper)
    return match_without_replacement(source, target, n_neighbors, caliper, rng)


def _validate_options(
    caliper: float | None,
    n_neighbors: int,
    estimand: str,
    replace: bool,
    variance_neighbors: int,
) -> None:
    if caliper is not None and not caliper > 0:
        raise ValueError(
            f"caliper must be > 0 (in SDs of the logit propensity), got {caliper}"
        )
    if n_neighbors < 1:
        raise ValueError(f"n_neighbors must be >= 1, got {n_neighbors}")
    if variance_neighbors < 1:
        raise ValueError(f"variance_neighbors must be >= 1, got {variance_neighbors}")
    if estimand not in ("ATT", "ATE"):
        raise ValueError(f"estimand must be 'ATT' or 'ATE', got {estimand!r}")
    if estimand == "ATE" and not replace:
        raise ValueError(
            "estimand='ATE' needs replace=True (controls are matched to treated too)"
        )


def estimate_att(
    df: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: list[str],
    caliper: float | None = None,
    replace: bool = True,
    n_neighbors: int = 1,
    propensity_model: PropensityModel = "logistic",
    estimand: Literal["ATT", "ATE"] = "ATT",
    random_state: int = 0,
    variance_neighbors: int = 2,
) -> PSMResult:
    """Propensity score matching estimate of the ATT (or ATE).

    Args:
        df: one row per unit.
        treatment: binary (0/1 or bool) treatment column.
        outcome: numeric outcome column.
        covariates: confounders for the propensity model (categoricals are one-hot encoded).
        caliper: maximum match distance in standard deviations of the logit propensity
            (e.g. 0.2); treated units without a match inside it are dropped.
        replace: match with replacement (controls may be reused) or greedy without.
        n_neighbors: matches per unit (M).
        propensity_model: "logistic" or "gbm".
        estimand: "ATT" (effect on the treated) or "ATE" (also matches controls to treated).
        random_state: seed for the gbm model and the order of matching without replacement.
        variance_neighbors: J, same-group neighbours used to estimate Var(Y | score).
    """
    _validate_options(caliper, n_neighbors, estimand, replace, variance_neighbors)
    require_frame(df, [treatment, outcome, *covariates])
    if treatment in covariates or outcome in covariates:
        raise ValueError(
            "covariates must not include the treatment or the outcome column"
        )
    t = binary_column(df, treatment)
    y = numeric_column(df, outcome)
    X = covariate_matrix(df, list(covariates))
    ps = fit_propensity(X, t, propensity_model, random_state)
    _check_overlap(ps, t)
    score = logit(ps)
    width = None if caliper is None else float(caliper * score.std(ddof=1))
    rng = np.random.default_rng(random_state)
    is_t = t == 1
    treated_idx, control_idx = np.flatnonzero(is_t), np.flatnonzero(~is_t)

    forward = _match(score[is_t], score[~is_t], n_neighbors, width, replace, rng)
    n = len(y)
    own = np.zeros(n)  # 1 where a unit's own effect enters the average
    w, v = (
        np.zeros(n),
        np.zeros(n),
    )  # weights as a match (Abadie-Imbens K/M and its square)
    effects = np.full(n, np.nan)
    kept_t = forward.n_matches > 0
    effects[treated_idx] = y[treated_idx] - forward.imputed(y[control_idx])
    own[treated_idx[kept_t]] = 1.0
    w[control_idx], v[control_idx] = forward.target_weights(len(control_idx))
    n_dropped = int((~kept_t).sum())
    if estimand == "ATE":
        backward = _match(score[~is_t], score[is_t], n_neighbors, width, replace, rng)
        kept_c = backward.n_matches > 0
        effects[control_idx] = backward.imputed(y[treated_idx]) - y[control_idx]
        own[control_idx[kept_c]] = 1.0
        w[treated_idx], v[treated_idx] = backward.target_weights(len(treated_idx))
        n_dropped += int((~kept_c).sum())
    if not own.any() or (estimand == "ATT" and not kept_t.any()):
        raise ValueError(
            f"no overlap: the caliper ({caliper} SD) leaves no matched treated unit"
        )

    used = own == 1
    estimate = float(effects[used].mean())
    sigma2 = conditional_variance(y, score, t, variance_neighbors)
    n_used = int(used.sum())
    variance = (
        np.sum((effects[used] - estimate) ** 2)
        + np.sum((w**2 + 2 * own * w - v) * sigma2)
    ) / n_used**2
    se = float(np.sqrt(max(variance, 0.0)))
    weights = own + w
    lo_t, hi_t = ps[is_t].min(), ps[is_t].max()
    lo_c, hi_c = ps[~is_t].min(), ps[~is_t].max()
    overlap = Overlap(
        treated_range=(float(lo_t), float(hi_t)),
        control_range=(float(lo_c), float(hi_c)),
        n_treated_outside_support=int(np.sum(is_t & ((ps < lo_c) | (ps > hi_c)))),
        n_controls_outside_support=int(np.sum(~is_t & ((ps < lo_t) | (ps > hi_t)))),
        n_dropped_by_caliper=n_dropped,
        caliper_width=width,
    )
    return PSMResult(
        estimand=estimand,
        estimate=estimate,
        std_error=se,
        ci_low=estimate - Z_95 * se,
        ci_high=estimate + Z_95 * se,
        p_value=float(2 * stats.norm.sf(abs(estimate / se)))
        if se > 0
        else float("nan"),
        n_treated=int(kept_t.sum()),
        n_matched_controls=int(np.sum(w[control_idx] > 0)),
        balance=standardized_mean_differences(X, t, weights),
        overlap=overlap,
        propensity=pd.Series(ps, index=df.index, name="propensity"),
        weights=pd.Series(weights, index=df.index, name="match_weight"),
    )
