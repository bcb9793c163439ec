"""The raw data contract: every table the generator writes and the loader loads.

This module is the single source of truth for table names, column names, types, keys and
value domains. The generator writes exactly these columns in this order; the loader creates
`raw.<table>` from it; raw validation builds its expectation suites from it; the dbt sources
mirror it. Change a column here and all four follow (tests check the dbt sources agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["int", "text", "money", "float", "date", "timestamp", "bool"]

# PostgreSQL type per contract type (raw schema).
PG_TYPES: dict[str, str] = {
    "int": "bigint",
    "text": "text",
    "money": "numeric(14, 2)",
    "float": "double precision",
    "date": "date",
    "timestamp": "timestamptz",
    "bool": "boolean",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False
    pii: bool = False
    allowed: tuple[str, ...] | None = None  # allowed values (enums)
    min: float | None = None  # inclusive lower bound for numerics
    max: float | None = None  # inclusive upper bound for numerics
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: str
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    # the column that orders a table's rows in time (for incremental batches / freshness)
    event_time: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
SALES_CHANNELS = ("web", "mobile_app", "marketplace")
ACQUISITION_CHANNELS = (
    "organic",
    "paid_search",
    "social",
    "email",
    "referral",
    "affiliate",
)
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
GENDERS = ("female", "male", "other", "unknown")
PAYMENT_METHODS = ("card", "paypal", "gift_card", "bank_transfer")
PAYMENT_STATUSES = ("captured", "refunded", "failed")
CARRIERS = ("ups", "fedex", "usps", "dhl")
SHIPMENT_STATUSES = ("in_transit", "delivered", "lost")
RETURN_REASONS = (
    "damaged",
    "wrong_item",
    "not_as_described",
    "changed_mind",
    "too_late",
)
DEVICES = ("desktop", "mobile", "tablet")
TRAFFIC_SOURCES = (
    "direct",
    "organic_search",
    "paid_search",
    "social",
    "email",
    "referral",
)
EVENT_TYPES = ("product_view", "add_to_cart")
CAMPAIGN_TYPES = ("email", "discount", "free_shipping", "retargeting", "loyalty")
TICKET_CHANNELS = ("email", "chat", "phone")
TICKET_CATEGORIES = ("delivery", "refund", "product", "account", "payment")
TICKET_PRIORITIES = ("low", "medium", "high", "urgent")
TICKET_STATUSES = ("open", "resolved", "closed")
REGIONS = ("northeast", "southeast", "midwest", "southwest", "west")

C = Column
FK = ForeignKey

TABLES: tuple[Table, ...] = (
    Table(
        "geography",
        "Postal areas customers live in and orders ship to; one row per postal code.",
        (
            C("geography_id", "int", min=1),
            C("country_code", "text", allowed=("US",)),
            C(
                "region",
                "text",
                allowed=REGIONS,
                description="sales region; the free-shipping rollout is by region",
            ),
            C("state", "text"),
            C("city", "text"),
            C("postal_code", "text"),
            C("latitude", "float", min=-90, max=90),
            C("longitude", "float", min=-180, max=180),
        ),
        primary_key="geography_id",
    ),
    Table(
        "categories",
        "Product category tree: departments (no parent) and their subcategories.",
        (
            C("category_id", "int", min=1),
            C("category_name", "text"),
            C("parent_category_id", "int", nullable=True, min=1),
        ),
        primary_key="category_id",
        foreign_keys=(FK("parent_category_id", "categories", "category_id"),),
    ),
    Table(
        "brands",
        "Brands that make the products.",
        (
            C("brand_id", "int", min=1),
            C("brand_name", "text"),
            C("is_private_label", "bool"),
        ),
        primary_key="brand_id",
    ),
    Table(
        "products",
        "Catalogue items; price changes arrive as new rows in later batches (same product_id, newer updated_at).",
        (
            C("product_id", "int", min=1),
            C("sku", "text"),
            C("product_name", "text"),
            C("category_id", "int", min=1),
            C("brand_id", "int", min=1),
            C("unit_price", "money", min=0.01),
            C("unit_cost", "money", min=0.0),
            C("weight_kg", "float", min=0.0),
            C("launched_at", "timestamp"),
            C("updated_at", "timestamp"),
        ),
        primary_key="product_id",
        foreign_keys=(
            FK("category_id", "categories", "category_id"),
            FK("brand_id", "brands", "brand_id"),
        ),
        event_time="updated_at",
    ),
    Table(
        "customers",
        "Registered customers with personal data; tier/address/email changes arrive as new rows in later batches.",
        (
            C("customer_id", "int", min=1),
            C("first_name", "text", pii=True),
            C("last_name", "text", pii=True),
            C("email", "text", pii=True),
            C("phone", "text", pii=True),
            C("street_address", "text", pii=True),
            C("geography_id", "int", min=1),
            C("birth_date", "date", pii=True),
            C("gender", "text", allowed=GENDERS),
            C("acquisition_channel", "text", allowed=ACQUISITION_CHANNELS),
            C("loyalty_tier", "text", allowed=LOYALTY_TIERS),
            C("is_marketing_opt_in", "bool"),
            C("signed_up_at", "timestamp"),
            C("updated_at", "timestamp"),
        ),
        primary_key="customer_id",
        foreign_keys=(FK("geography_id", "geography", "geography_id"),),
        event_time="updated_at",
    ),
    Table(
        "campaigns",
        "Marketing campaigns.",
        (
            C("campaign_id", "int", min=1),
            C("campaign_name", "text"),
            C("campaign_type", "text", allowed=CAMPAIGN_TYPES),
            C(
                "channel",
                "text",
                allowed=("email", "social", "paid_search", "onsite", "sms"),
            ),
            C("discount_pct", "float", min=0, max=100),
            C("budget", "money", min=0),
            C("start_date", "date"),
            C("end_date", "date"),
        ),
        primary_key="campaign_id",
    ),
    Table(
        "orders",
        "Customer orders. order_total = items_subtotal - discount_amount + shipping_amount.",
        (
            C("order_id", "int", min=1),
            C("customer_id", "int", min=1),
            C("ordered_at", "timestamp"),
            C("status", "text", allowed=ORDER_STATUSES),
            C("channel", "text", allowed=SALES_CHANNELS),
            C("shipping_geography_id", "int", min=1),
            C(
                "campaign_id",
                "int",
                nullable=True,
                min=1,
                description="campaign the order is attributed to",
            ),
            C("currency", "text", allowed=("USD",)),
            C("items_subtotal", "money", min=0),
            C("discount_amount", "money", min=0),
            C("shipping_amount", "money", min=0),
            C("order_total", "money", min=0),
        ),
        primary_key="order_id",
        foreign_keys=(
            FK("customer_id", "customers", "customer_id"),
            FK("shipping_geography_id", "geography", "geography_id"),
            FK("campaign_id", "campaigns", "campaign_id"),
        ),
        event_time="ordered_at",
    ),
    Table(
        "order_items",
        "Order lines. line_total = quantity * unit_price - discount_amount.",
        (
            C("order_item_id", "int", min=1),
            C("order_id", "int", min=1),
            C("line_number", "int", min=1),
            C("product_id", "int", min=1),
            C("quantity", "int", min=1),
            C("unit_price", "money", min=0.01),
            C("discount_amount", "money", min=0),
            C("line_total", "money", min=0),
        ),
        primary_key="order_item_id",
        foreign_keys=(
            FK("order_id", "orders", "order_id"),
            FK("product_id", "products", "product_id"),
        ),
    ),
    Table(
        "payments",
        "Payment transactions against orders.",
        (
            C("payment_id", "int", min=1),
            C("order_id", "int", min=1),
            C("paid_at", "timestamp"),
            C("payment_method", "text", allowed=PAYMENT_METHODS),
            C("status", "text", allowed=PAYMENT_STATUSES),
            C("amount", "money", min=0),
        ),
        primary_key="payment_id",
        foreign_keys=(FK("order_id", "orders", "order_id"),),
        event_time="paid_at",
    ),
    Table(
        "shipments",
        "Shipments of orders; delivered_at is empty while in transit.",
        (
            C("shipment_id", "int", min=1),
            C("order_id", "int", min=1),
            C("carrier", "text", allowed=CARRIERS),
            C("status", "text", allowed=SHIPMENT_STATUSES),
            C("shipped_at", "timestamp"),
            C("delivered_at", "timestamp", nullable=True),
        ),
        primary_key="shipment_id",
        foreign_keys=(FK("order_id", "orders", "order_id"),),
        event_time="shipped_at",
    ),
    Table(
        "returns",
        "Returned order lines.",
        (
            C("return_id", "int", min=1),
            C("order_item_id", "int", min=1),
            C("order_id", "int", min=1),
            C("returned_at", "timestamp"),
            C("quantity", "int", min=1),
            C("refund_amount", "money", min=0),
            C("reason", "text", allowed=RETURN_REASONS),
        ),
        primary_key="return_id",
        foreign_keys=(
            FK("order_item_id", "order_items", "order_item_id"),
            FK("order_id", "orders", "order_id"),
        ),
        event_time="returned_at",
    ),
    Table(
        "reviews",
        "Product ratings (1-5) written by customers after delivery.",
        (
            C("review_id", "int", min=1),
            C("product_id", "int", min=1),
            C("customer_id", "int", min=1),
            C("order_id", "int", min=1),
            C("rating", "int", min=1, max=5),
            C("reviewed_at", "timestamp"),
        ),
        primary_key="review_id",
        foreign_keys=(
            FK("product_id", "products", "product_id"),
            FK("customer_id", "customers", "customer_id"),
            FK("order_id", "orders", "order_id"),
        ),
        event_time="reviewed_at",
    ),
    Table(
        "web_sessions",
        "Website/app sessions; customer_id is empty for anonymous visitors.",
        (
            C("session_id", "int", min=1),
            C("customer_id", "int", nullable=True, min=1),
            C("started_at", "timestamp"),
            C("ended_at", "timestamp"),
            C("device", "text", allowed=DEVICES),
            C("traffic_source", "text", allowed=TRAFFIC_SOURCES),
            C("page_views", "int", min=1),
            C(
                "order_id",
                "int",
                nullable=True,
                min=1,
                description="order placed in the session, if any",
            ),
        ),
        primary_key="session_id",
        foreign_keys=(
            FK("customer_id", "customers", "customer_id"),
            FK("order_id", "orders", "order_id"),
        ),
        event_time="started_at",
    ),
    Table(
        "web_events",
        "Product-level events inside sessions (views and add-to-carts).",
        (
            C("event_id", "int", min=1),
            C("session_id", "int", min=1),
            C("customer_id", "int", nullable=True, min=1),
            C("product_id", "int", min=1),
            C("event_type", "text", allowed=EVENT_TYPES),
            C("occurred_at", "timestamp"),
        ),
        primary_key="event_id",
        foreign_keys=(
            FK("session_id", "web_sessions", "session_id"),
            FK("customer_id", "customers", "customer_id"),
            FK("product_id", "products", "product_id"),
        ),
        event_time="occurred_at",
    ),
    Table(
        "campaign_exposures",
        "Customers targeted by (exposed to) a campaign.",
        (
            C("exposure_id", "int", min=1),
            C("campaign_id", "int", min=1),
            C("customer_id", "int", min=1),
            C("exposed_at", "timestamp"),
            C("is_opened", "bool"),
            C("is_clicked", "bool"),
        ),
        primary_key="exposure_id",
        foreign_keys=(
            FK("campaign_id", "campaigns", "campaign_id"),
            FK("customer_id", "customers", "customer_id"),
        ),
        event_time="exposed_at",
    ),
    Table(
        "support_tickets",
        "Customer support tickets.",
        (
            C("ticket_id", "int", min=1),
            C("customer_id", "int", min=1),
            C("order_id", "int", nullable=True, min=1),
            C("opened_at", "timestamp"),
            C("resolved_at", "timestamp", nullable=True),
            C("channel", "text", allowed=TICKET_CHANNELS),
            C("category", "text", allowed=TICKET_CATEGORIES),
            C("priority", "text", allowed=TICKET_PRIORITIES),
            C("status", "text", allowed=TICKET_STATUSES),
            C("satisfaction_score", "int", nullable=True, min=1, max=5),
        ),
        primary_key="ticket_id",
        foreign_keys=(
            FK("customer_id", "customers", "customer_id"),
            FK("order_id", "orders", "order_id"),
        ),
        event_time="opened_at",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Metadata columns the loader adds to every raw table.
LOAD_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "text"),
    ("_loaded_at", "timestamptz"),
    ("_source_file", "text"),
)


def get_table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"unknown raw table {name!r}; known: {', '.join(TABLES_BY_NAME)}"
        ) from None
