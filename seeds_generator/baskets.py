"""Order baskets: choose products by preference, then fit quantities to the drawn order value.

Planted Gamma-Gamma quantity: each order's value z ~ Gamma(p, rate nu_c) (dollars) is drawn
first and stored in the truth (ground_truth/orders.parquet, `value_drawn`). The basket takes up
to MAX_CANDIDATES distinct products from the customer's choice model in draw order, keeps the
prefix whose list-price sum is closest to z, and raises the cheapest kept line's quantity to
close the remaining gap. items_subtotal therefore tracks z closely (it never undershoots by
more than half the cheapest line) but is not exactly Gamma distributed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seeds_generator.preferences import ChoiceModel

MAX_CANDIDATES = 4
MAX_QUANTITY = 12


@dataclass(frozen=True)
class Lines:
    order: np.ndarray  # position of the order the line belongs to
    line_number: np.ndarray
    product: np.ndarray  # product index
    quantity: np.ndarray
    unit_price: np.ndarray  # cents


def build_baskets(
    rng: np.random.Generator,
    choice: ChoiceModel,
    cust_rows: np.ndarray,
    z_cents: np.ndarray,
    price_cents: np.ndarray,
) -> Lines:
    """Lines for orders of customers `cust_rows` (choice-model rows) with target values `z_cents`.

    `price_cents` holds the current list price of every product (by product index).
    """
    n = cust_rows.size
    cand = choice.draw(rng, np.repeat(cust_rows, MAX_CANDIDATES)).reshape(
        n, MAX_CANDIDATES
    )
    valid = np.ones(cand.shape, dtype=bool)
    for j in range(1, MAX_CANDIDATES):
        for i in range(j):
            valid[:, j] &= cand[:, j] != cand[:, i]
    prices = price_cents[cand] * valid
    csum = np.cumsum(prices, axis=1)
    err = np.where(valid, np.abs(csum - z_cents[:, None]), np.iinfo(np.int64).max)
    last = np.argmin(err, axis=1)
    keep = valid & (np.arange(MAX_CANDIDATES)[None, :] <= last[:, None])
    chosen_sum = csum[np.arange(n), last]
    masked = np.where(keep, prices, np.iinfo(np.int64).max)
    cheapest = np.argmin(masked, axis=1)
    cheap_price = prices[np.arange(n), cheapest]
    extra = np.clip(
        np.round((z_cents - chosen_sum) / cheap_price), 0, MAX_QUANTITY - 1
    ).astype(np.int64)
    qty = keep.astype(np.int64)
    qty[np.arange(n), cheapest] += extra
    rows, cols = np.nonzero(keep)
    line_no = np.cumsum(keep, axis=1)[rows, cols]
    return Lines(
        rows.astype(np.int64),
        line_no.astype(np.int64),
        cand[rows, cols],
        qty[rows, cols],
        price_cents[cand[rows, cols]],
    )
