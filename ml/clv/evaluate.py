"""CLV on a time-based holdout, with no ground truth: calibrate on one period, predict the next.

The models are fitted on purchases up to `calibration_end`; each calibration customer's
expected repeat purchases in (calibration_end, holdout_end] are compared with the purchases
they actually made there, counted like the fit counts them (distinct purchase weeks). The naive
baseline assumes every customer keeps the repeat rate they showed in calibration
(frequency / T). Any shop's transaction log can be evaluated this way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.clv.train import FREQ, end_of_day, fit_clv


@dataclass(frozen=True)
class HoldoutEvaluation:
    """Per-customer predictions vs actuals, the cumulative curve and summary metrics."""

    customers: pd.DataFrame  # customer_id, predicted, naive, actual
    cumulative: pd.DataFrame  # week, predicted, actual (cumulative repeat purchases)
    metrics: dict[str, float]


def _holdout_periods(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Distinct (customer, purchase week) pairs in (start, end], counted as the fit counts
    purchases, each with `week`: the holdout week (1, 2, ...) of its first purchase."""
    dates = pd.to_datetime(transactions[date_col])
    if dates.dt.tz is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    keep = ((dates > start) & (dates <= end)).to_numpy()
    frame = pd.DataFrame(
        {
            "customer_id": transactions[customer_col].to_numpy()[keep],
            "period": dates[keep].dt.to_period(FREQ).array.asi8,
            "date": dates[keep].to_numpy(),
        }
    )
    frame = frame.groupby(["customer_id", "period"], as_index=False)["date"].min()
    elapsed = (frame["date"] - start) / pd.Timedelta(days=7)
    frame["week"] = np.ceil(elapsed).astype(int).clip(lower=1)
    return frame


def holdout_evaluation(
    transactions: pd.DataFrame,
    calibration_end: dt.date,
    holdout_end: dt.date,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "order_total",
) -> HoldoutEvaluation:
    """Fit on purchases up to `calibration_end`, evaluate on (calibration_end, holdout_end].

    Metrics: mae (model), naive_mae, mae_ratio (model / naive, < 1 is better), the
    predicted and actual totals, and the number of calibration customers.
    """
    if holdout_end <= calibration_end:
        raise ValueError(
            f"holdout_end {holdout_end} must be after calibration_end {calibration_end}"
        )
    fitted = fit_clv(
        transactions,
        calibration_end,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    summary = fitted.summary
    start, end = end_of_day(calibration_end), end_of_day(holdout_end)
    weeks = (end - start) / pd.Timedelta(days=7)
    x, t_x, big_t = (
        summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")
    )
    predicted = fitted.bgnbd.expected_purchases(weeks, x, t_x, big_t)
    naive = np.where(big_t > 0, x / np.maximum(big_t, 1e-9), 0.0) * weeks
    holdout = _holdout_periods(transactions, customer_col, date_col, start, end)
    actual = (
        holdout.groupby("customer_id").size().reindex(summary.index, fill_value=0)
    ).to_numpy(dtype=float)
    customers = pd.DataFrame(
        {
            "customer_id": summary.index.to_numpy(),
            "predicted": predicted,
            "naive": naive,
            "actual": actual,
        }
    )
    n_weeks = int(np.ceil(weeks))
    steps = np.arange(1, n_weeks + 1, dtype=float)
    expected_by_week = [
        float(fitted.bgnbd.expected_purchases(min(s, weeks), x, t_x, big_t).sum())
        for s in steps
    ]
    known = holdout[holdout["customer_id"].isin(summary.index)]
    actual_by_week = (
        known.groupby("week").size().reindex(range(1, n_weeks + 1), fill_value=0)
    ).cumsum()
    cumulative = pd.DataFrame(
        {
            "week": steps.astype(int),
            "predicted": expected_by_week,
            "actual": actual_by_week.to_numpy(dtype=float),
        }
    )
    mae = float(np.mean(np.abs(predicted - actual)))
    naive_mae = float(np.mean(np.abs(naive - actual)))
    metrics = {
        "mae": mae,
        "naive_mae": naive_mae,
        "mae_ratio": mae / naive_mae if naive_mae > 0 else float("nan"),
        "predicted_total": float(predicted.sum()),
        "actual_total": float(actual.sum()),
        "naive_total": float(naive.sum()),
        "n_customers": float(len(customers)),
        "weeks": float(weeks),
    }
    return HoldoutEvaluation(customers, cumulative, metrics)
