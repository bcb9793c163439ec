"""customers: one row per household that shopped, with its demographics where the source has them."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from sources.completejourney.arrow_columns import ints, timestamps

#: The source's household_size is text with an open top band; "5+" counts as 5 (a lower bound).
HOUSEHOLD_SIZES = {"1": 1, "2": 2, "3": 3, "4": 4, "5+": 5}


def household_size(values: pd.Series) -> pd.Series:
    """Source household_size text ("1".."4", "5+") as nullable ints; unknown values are NULL."""
    return values.map(HOUSEHOLD_SIZES).astype("Int64")


def map_customers(transactions: pd.DataFrame, demographics: pd.DataFrame) -> pa.Table:
    """customer_id = household_id; signed_up_at = the household's first transaction (the
    source has no registration date); age/income bands, size and composition from
    demographics (801 of 2,469 households; NULL for the rest)."""
    first = (
        transactions.groupby("household_id", sort=True)["transaction_timestamp"]
        .min()
        .rename("signed_up_at")
        .reset_index()
    )
    frame = first.merge(
        demographics, on="household_id", how="left", validate="one_to_one"
    )
    return pa.table(
        {
            "customer_id": ints(frame["household_id"]),
            "signed_up_at": timestamps(frame["signed_up_at"]),
            "age_band": pa.array(frame["age"], pa.string(), from_pandas=True),
            "income_band": pa.array(frame["income"], pa.string(), from_pandas=True),
            "household_size": ints(household_size(frame["household_size"])),
            "household_composition": pa.array(
                frame["household_comp"], pa.string(), from_pandas=True
            ),
        }
    )
