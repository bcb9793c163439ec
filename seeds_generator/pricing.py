"""Money of orders and lines in integer cents, so every identity holds exactly.

line_total = quantity * unit_price - line discount; items_subtotal = sum(quantity * unit_price);
discount_amount = sum(line discounts); order_total = items_subtotal - discount_amount + shipping.
Shipping is free at or above the threshold and, after the rollout, in the treated regions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seeds_generator.baskets import Lines
from seeds_generator.params import Params


@dataclass(frozen=True)
class Money:
    line_discount: np.ndarray
    line_total: np.ndarray
    items_subtotal: np.ndarray
    discount_amount: np.ndarray
    shipping_amount: np.ndarray
    order_total: np.ndarray


def price_orders(
    rng: np.random.Generator,
    lines: Lines,
    n_orders: int,
    discount_pct: np.ndarray,
    free_shipping: np.ndarray,
    params: Params,
) -> Money:
    """Discounts, shipping and totals. `discount_pct` per order (campaign), 0 = none."""
    ops = params.ops
    gross = lines.quantity * lines.unit_price
    pct = discount_pct[lines.order]
    promo = (pct == 0) & (rng.random(gross.size) < ops.promo_line_rate)
    pct = np.where(promo, rng.choice([10.0, 15.0, 20.0, 30.0], gross.size), pct)
    disc = np.round(gross * pct / 100.0).astype(np.int64)
    subtotal = (
        np.bincount(lines.order, weights=gross, minlength=n_orders)
        .round()
        .astype(np.int64)
    )
    discount = (
        np.bincount(lines.order, weights=disc, minlength=n_orders)
        .round()
        .astype(np.int64)
    )
    shipping = np.where(
        free_shipping | (subtotal >= ops.free_shipping_threshold_cents),
        0,
        ops.shipping_fee_cents,
    )
    shipping = shipping.astype(np.int64)
    return Money(
        disc, gross - disc, subtotal, discount, shipping, subtotal - discount + shipping
    )
