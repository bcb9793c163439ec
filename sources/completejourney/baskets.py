"""orders (baskets), order_items (transaction lines) and stores from transactions.parquet.

Money per line, in cents (the source's discounts are positive amounts):
- line_total = sales_value (what the retailer received);
- discount_amount = retail_disc + coupon_match_disc (loyalty-card and the retailer's coupon
  match; manufacturer coupons, coupon_disc, are paid by the manufacturer and do not lower
  sales_value);
- unit_price = (line_total + discount_amount) / quantity, rounded half up to the cent; 0 on a
  quantity-0 line. So line_total = quantity * unit_price - discount_amount holds exactly
  wherever the undiscounted value is a whole number of cents per unit (98% of lines).
Per order: items_subtotal = the lines' undiscounted values, discount_amount = their discounts,
shipping 0, order_total = items_subtotal - discount_amount = the lines' sales_value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from sources.completejourney.arrow_columns import ints, money, timestamps, to_cents

#: Constants for every basket: paid and taken home in a store, in US dollars.
ORDER_STATUS = "completed"
ORDER_CHANNEL = "store"
CURRENCY = "USD"


def line_amounts(lines: pd.DataFrame) -> pd.DataFrame:
    """Per line, int64 cents: line_total, discount, gross (= line_total + discount), unit_price."""
    line_total = to_cents(lines["sales_value"])
    discount = to_cents(lines["retail_disc"]) + to_cents(lines["coupon_match_disc"])
    gross = line_total + discount
    quantity = lines["quantity"].to_numpy(dtype=np.int64)
    per_unit = np.maximum(quantity, 1)
    unit_price = np.where(quantity > 0, (2 * gross + per_unit) // (2 * per_unit), 0)
    return pd.DataFrame(
        {
            "line_total": line_total,
            "discount": discount,
            "gross": gross,
            "unit_price": unit_price,
        },
        index=lines.index,
    )


def _sorted_lines(transactions: pd.DataFrame) -> pd.DataFrame:
    return transactions.sort_values(
        ["basket_id", "line_id"], kind="stable"
    ).reset_index(drop=True)


def map_order_items(transactions: pd.DataFrame) -> pa.Table:
    """One row per transaction line; order_item_id = the line's position in the source file,
    line_number = its rank within the basket by that position."""
    lines = _sorted_lines(transactions)
    amounts = line_amounts(lines)
    line_number = lines.groupby("basket_id", sort=False).cumcount().to_numpy() + 1
    return pa.table(
        {
            "order_item_id": ints(lines["line_id"]),
            "order_id": ints(lines["basket_id"]),
            "line_number": ints(line_number),
            "product_id": ints(lines["product_id"]),
            "quantity": ints(lines["quantity"]),
            "unit_price": money(amounts["unit_price"].to_numpy()),
            "discount_amount": money(amounts["discount"].to_numpy()),
            "line_total": money(amounts["line_total"].to_numpy()),
        }
    )


def map_orders(transactions: pd.DataFrame) -> pa.Table:
    """One row per basket: its household, store, first timestamp and summed amounts."""
    lines = _sorted_lines(transactions)
    amounts = line_amounts(lines)
    frame = pd.concat(
        [lines[["basket_id"]], amounts[["gross", "discount", "line_total"]]], axis=1
    )
    sums = frame.groupby("basket_id", sort=True).sum()
    firsts = lines.groupby("basket_id", sort=True).agg(
        household_id=("household_id", "first"),
        store_id=("store_id", "first"),
        ordered_at=("transaction_timestamp", "min"),
    )
    n = len(sums)
    return pa.table(
        {
            "order_id": ints(sums.index.to_numpy()),
            "customer_id": ints(firsts["household_id"]),
            "ordered_at": timestamps(firsts["ordered_at"]),
            "status": pa.array([ORDER_STATUS] * n, pa.string()),
            "channel": pa.array([ORDER_CHANNEL] * n, pa.string()),
            "currency": pa.array([CURRENCY] * n, pa.string()),
            "items_subtotal": money(sums["gross"].to_numpy()),
            "discount_amount": money(sums["discount"].to_numpy()),
            "shipping_amount": money(np.zeros(n, dtype=np.int64)),
            "order_total": money(sums["line_total"].to_numpy()),
            "store_id": ints(firsts["store_id"]),
        }
    )


def map_stores(transactions: pd.DataFrame) -> pa.Table:
    """The stores the batch's baskets were bought in (the source has only their ids)."""
    return pa.table({"store_id": ints(np.unique(transactions["store_id"].to_numpy()))})
