"""The raw source contract: every table a source may deliver and the loader loads into `raw`.

The single source of truth for table names, column names, types, keys, value domains and
what is required. Every source (the generator, an adapter for a public dataset, a shop's own
exports) writes batches in this contract (docs/bring-your-own-data.md):

- a required table is in every batch (its file may hold no rows); an optional table may be
  left out, and then stays empty in the warehouse;
- a file holds every required column of its table and any of the optional ones, in any order,
  and nothing else; a missing optional column is NULL;
- a required column holds a value in every row unless it is `nullable`; an optional column
  may hold NULLs; `allowed`, `min` and `max` apply to every value present.

The loader creates `raw.<table>` with all the columns; raw validation generates its checks from
the contract; the dbt sources file is rendered from it (`contracts.dbt_sources`, tested equal
to the committed YAML); `ecom contract json-schema` prints it as JSON Schema.
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
    # a required column is in every file of its table; an optional one may be left out (NULL)
    required: bool = True

    @property
    def accepts_null(self) -> bool:
        """NULL values are fine: an optional column, or a required one marked nullable."""
        return self.nullable or not self.required


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
    # required tables are in every batch of every source; optional ones may be absent
    required: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


ORDER_STATUSES = (
    "placed",
    "paid",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
    "completed",  # paid and handed over at once (in store); last: the generator codes by index
)
SALES_CHANNELS = ("web", "mobile_app", "marketplace", "store")
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
            C("geography_id", "int", min=1, description="Postal area identifier."),
            C(
                "country_code",
                "text",
                required=False,
                description="ISO 3166-1 alpha-2 country code.",
            ),
            C(
                "region",
                "text",
                required=False,
                description="Sales region; the free-shipping rollout is by region.",
            ),
            C("state", "text", required=False, description="US state."),
            C("city", "text", required=False, description="City name."),
            C("postal_code", "text", required=False, description="Postal (ZIP) code."),
            C(
                "latitude",
                "float",
                min=-90,
                max=90,
                required=False,
                description="Latitude of the postal area centroid, degrees.",
            ),
            C(
                "longitude",
                "float",
                min=-180,
                max=180,
                required=False,
                description="Longitude of the postal area centroid, degrees.",
            ),
        ),
        primary_key="geography_id",
    ),
    Table(
        "categories",
        "Product category tree: departments (no parent) and their subcategories.",
        (
            C("category_id", "int", min=1, description="Product category identifier."),
            C("category_name", "text", description="Category name."),
            C(
                "parent_category_id",
                "int",
                nullable=True,
                min=1,
                required=False,
                description="Parent category (department); empty for departments themselves.",
            ),
        ),
        primary_key="category_id",
        foreign_keys=(FK("parent_category_id", "categories", "category_id"),),
    ),
    Table(
        "brands",
        "Brands that make the products.",
        (
            C("brand_id", "int", min=1, description="Brand identifier."),
            C("brand_name", "text", description="Brand name."),
            C(
                "is_private_label",
                "bool",
                required=False,
                description="True when the brand is the shop's own label.",
            ),
        ),
        primary_key="brand_id",
    ),
    Table(
        "stores",
        "Physical stores (or other points of sale) orders are placed in; one row per store.",
        (
            C("store_id", "int", min=1, description="Store identifier."),
            C("store_name", "text", required=False, description="Store name."),
            C(
                "geography_id",
                "int",
                min=1,
                required=False,
                description="Postal area of the store (geography).",
            ),
        ),
        primary_key="store_id",
        foreign_keys=(FK("geography_id", "geography", "geography_id"),),
    ),
    Table(
        "products",
        "Catalogue items; price changes arrive as new rows in later batches (same product_id, newer updated_at).",
        (
            C(
                "product_id",
                "int",
                min=1,
                description="Product identifier (several rows per product when attributes changed).",
            ),
            C("sku", "text", required=False, description="Stock keeping unit code."),
            C("product_name", "text", required=False, description="Product name."),
            C(
                "category_id",
                "int",
                min=1,
                required=False,
                description="Product category identifier.",
            ),
            C(
                "brand_id",
                "int",
                min=1,
                required=False,
                description="Brand identifier.",
            ),
            C(
                "unit_price",
                "money",
                min=0,
                required=False,
                description="List price per unit, USD.",
            ),
            C(
                "unit_cost",
                "money",
                min=0.0,
                required=False,
                description="Cost per unit to the shop, USD.",
            ),
            C(
                "weight_kg",
                "float",
                min=0,
                required=False,
                description="Shipping weight, kilograms.",
            ),
            C(
                "launched_at",
                "timestamp",
                required=False,
                description="When the product went on sale (UTC).",
            ),
            C(
                "updated_at",
                "timestamp",
                required=False,
                description="When this version of the product row became valid (UTC); price changes arrive as new rows.",
            ),
        ),
        primary_key="product_id",
        foreign_keys=(
            FK("category_id", "categories", "category_id"),
            FK("brand_id", "brands", "brand_id"),
        ),
        event_time="updated_at",
        required=True,
    ),
    Table(
        "customers",
        "Registered customers with personal data; tier/address/email changes arrive as new rows in later batches.",
        (
            C("customer_id", "int", min=1, description="Customer identifier."),
            C(
                "first_name",
                "text",
                pii=True,
                required=False,
                description="Customer first name (PII).",
            ),
            C(
                "last_name",
                "text",
                pii=True,
                required=False,
                description="Customer last name (PII).",
            ),
            C(
                "email",
                "text",
                pii=True,
                required=False,
                description="Customer email address (PII).",
            ),
            C(
                "phone",
                "text",
                pii=True,
                required=False,
                description="Customer phone number (PII).",
            ),
            C(
                "street_address",
                "text",
                pii=True,
                required=False,
                description="Customer street address (PII).",
            ),
            C(
                "geography_id",
                "int",
                min=1,
                required=False,
                description="Postal area of the customer's address.",
            ),
            C(
                "birth_date",
                "date",
                pii=True,
                required=False,
                description="Customer date of birth (PII).",
            ),
            C(
                "gender",
                "text",
                allowed=GENDERS,
                required=False,
                description="Self-reported gender.",
            ),
            C(
                "acquisition_channel",
                "text",
                required=False,
                description="Marketing channel that acquired the customer.",
            ),
            C(
                "loyalty_tier",
                "text",
                allowed=LOYALTY_TIERS,
                required=False,
                description="Loyalty programme tier.",
            ),
            C(
                "is_marketing_opt_in",
                "bool",
                required=False,
                description="True when the customer accepts marketing messages.",
            ),
            C(
                "signed_up_at",
                "timestamp",
                description="When the customer registered (UTC).",
            ),
            C(
                "updated_at",
                "timestamp",
                required=False,
                description="When this version of the customer row became valid (UTC); tier/address/email changes arrive as new rows.",
            ),
            C(
                "age_band",
                "text",
                required=False,
                description="Age band as the source records it (e.g. 35-44); derived from birth_date when absent.",
            ),
            C(
                "income_band",
                "text",
                required=False,
                description="Household income band as the source records it.",
            ),
            C(
                "household_size",
                "int",
                min=1,
                required=False,
                description="People in the household.",
            ),
            C(
                "household_composition",
                "text",
                required=False,
                description="Household composition as the source records it (e.g. 2 Adults Kids).",
            ),
        ),
        primary_key="customer_id",
        foreign_keys=(FK("geography_id", "geography", "geography_id"),),
        event_time="updated_at",
        required=True,
    ),
    Table(
        "campaigns",
        "Marketing campaigns.",
        (
            C(
                "campaign_id",
                "int",
                min=1,
                description="Marketing campaign identifier.",
            ),
            C("campaign_name", "text", required=False, description="Campaign name."),
            C("campaign_type", "text", required=False, description="Kind of campaign."),
            C(
                "channel",
                "text",
                required=False,
                description="Marketing channel the campaign runs on.",
            ),
            C(
                "discount_pct",
                "float",
                min=0,
                max=100,
                required=False,
                description="Discount offered, percent (0-100).",
            ),
            C(
                "budget",
                "money",
                min=0,
                required=False,
                description="Campaign budget, USD.",
            ),
            C("start_date", "date", description="First day of the campaign."),
            C("end_date", "date", description="Last day of the campaign."),
        ),
        primary_key="campaign_id",
    ),
    Table(
        "orders",
        "Customer orders. order_total = items_subtotal - discount_amount + shipping_amount.",
        (
            C("order_id", "int", min=1, description="Order identifier."),
            C(
                "customer_id",
                "int",
                min=1,
                description="Customer who placed the order.",
            ),
            C(
                "ordered_at",
                "timestamp",
                description="When the order was placed (UTC).",
            ),
            C(
                "status",
                "text",
                allowed=ORDER_STATUSES,
                required=False,
                description="Order lifecycle status.",
            ),
            C(
                "channel",
                "text",
                allowed=SALES_CHANNELS,
                required=False,
                description="Sales channel the order was placed through.",
            ),
            C(
                "shipping_geography_id",
                "int",
                min=1,
                required=False,
                description="Postal area the order ships to.",
            ),
            C(
                "campaign_id",
                "int",
                nullable=True,
                min=1,
                required=False,
                description="Campaign the order is attributed to; empty when none.",
            ),
            C(
                "currency",
                "text",
                allowed=("USD",),
                required=False,
                description="ISO 4217 currency code of all amounts.",
            ),
            C(
                "items_subtotal",
                "money",
                min=0,
                required=False,
                description="Sum of quantity * unit_price over the order's lines (before discounts), USD.",
            ),
            C(
                "discount_amount",
                "money",
                min=0,
                required=False,
                description="Discounts on the order (the sum of its lines' discounts), USD.",
            ),
            C(
                "shipping_amount",
                "money",
                min=0,
                required=False,
                description="Shipping charged, USD.",
            ),
            C(
                "order_total",
                "money",
                min=0,
                description="Amount charged: items_subtotal - discount_amount + shipping_amount, USD.",
            ),
            C(
                "store_id",
                "int",
                min=1,
                required=False,
                description="Store the order was placed in (stores); empty for online orders.",
            ),
        ),
        primary_key="order_id",
        foreign_keys=(
            FK("customer_id", "customers", "customer_id"),
            FK("shipping_geography_id", "geography", "geography_id"),
            FK("campaign_id", "campaigns", "campaign_id"),
            FK("store_id", "stores", "store_id"),
        ),
        event_time="ordered_at",
        required=True,
    ),
    Table(
        "order_items",
        "Order lines. line_total = quantity * unit_price - discount_amount.",
        (
            C("order_item_id", "int", min=1, description="Order line identifier."),
            C("order_id", "int", min=1, description="Order identifier."),
            C(
                "line_number",
                "int",
                min=1,
                required=False,
                description="Position of the line within its order (1-based).",
            ),
            C(
                "product_id",
                "int",
                min=1,
                description="Product identifier (several rows per product when attributes changed).",
            ),
            C("quantity", "int", min=0, description="Units."),
            C(
                "unit_price",
                "money",
                min=0,
                required=False,
                description="Price per unit charged on this line, USD.",
            ),
            C(
                "discount_amount",
                "money",
                min=0,
                required=False,
                description="Line-level discount, USD.",
            ),
            C(
                "line_total",
                "money",
                min=0,
                description="quantity * unit_price - discount_amount, USD.",
            ),
        ),
        primary_key="order_item_id",
        foreign_keys=(
            FK("order_id", "orders", "order_id"),
            FK("product_id", "products", "product_id"),
        ),
        required=True,
    ),
    Table(
        "payments",
        "Payment transactions against orders.",
        (
            C(
                "payment_id",
                "int",
                min=1,
                description="Payment transaction identifier.",
            ),
            C("order_id", "int", min=1, description="Order identifier."),
            C(
                "paid_at",
                "timestamp",
                description="When the payment was processed (UTC).",
            ),
            C(
                "payment_method",
                "text",
                allowed=PAYMENT_METHODS,
                required=False,
                description="Payment instrument.",
            ),
            C(
                "status",
                "text",
                allowed=PAYMENT_STATUSES,
                required=False,
                description="Payment outcome.",
            ),
            C("amount", "money", min=0, description="Amount of the transaction, USD."),
        ),
        primary_key="payment_id",
        foreign_keys=(FK("order_id", "orders", "order_id"),),
        event_time="paid_at",
    ),
    Table(
        "shipments",
        "Shipments of orders; delivered_at is empty while in transit.",
        (
            C("shipment_id", "int", min=1, description="Shipment identifier."),
            C("order_id", "int", min=1, description="Order identifier."),
            C("carrier", "text", required=False, description="Shipping carrier."),
            C(
                "status",
                "text",
                allowed=SHIPMENT_STATUSES,
                required=False,
                description="Shipment status.",
            ),
            C(
                "shipped_at",
                "timestamp",
                description="When the shipment left the warehouse (UTC).",
            ),
            C(
                "delivered_at",
                "timestamp",
                nullable=True,
                required=False,
                description="When the shipment was delivered (UTC); empty while in transit or lost.",
            ),
        ),
        primary_key="shipment_id",
        foreign_keys=(FK("order_id", "orders", "order_id"),),
        event_time="shipped_at",
    ),
    Table(
        "returns",
        "Returned order lines.",
        (
            C("return_id", "int", min=1, description="Return identifier."),
            C(
                "order_item_id",
                "int",
                min=1,
                required=False,
                description="Order line identifier.",
            ),
            C("order_id", "int", min=1, description="Order identifier."),
            C(
                "returned_at",
                "timestamp",
                description="When the return was received (UTC).",
            ),
            C("quantity", "int", min=1, description="Units returned."),
            C("refund_amount", "money", min=0, description="Amount refunded, USD."),
            C(
                "reason",
                "text",
                allowed=RETURN_REASONS,
                required=False,
                description="Reason given for the return.",
            ),
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
            C("review_id", "int", min=1, description="Review identifier."),
            C(
                "product_id",
                "int",
                min=1,
                description="Product identifier (several rows per product when attributes changed).",
            ),
            C("customer_id", "int", min=1, description="Customer identifier."),
            C(
                "order_id",
                "int",
                min=1,
                required=False,
                description="Order in which the reviewed product was bought.",
            ),
            C(
                "rating",
                "int",
                min=1,
                max=5,
                description="Star rating, 1 (worst) to 5 (best).",
            ),
            C(
                "reviewed_at",
                "timestamp",
                description="When the review was written (UTC).",
            ),
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
            C("session_id", "int", min=1, description="Web/app session identifier."),
            C(
                "customer_id",
                "int",
                nullable=True,
                min=1,
                required=False,
                description="Logged-in customer; empty for anonymous visitors.",
            ),
            C("started_at", "timestamp", description="Session start (UTC)."),
            C(
                "ended_at",
                "timestamp",
                required=False,
                description="Session end (UTC).",
            ),
            C(
                "device",
                "text",
                allowed=DEVICES,
                required=False,
                description="Device class.",
            ),
            C(
                "traffic_source",
                "text",
                allowed=TRAFFIC_SOURCES,
                required=False,
                description="Where the visit came from.",
            ),
            C(
                "page_views",
                "int",
                min=1,
                required=False,
                description="Pages viewed in the session.",
            ),
            C(
                "order_id",
                "int",
                nullable=True,
                min=1,
                required=False,
                description="Order placed in the session, if any.",
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
            C("event_id", "int", min=1, description="Web event identifier."),
            C(
                "session_id",
                "int",
                min=1,
                required=False,
                description="Web/app session identifier.",
            ),
            C(
                "customer_id",
                "int",
                nullable=True,
                min=1,
                required=False,
                description="Logged-in customer; empty for anonymous visitors.",
            ),
            C(
                "product_id",
                "int",
                min=1,
                description="Product identifier (several rows per product when attributes changed).",
            ),
            C(
                "event_type",
                "text",
                allowed=EVENT_TYPES,
                description="Kind of product interaction.",
            ),
            C("occurred_at", "timestamp", description="When the event happened (UTC)."),
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
            C("exposure_id", "int", min=1, description="Campaign exposure identifier."),
            C(
                "campaign_id",
                "int",
                min=1,
                description="Marketing campaign identifier.",
            ),
            C("customer_id", "int", min=1, description="Customer identifier."),
            C(
                "exposed_at",
                "timestamp",
                description="When the customer was targeted (UTC).",
            ),
            C(
                "is_opened",
                "bool",
                required=False,
                description="True when the customer opened the message/offer.",
            ),
            C(
                "is_clicked",
                "bool",
                required=False,
                description="True when the customer clicked through.",
            ),
            C(
                "redeemed_at",
                "timestamp",
                required=False,
                description="When the customer first redeemed the campaign's offer (UTC); empty if never.",
            ),
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
            C("ticket_id", "int", min=1, description="Support ticket identifier."),
            C("customer_id", "int", min=1, description="Customer identifier."),
            C(
                "order_id",
                "int",
                nullable=True,
                min=1,
                required=False,
                description="Order the ticket is about; empty when not about an order.",
            ),
            C(
                "opened_at",
                "timestamp",
                description="When the ticket was opened (UTC).",
            ),
            C(
                "resolved_at",
                "timestamp",
                nullable=True,
                required=False,
                description="When the ticket was resolved (UTC); empty while open.",
            ),
            C(
                "channel",
                "text",
                allowed=TICKET_CHANNELS,
                required=False,
                description="Channel the ticket came in through.",
            ),
            C("category", "text", required=False, description="Ticket topic."),
            C(
                "priority",
                "text",
                allowed=TICKET_PRIORITIES,
                required=False,
                description="Ticket priority.",
            ),
            C(
                "status",
                "text",
                allowed=TICKET_STATUSES,
                required=False,
                description="Ticket status.",
            ),
            C(
                "satisfaction_score",
                "int",
                nullable=True,
                min=1,
                max=5,
                required=False,
                description="Customer satisfaction survey score, 1-5; empty when not answered.",
            ),
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
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.required)

# Metadata columns the loader adds to every raw table: (name, PostgreSQL type, description).
LOAD_METADATA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_batch_id", "text", "Loader: id of the batch the row came from."),
    ("_loaded_at", "timestamptz", "Loader: when the batch was loaded (UTC)."),
    ("_source_file", "text", "Loader: file the row came from."),
)


def get_table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"unknown raw table {name!r}; known: {', '.join(TABLES_BY_NAME)}"
        ) from None
