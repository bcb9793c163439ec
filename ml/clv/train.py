"""Fit the CLV models (BG/NBD + Gamma-Gamma) on a purchase log, in weeks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ml.clv.bgnbd import BGNBDParams, fit_bgnbd
from ml.clv.gamma_gamma import GammaGammaParams, fit_gamma_gamma
from ml.clv.rfm import rfm_summary

#: The models' time unit (the generator's too): weekly periods.
FREQ = "W"


@dataclass(frozen=True)
class FittedCLV:
    """The RFM summary at `observation_end` and the two models fitted on it."""

    summary: pd.DataFrame
    bgnbd: BGNBDParams
    gamma_gamma: GammaGammaParams
    observation_end: dt.date


def end_of_day(day: dt.date) -> pd.Timestamp:
    """The last instant of `day`: purchases on the observation end day count."""
    return pd.Timestamp(day) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)


def fit_clv(
    transactions: pd.DataFrame,
    observation_end: dt.date,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "order_total",
) -> FittedCLV:
    """Summarise `transactions` up to `observation_end` and fit BG/NBD and Gamma-Gamma."""
    summary = rfm_summary(
        transactions,
        customer_col,
        date_col,
        amount_col,
        end_of_day(observation_end),
        freq=FREQ,
    )
    return FittedCLV(
        summary=summary,
        bgnbd=fit_bgnbd(summary),
        gamma_gamma=fit_gamma_gamma(summary),
        observation_end=observation_end,
    )
