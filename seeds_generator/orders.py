"""Turn purchase events (customer, time) into priced orders with lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seeds_generator.baskets import Lines, build_baskets
from seeds_generator.params import Params
from seeds_generator.preferences import ChoiceModel
from seeds_generator.pricing import Money, price_orders

CHANNEL_P = (0.55, 0.35, 0.10)  # web, mobile_app, marketplace

KIND_BASE, KIND_ROLLOUT, KIND_CAMPAIGN = 0, 1, 2


@dataclass
class OrderSet:
    cust: np.ndarray  # customer row
    t: np.ndarray  # ordered_at seconds
    kind: np.ndarray
    z_cents: np.ndarray  # drawn Gamma-Gamma value
    channel: np.ndarray  # index into SALES_CHANNELS
    cancelled: np.ndarray
    campaign: np.ndarray  # campaign index or -1
    free_shipping: np.ndarray
    lines: Lines
    money: Money

    @property
    def size(self) -> int:
        return self.t.size

    def net(self) -> np.ndarray:
        """order_total, or -1 for cancelled orders."""
        return np.where(self.cancelled, -1, self.money.order_total)


def draw_orders(
    rng: np.random.Generator,
    cust: np.ndarray,
    t: np.ndarray,
    kind: int,
    nu: np.ndarray,
    params: Params,
) -> dict[str, np.ndarray]:
    """Order-level draws that do not depend on pricing."""
    n = t.size
    z = rng.gamma(params.purchase.gg_p, 1.0 / nu[cust]) * 100.0
    return {
        "cust": cust,
        "t": t,
        "kind": np.full(n, kind, dtype=np.int64),
        "z_cents": np.maximum(np.round(z), 1).astype(np.int64),
        "channel": rng.choice(3, n, p=CHANNEL_P),
        "cancelled": rng.random(n) < params.ops.cancel_rate,
    }


def price(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    campaign: np.ndarray,
    discount_pct_by_campaign: np.ndarray,
    free_shipping: np.ndarray,
    choice: ChoiceModel,
    price_cents: np.ndarray,
    params: Params,
) -> OrderSet:
    """Build baskets and money for drawn orders."""
    lines = build_baskets(rng, choice, d["cust"], d["z_cents"], price_cents)
    pct = np.where(
        campaign >= 0,
        discount_pct_by_campaign[np.maximum(campaign, 0)]
        if discount_pct_by_campaign.size
        else 0.0,
        0.0,
    )
    money = price_orders(rng, lines, d["t"].size, pct, free_shipping, params)
    return OrderSet(
        campaign=campaign, free_shipping=free_shipping, lines=lines, money=money, **d
    )


def concat(sets: list[OrderSet]) -> OrderSet:
    """Concatenate order sets, sorted by time (stable), lines renumbered to the new positions."""
    offs = np.cumsum([0] + [s.size for s in sets])
    cat = {
        f: np.concatenate([getattr(s, f) for s in sets])
        for f in (
            "cust",
            "t",
            "kind",
            "z_cents",
            "channel",
            "cancelled",
            "campaign",
            "free_shipping",
        )
    }
    l_order = np.concatenate(
        [s.lines.order + o for s, o in zip(sets, offs, strict=False)]
    )
    order = np.lexsort((cat["cust"], cat["kind"], cat["t"]))
    new_pos = np.empty_like(order)
    new_pos[order] = np.arange(order.size)
    lines_cat = {
        f: np.concatenate([getattr(s.lines, f) for s in sets])
        for f in ("line_number", "product", "quantity", "unit_price")
    }
    money_cat = {
        f: np.concatenate([getattr(s.money, f) for s in sets])
        for f in ("line_discount", "line_total")
    }
    l_new = new_pos[l_order]
    l_sort = np.lexsort((lines_cat["line_number"], l_new))
    lines = Lines(
        l_new[l_sort],
        *(
            lines_cat[f][l_sort]
            for f in ("line_number", "product", "quantity", "unit_price")
        ),
    )
    om = {
        f: np.concatenate([getattr(s.money, f) for s in sets])[order]
        for f in ("items_subtotal", "discount_amount", "shipping_amount", "order_total")
    }
    money = Money(
        money_cat["line_discount"][l_sort], money_cat["line_total"][l_sort], **om
    )
    return OrderSet(lines=lines, money=money, **{k: v[order] for k, v in cat.items()})
