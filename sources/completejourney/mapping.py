"""The whole batch: every contract table this source can fill, mapped from the source tables."""

from __future__ import annotations

import pyarrow as pa

from sources.completejourney.baskets import map_order_items, map_orders, map_stores
from sources.completejourney.campaigns import map_campaigns, map_exposures
from sources.completejourney.catalog import map_catalog
from sources.completejourney.customers import map_customers
from sources.completejourney.read import SourceData


def map_batch(source: SourceData, whole_catalog: bool) -> dict[str, pa.Table]:
    """Contract tables by name. `whole_catalog` keeps every product (the full batch); a
    subsample keeps the products, stores and campaigns its households reference."""
    lines = source.transactions
    catalog = map_catalog(source.products, lines["product_id"].unique(), whole_catalog)
    campaign_ids = None
    if not whole_catalog:
        campaign_ids = source.campaigns["campaign_id"].unique()
    return {
        "categories": catalog["categories"],
        "brands": catalog["brands"],
        "stores": map_stores(lines),
        "products": catalog["products"],
        "customers": map_customers(lines, source.demographics),
        "campaigns": map_campaigns(source.campaign_descriptions, campaign_ids),
        "orders": map_orders(lines),
        "order_items": map_order_items(lines),
        "campaign_exposures": map_exposures(
            source.campaigns, source.campaign_descriptions, source.coupon_redemptions
        ),
    }
