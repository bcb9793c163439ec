"""Turn a transaction log into the RFM summary the CLV models are fitted on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.clv._validation import require_columns, require_non_empty

#: Period codes accepted by `rfm_summary` (pandas Period frequencies).
SUPPORTED_FREQS = ("D", "W", "M")


def _naive_utc(values: pd.Series) -> pd.Series:
    """Parse to datetime; tz-aware values are converted to UTC and made naive."""
    parsed = pd.to_datetime(values)
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def _naive_utc_scalar(value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str,
    observation_end: object,
    freq: str = "W",
) -> pd.DataFrame:
    """Summarise a transaction log per customer (the `lifetimes` conventions).

    Dates are bucketed into periods of `freq` ("D", "W" or "M"); several purchases in one
    period count as one purchase whose value is their sum. Transactions after
    `observation_end` are ignored. tz-aware dates are compared in UTC.

    Returns:
        DataFrame indexed by customer with
        - frequency: number of distinct purchase periods after the first one,
        - recency: periods from the first to the last purchase period,
        - T: periods from the first purchase period to the period of `observation_end`,
        - monetary_value: mean value of the repeat purchase periods (0 when frequency == 0).
    """
    if freq not in SUPPORTED_FREQS:
        raise ValueError(f"freq must be one of {SUPPORTED_FREQS}, got {freq!r}")
    require_columns(transactions, [customer_col, date_col, amount_col], "transactions")
    require_non_empty(transactions, "transactions")
    for col in (customer_col, date_col, amount_col):
        n_null = int(transactions[col].isna().sum())
        if n_null:
            raise ValueError(f"transactions column {col!r} has {n_null} null value(s)")
    amounts = pd.to_numeric(transactions[amount_col], errors="coerce")
    if amounts.isna().any():
        raise ValueError(f"transactions column {amount_col!r} has non-numeric values")
    if (amounts < 0).any():
        raise ValueError(
            f"transactions column {amount_col!r} has {int((amounts < 0).sum())} negative amount(s)"
        )

    end = _naive_utc_scalar(observation_end)
    dates = _naive_utc(transactions[date_col])
    keep = (dates <= end).to_numpy()
    if not keep.any():
        raise ValueError(
            f"no transactions on or before observation_end={observation_end}"
        )

    frame = pd.DataFrame(
        {
            "customer": transactions[customer_col].to_numpy()[keep],
            # Period ordinals count whole periods, so differences are in `freq` units.
            "period": dates[keep].dt.to_period(freq).array.asi8,
            "amount": amounts.to_numpy(dtype=float)[keep],
        }
    )
    per_period = (
        frame.groupby(["customer", "period"], sort=True)["amount"].sum().reset_index()
    )
    grouped = per_period.groupby("customer", sort=True)
    first = grouped["period"].transform("min")
    is_repeat = per_period["period"] != first
    end_ordinal = pd.Period(end, freq=freq).ordinal

    summary = pd.DataFrame(
        {
            "frequency": grouped["period"].size() - 1,
            "recency": grouped["period"].max() - grouped["period"].min(),
            "T": end_ordinal - grouped["period"].min(),
        }
    )
    repeat_mean = per_period[is_repeat].groupby("customer")["amount"].mean()
    summary["monetary_value"] = repeat_mean.reindex(summary.index).fillna(0.0)
    summary = summary.astype(
        {"frequency": np.int64, "recency": float, "T": float, "monetary_value": float}
    )
    summary.index.name = customer_col
    return summary
