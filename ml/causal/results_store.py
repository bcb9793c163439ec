"""The `analytics.campaign_effects` table (layout: `contracts.ml_outputs.CAMPAIGN_EFFECTS`):
written atomically, read back for apps and tests."""

from __future__ import annotations

import pandas as pd
from psycopg import sql

from contracts.ml_outputs import CAMPAIGN_EFFECTS
from warehouse.connection import connect
from warehouse.tables import replace_table

#: Column names in table order.
COLUMNS: tuple[str, ...] = tuple(CAMPAIGN_EFFECTS.column_names)


def write_campaign_effects(url: str, df: pd.DataFrame) -> int:
    """Replace the rows of analytics.campaign_effects with `df`, in one transaction.

    Creates the schema and table when missing (and recreates the table when its columns
    differ from the contract). Readers see either the previous rows or the new ones, never a
    mix or an empty table. `diagnostics` dicts are stored as jsonb (NaN/inf as null).
    Returns rows written.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"campaign effects frame is missing column(s) {missing}; it has {list(df.columns)}"
        )
    return replace_table(url, CAMPAIGN_EFFECTS, df)


def read_campaign_effects(url: str) -> pd.DataFrame:
    """All rows of analytics.campaign_effects (raises if the table does not exist)."""
    with connect(url) as conn:
        cur = conn.execute(
            sql.SQL("select * from {} order by analysis, method, subgroup").format(
                sql.Identifier(CAMPAIGN_EFFECTS.schema, CAMPAIGN_EFFECTS.name)
            )
        )
        return pd.DataFrame(
            cur.fetchall(), columns=[c.name for c in cur.description or []]
        )
