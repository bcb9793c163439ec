"""Dagster resources: the warehouse connection (settings come from the environment)."""

from __future__ import annotations

import dagster as dg


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse, as the writer role: `database_url` empty → ECOM_DATABASE_URL,
    else the embedded server as ecom_transformer (never the reader: assets write)."""

    database_url: str = ""

    def url(self) -> str:
        from warehouse.connection import database_url

        return self.database_url or database_url(start=True)
