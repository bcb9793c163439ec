"""Simulated data with known causal effects (for tests, docs and demos)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Planted effect per segment in `simulate_confounded` (added to the base effect).
SEGMENT_SHIFT = {"low": -1.0, "mid": 0.0, "high": 1.5}


def simulate_confounded(
    n: int,
    effect: float = 2.0,
    heterogeneous: bool = False,
    confounding: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Cross-section where x1..x3 drive both treatment and outcome.

    P(treated) = logistic(-0.5 + confounding * (0.8 x1 + 0.5 x2 - 0.4 x3)) and
    outcome = 1 + 2 x1 + x2 + 0.5 x3 + tau * treated + N(0, 1), so the naive difference is
    biased upward. tau = `effect`, plus SEGMENT_SHIFT[segment] when `heterogeneous`.

    Returns:
        DataFrame with x1, x2, x3, segment, treated, outcome and true_effect.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    segment = rng.choice(list(SEGMENT_SHIFT), size=n)
    index = confounding * (0.8 * x[:, 0] + 0.5 * x[:, 1] - 0.4 * x[:, 2])
    treated = rng.uniform(size=n) < 1 / (1 + np.exp(0.5 - index))
    tau = np.full(n, effect, dtype=float)
    if heterogeneous:
        tau += pd.Series(segment).map(SEGMENT_SHIFT).to_numpy()
    outcome = (
        1 + 2 * x[:, 0] + x[:, 1] + 0.5 * x[:, 2] + tau * treated + rng.normal(size=n)
    )
    return pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "segment": segment,
            "treated": treated.astype(int),
            "outcome": outcome,
            "true_effect": tau,
        }
    )


def simulate_panel(
    n_units: int,
    n_periods: int,
    effect: float = 1.0,
    treated_share: float = 0.5,
    start_period: int | None = None,
    staggered: bool = False,
    pre_trend: float = 0.0,
    rho: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Unit x period panel with a known treatment effect from the treatment start on.

    outcome = unit effect + period effect + effect * treated_now + pre_trend * (period -
    start) for treated units before their start + noise that is AR(1) within each unit with
    autocorrelation `rho` (unit variance), which makes non-clustered standard errors too small.
    Treated units start at `start_period` (default: the middle), or at a random period in
    the middle half when `staggered`. Never-treated units have start NaN.

    Returns:
        DataFrame with unit, period, treated_group, post, treatment_start, treatment, outcome.
    """
    rng = np.random.default_rng(seed)
    start = n_periods // 2 if start_period is None else start_period
    is_treated = rng.uniform(size=n_units) < treated_share
    starts = np.where(is_treated, float(start), np.nan)
    if staggered:
        draws = rng.integers(n_periods // 4, 3 * n_periods // 4 + 1, size=n_units)
        starts = np.where(is_treated, draws.astype(float), np.nan)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(n_periods), n_units)
    unit_start = starts[unit]
    treatment = (period >= unit_start).astype(int)  # NaN compares False
    relative = period - unit_start
    trend = np.where(np.isfinite(relative) & (relative < 0), pre_trend * relative, 0.0)
    unit_effect = rng.normal(0, 1, n_units)[unit] + 0.5 * is_treated[unit]
    period_effect = np.sin(np.arange(n_periods) / 3.0)[period] + 0.05 * period
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (-1, 1), got {rho}")
    shocks = rng.normal(size=(n_units, n_periods))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0]
    for k in range(1, n_periods):
        noise[:, k] = rho * noise[:, k - 1] + np.sqrt(1 - rho**2) * shocks[:, k]
    outcome = unit_effect + period_effect + effect * treatment + trend + noise.ravel()
    return pd.DataFrame(
        {
            "unit": unit,
            "period": period,
            "treated_group": is_treated[unit].astype(int),
            "post": (period >= start).astype(int),
            "treatment_start": unit_start,
            "treatment": treatment,
            "outcome": outcome,
        }
    )
