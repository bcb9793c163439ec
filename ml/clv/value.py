"""Discounted customer lifetime value from a BG/NBD and a Gamma-Gamma model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.clv._validation import require_columns, rfm_from_summary
from ml.clv.bgnbd import BGNBDParams
from ml.clv.gamma_gamma import GammaGammaParams

#: Length of each supported period in days (a month is the mean Gregorian month).
PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.2425 / 12}


def customer_lifetime_value(
    bgnbd: BGNBDParams,
    gamma_gamma: GammaGammaParams,
    summary: pd.DataFrame,
    horizon: int = 52,
    discount_rate: float = 0.01,
    freq: str = "W",
    summary_freq: str | None = None,
) -> pd.DataFrame:
    """Expected discounted spend of each customer over the next `horizon` periods.

    CLV = sum_{k=1..horizon} E[purchases in period k] * E[spend per purchase] / (1 + d)^k,
    where the purchases in period k are the increment of BG/NBD's conditional expectation.

    Args:
        bgnbd: fitted BG/NBD parameters (time in the summary's units).
        gamma_gamma: fitted Gamma-Gamma parameters.
        summary: RFM summary with frequency, recency, T and monetary_value columns.
        horizon: number of `freq` periods to sum over.
        discount_rate: discount rate per `freq` period.
        freq: the period of `horizon` and `discount_rate` ("D", "W" or "M").
        summary_freq: the time unit of the summary and the BG/NBD fit; defaults to `freq`.

    Returns:
        DataFrame indexed like `summary` with p_alive, expected_purchases (over the horizon),
        expected_spend (per purchase) and clv.
    """
    summary_freq = freq if summary_freq is None else summary_freq
    for name, value in (("freq", freq), ("summary_freq", summary_freq)):
        if value not in PERIOD_DAYS:
            raise ValueError(
                f"{name} must be one of {sorted(PERIOD_DAYS)}, got {value!r}"
            )
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(
            f"horizon must be a positive whole number of periods, got {horizon!r}"
        )
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError(f"discount_rate must be > -1, got {discount_rate}")
    require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "summary")
    x, t_x, big_t = rfm_from_summary(summary)

    scale = PERIOD_DAYS[freq] / PERIOD_DAYS[summary_freq]
    steps = np.arange(0, horizon + 1) * scale
    cumulative = bgnbd.expected_purchases(
        steps[:, None], x[None, :], t_x[None, :], big_t[None, :]
    )
    per_period = np.diff(cumulative, axis=0)
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1)
    spend = gamma_gamma.expected_spend(
        x, summary["monetary_value"].to_numpy(dtype=float)
    )
    return pd.DataFrame(
        {
            "p_alive": bgnbd.p_alive(x, t_x, big_t),
            "expected_purchases": cumulative[-1],
            "expected_spend": spend,
            "clv": (discount[:, None] * per_period).sum(axis=0) * spend,
        },
        index=summary.index,
    )
