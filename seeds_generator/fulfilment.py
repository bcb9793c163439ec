"""Payments, shipments, returns and the order status each order has reached by the window end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from contracts.raw_tables import (
    CARRIERS,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    RETURN_REASONS,
    SHIPMENT_STATUSES,
)
from seeds_generator.arrow_tables import Codes, TableData
from seeds_generator.calendar import SECONDS_PER_DAY, SECONDS_PER_HOUR
from seeds_generator.orders import OrderSet
from seeds_generator.params import Params

PAYMENT_METHOD_P = (0.68, 0.2, 0.05, 0.07)
NULL_TS = -1


@dataclass
class Fulfilment:
    status: np.ndarray  # per order, index into ORDER_STATUSES
    delivered_at: np.ndarray  # per order, NULL_TS if not delivered
    returned_at: np.ndarray  # per order, NULL_TS if not returned
    payments: TableData
    shipments: TableData
    returns: TableData


def _sorted(table: TableData, key: str, id_col: str, first_id: int) -> TableData:
    order = np.argsort(np.asarray(table[key]), kind="stable")
    out = {k: v[order] for k, v in table.items()}
    return {id_col: np.arange(first_id, first_id + order.size, dtype=np.int64), **out}


def fulfil(
    rng: np.random.Generator,
    o: OrderSet,
    order_ids: np.ndarray,
    item_ids: np.ndarray,
    end_s: int,
    first_ids: dict[str, int],
    params: Params,
) -> Fulfilment:
    ops = params.ops
    n = o.size
    total = o.money.order_total
    method = rng.choice(len(PAYMENT_METHODS), n, p=PAYMENT_METHOD_P)
    failed_first = np.where(
        o.cancelled, rng.random(n) < 0.5, rng.random(n) < ops.failed_payment_rate
    )
    failed_at = o.t + rng.integers(5, 60, n)
    captured_at = np.where(failed_first, failed_at, o.t) + rng.integers(30, 30 * 60, n)
    captured = ~o.cancelled & (captured_at < end_s)
    shipped_at = captured_at + rng.integers(
        4 * SECONDS_PER_HOUR, 72 * SECONDS_PER_HOUR, n
    )
    shipped = captured & (shipped_at < end_s)
    lost = shipped & (rng.random(n) < ops.lost_shipment_rate)
    transit = np.maximum(
        rng.lognormal(np.log(3.0), 0.45, n) * SECONDS_PER_DAY, 6 * SECONDS_PER_HOUR
    ).astype(np.int64)
    delivered_at = shipped_at + transit
    delivered = shipped & ~lost & (delivered_at < end_s)

    # returns: some delivered orders return some of their lines
    ret_at = delivered_at + rng.integers(SECONDS_PER_DAY, 30 * SECONDS_PER_DAY, n)
    returning = delivered & (rng.random(n) < ops.return_rate) & (ret_at < end_s)
    lo = o.lines.order
    pick = returning[lo] & ((rng.random(lo.size) < 0.6) | (o.lines.line_number == 1))
    rl = np.flatnonzero(pick)
    rq = 1 + np.floor(rng.random(rl.size) * o.lines.quantity[rl]).astype(np.int64)
    refund = (o.money.line_total[rl] * rq) // o.lines.quantity[rl]
    ret_line_at = ret_at[lo[rl]] + rng.integers(0, 6 * SECONDS_PER_HOUR, rl.size)
    ret_line_at = np.minimum(ret_line_at, end_s - 1)
    returns = _sorted(
        {
            "order_item_id": item_ids[rl],
            "order_id": order_ids[lo[rl]],
            "returned_at": ret_line_at,
            "quantity": rq,
            "refund_amount": refund,
            "reason": Codes(
                RETURN_REASONS, rng.integers(0, len(RETURN_REASONS), rl.size)
            ),
        },
        "returned_at",
        "return_id",
        first_ids["returns"],
    )
    refund_by_order = (
        np.bincount(lo[rl], weights=refund, minlength=n).round().astype(np.int64)
    )
    refund_at = (
        ret_at
        + 6 * SECONDS_PER_HOUR
        + rng.integers(SECONDS_PER_DAY, 3 * SECONDS_PER_DAY, n)
    )
    refunded = returning & (refund_at < end_s)

    status = np.select(
        [o.cancelled, ~captured, ~shipped, ~delivered, returning],
        [4, 0, 1, 2, 5],
        default=3,
    )
    fail_rows = np.flatnonzero(failed_first & (failed_at < end_s))
    cap_rows = np.flatnonzero(captured)
    ref_rows = np.flatnonzero(refunded)
    pay_order = np.concatenate([fail_rows, cap_rows, ref_rows])
    payments = _sorted(
        {
            "order_id": order_ids[pay_order],
            "paid_at": np.concatenate(
                [failed_at[fail_rows], captured_at[cap_rows], refund_at[ref_rows]]
            ),
            "payment_method": Codes(PAYMENT_METHODS, method[pay_order]),
            "status": Codes(
                PAYMENT_STATUSES,
                np.repeat([2, 0, 1], [fail_rows.size, cap_rows.size, ref_rows.size]),
            ),
            "amount": np.concatenate(
                [total[fail_rows], total[cap_rows], refund_by_order[ref_rows]]
            ),
        },
        "paid_at",
        "payment_id",
        first_ids["payments"],
    )
    sh = np.flatnonzero(shipped)
    shipments = _sorted(
        {
            "order_id": order_ids[sh],
            "carrier": Codes(CARRIERS, rng.integers(0, len(CARRIERS), sh.size)),
            "status": Codes(
                SHIPMENT_STATUSES, np.where(lost[sh], 2, np.where(delivered[sh], 1, 0))
            ),
            "shipped_at": shipped_at[sh],
            "delivered_at": np.where(delivered[sh], delivered_at[sh], NULL_TS),
        },
        "shipped_at",
        "shipment_id",
        first_ids["shipments"],
    )
    return Fulfilment(
        status=status,
        delivered_at=np.where(delivered, delivered_at, NULL_TS),
        returned_at=np.where(returning, ret_at, NULL_TS),
        payments=payments,
        shipments=shipments,
        returns=returns,
    )
