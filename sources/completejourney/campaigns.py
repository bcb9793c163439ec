"""campaigns (campaign_descriptions) and campaign_exposures (campaigns.parquet, with the first
coupon redemption per household and campaign).

All 27 campaigns are coupon campaigns (84.51°: in Type A each household receives a selection of
coupons targeted to it; in Types B and C every participating household receives the same
ones): campaign_type is "discount" for all, and the source type is kept in campaign_name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from sources.completejourney.arrow_columns import dates, ints, timestamps

CAMPAIGN_TYPE = "discount"


def map_campaigns(
    descriptions: pd.DataFrame, keep: np.ndarray | None = None
) -> pa.Table:
    """One row per campaign (only the ids in `keep` when given)."""
    frame = descriptions.sort_values("campaign_id").reset_index(drop=True)
    if keep is not None:
        frame = frame[frame["campaign_id"].isin(keep)].reset_index(drop=True)
    return pa.table(
        {
            "campaign_id": ints(frame["campaign_id"]),
            "campaign_name": pa.array(
                [
                    f"{kind} campaign {cid}"
                    for kind, cid in zip(
                        frame["campaign_type"], frame["campaign_id"], strict=True
                    )
                ],
                pa.string(),
            ),
            "campaign_type": pa.array([CAMPAIGN_TYPE] * len(frame), pa.string()),
            "start_date": dates(frame["start_date"]),
            "end_date": dates(frame["end_date"]),
        }
    )


def map_exposures(
    exposures: pd.DataFrame, descriptions: pd.DataFrame, redemptions: pd.DataFrame
) -> pa.Table:
    """One row per (campaign, household) the source says received the campaign.

    exposure_id = the pair's position in campaigns.parquet (`read.SourceData`);
    exposed_at = the campaign's start date (midnight UTC; the source has no delivery time);
    redeemed_at = the household's first coupon redemption in the campaign (midnight UTC of that
    day), NULL if none.
    """
    first_redemption = (
        redemptions.groupby(["household_id", "campaign_id"], sort=True)[
            "redemption_date"
        ]
        .min()
        .rename("redeemed_at")
        .reset_index()
    )
    frame = exposures.merge(
        descriptions[["campaign_id", "start_date"]],
        on="campaign_id",
        how="left",
        validate="many_to_one",
    ).merge(
        first_redemption,
        on=["household_id", "campaign_id"],
        how="left",
        validate="one_to_one",
    )
    frame = frame.sort_values("exposure_id").reset_index(drop=True)
    return pa.table(
        {
            "exposure_id": ints(frame["exposure_id"]),
            "campaign_id": ints(frame["campaign_id"]),
            "customer_id": ints(frame["household_id"]),
            "exposed_at": timestamps(frame["start_date"]),
            "redeemed_at": timestamps(frame["redeemed_at"]),
        }
    )
