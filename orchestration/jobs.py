"""Jobs: the full refresh, the daily increment, and the load triggered by a landed batch."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.raw import landed_batch, raw_tables

RAW_TABLES = dg.AssetSelection.assets(raw_tables)
EVERYTHING = dg.AssetSelection.all()

full_refresh_job = dg.define_asset_job(
    "full_refresh",
    selection=EVERYTHING,
    description="Land the initial two-year batch (reused when present), load, rebuild the warehouse from scratch, then everything downstream.",
    config={
        "ops": {
            "landed_batch": {"config": {"mode": "initial"}},
            "warehouse_dbt": {"config": {"full_refresh": True}},
        }
    },
)

daily_incremental_job = dg.define_asset_job(
    "daily_incremental",
    selection=EVERYTHING,
    description="Generate the next day's batch → load → incremental dbt build → downstream.",
    config={
        "ops": {
            "landed_batch": {"config": {"mode": "next_day", "days": 1}},
            "warehouse_dbt": {"config": {"full_refresh": False}},
        }
    },
)

load_landed_job = dg.define_asset_job(
    "load_landed_batches",
    selection=RAW_TABLES.downstream(),
    description="Load batches that landed in the landing directory, then build downstream incrementally.",
)

__all__ = [
    "daily_incremental_job",
    "full_refresh_job",
    "landed_batch",
    "load_landed_job",
]
