"""rfm_summary against hand-computed values on a tiny transaction log."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.clv import rfm_summary


@pytest.fixture
def transactions() -> pd.DataFrame:
    # Weeks (Mon-Sun): W1 = Jan 1-7, W2 = Jan 8-14, W3 = Jan 15-21, W4 = Jan 22-28, W5 = Jan 29-Feb 4.
    return pd.DataFrame(
        {
            "cust": ["A", "A", "A", "A", "A", "B", "C"],
            "day": pd.to_datetime(
                [
                    "2024-01-01 09:00",  # A, W1
                    "2024-01-02 18:30",  # A, W1 again: same week, amounts add up
                    "2024-01-10 12:00",  # A, W2
                    "2024-01-24 08:00",  # A, W4
                    "2024-02-05 10:00",  # A, after observation_end: ignored
                    "2024-01-15 11:00",  # B, W3, only purchase
                    "2024-02-10 10:00",  # C, only after observation_end: not a customer yet
                ]
            ),
            "value": [10.0, 5.0, 20.0, 30.0, 100.0, 40.0, 7.0],
        }
    )


def test_weekly_summary_matches_hand_computation(transactions: pd.DataFrame) -> None:
    summary = rfm_summary(transactions, "cust", "day", "value", "2024-01-31", freq="W")
    assert list(summary.index) == ["A", "B"]
    assert summary.index.name == "cust"
    assert summary.loc["A"].to_dict() == {
        "frequency": 2,  # W2, W4 after the first week W1
        "recency": 3.0,  # W4 - W1
        "T": 4.0,  # W5 (Jan 31) - W1
        "monetary_value": 25.0,  # mean of 20 and 30; the first week's 15 is excluded
    }
    assert summary.loc["B"].to_dict() == {
        "frequency": 0,
        "recency": 0.0,
        "T": 2.0,
        "monetary_value": 0.0,
    }


def test_daily_summary_matches_hand_computation(transactions: pd.DataFrame) -> None:
    summary = rfm_summary(transactions, "cust", "day", "value", "2024-01-31", freq="D")
    a = summary.loc["A"]
    assert a["frequency"] == 3  # Jan 2, Jan 10, Jan 24
    assert a["recency"] == 23.0
    assert a["T"] == 30.0
    assert a["monetary_value"] == pytest.approx((5 + 20 + 30) / 3)
    assert summary.loc["B", "T"] == 16.0


def test_timezone_aware_dates_are_compared_in_utc(transactions: pd.DataFrame) -> None:
    aware = transactions.assign(day=transactions["day"].dt.tz_localize("UTC"))
    naive = rfm_summary(transactions, "cust", "day", "value", "2024-01-31", freq="W")
    tz = rfm_summary(
        aware, "cust", "day", "value", pd.Timestamp("2024-01-31", tz="UTC")
    )
    pd.testing.assert_frame_equal(naive, tz)


def test_string_dates_are_parsed(transactions: pd.DataFrame) -> None:
    as_text = transactions.assign(day=transactions["day"].dt.strftime("%Y-%m-%d %H:%M"))
    summary = rfm_summary(as_text, "cust", "day", "value", "2024-01-31")
    assert summary.loc["A", "frequency"] == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda df: df.drop(columns=["value"]), r"missing column\(s\) \['value'\]"),
        (lambda df: df.iloc[0:0], "transactions is empty"),
        (lambda df: df.assign(value=df["value"] - 20), "negative amount"),
        (lambda df: df.assign(cust=[None, *df["cust"][1:]]), "'cust' has 1 null"),
    ],
)
def test_bad_input_is_named(transactions: pd.DataFrame, mutate, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rfm_summary(mutate(transactions), "cust", "day", "value", "2024-01-31")


def test_unknown_freq_and_nothing_observed_are_rejected(
    transactions: pd.DataFrame,
) -> None:
    with pytest.raises(ValueError, match="freq must be one of"):
        rfm_summary(transactions, "cust", "day", "value", "2024-01-31", freq="Q")
    with pytest.raises(ValueError, match="no transactions on or before"):
        rfm_summary(transactions, "cust", "day", "value", "2023-01-01")
