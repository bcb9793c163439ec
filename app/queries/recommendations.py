"""SQL behind the Recommendations page: customers to pick from and a purchase history."""

from __future__ import annotations

import pandas as pd

from app import db

CUSTOMER_RANGE = """
select min(customer_id) as first_id, max(customer_id) as last_id,
    (select customer_id from marts.customer_360 where has_purchased
     order by total_spend desc, customer_id limit 1) as suggested_id
from marts.dim_customers
"""

PROFILE = """
select customer_id, loyalty_tier, region, state, rfm_segment, purchase_count, total_spend,
    first_purchase_date, last_purchase_date
from marts.customer_360
where customer_id = %(customer_id)s
"""

HISTORY = """
select items.ordered_date, items.order_id, products.product_id, products.product_name,
    products.category_name, products.brand_name, items.quantity, items.line_total
from marts.fct_order_items as items
inner join marts.fct_orders as orders on items.order_key = orders.order_key
left join marts.dim_products as products on items.product_key = products.product_key
where orders.customer_id = %(customer_id)s and orders.is_purchase
order by items.ordered_at desc, items.line_number
limit 200
"""


def customer_range(url: str) -> tuple[int, int, int]:
    """(smallest id, largest id, a suggested customer with purchases)."""
    row = db.query(url, CUSTOMER_RANGE).iloc[0]
    suggested = (
        row["suggested_id"] if pd.notna(row["suggested_id"]) else row["first_id"]
    )
    return int(row["first_id"]), int(row["last_id"]), int(suggested)


def profile(url: str, customer_id: int) -> pd.DataFrame:
    return db.query(url, PROFILE, {"customer_id": customer_id})


def history(url: str, customer_id: int) -> pd.DataFrame:
    """The customer's latest 200 purchased order lines, newest first."""
    return db.query(url, HISTORY, {"customer_id": customer_id})
