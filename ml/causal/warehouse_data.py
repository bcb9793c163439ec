"""Reading the warehouse marts for the causal datasets: presence checks and queries."""

from __future__ import annotations

import pandas as pd

from warehouse.connection import connect

#: The marts the causal datasets read.
REQUIRED_MARTS = (
    "marts.fct_orders",
    "marts.fct_campaign_exposures",
    "marts.dim_customers",
    "marts.dim_campaigns",
    "marts.dim_geography",
)


class WarehouseDataError(RuntimeError):
    """The warehouse lacks the marts or the rows an analysis dataset needs."""


def require_marts(url: str, tables: tuple[str, ...] = REQUIRED_MARTS) -> None:
    """Raise WarehouseDataError naming every missing mart (run `dbt build` first)."""
    with connect(url) as conn:
        found = {
            t: conn.execute("select to_regclass(%s)", (t,)).fetchone() for t in tables
        }
    missing = [t for t, row in found.items() if row is None or row[0] is None]
    if missing:
        raise WarehouseDataError(
            f"the warehouse is missing {missing}: build the dbt marts first "
            "(`ecom dbt build` or `dbt build --select +fct_orders +fct_campaign_exposures`)"
        )


def query(url: str, sql: str, params: dict | tuple | None = None) -> pd.DataFrame:
    """Run one SELECT and return its rows as a DataFrame (column names from the cursor)."""
    with connect(url) as conn:
        cur = conn.execute(sql, params)
        columns = [c.name for c in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=columns)
