"""Reviews, web sessions with product events, and support tickets."""

from __future__ import annotations

import numpy as np

from contracts.raw_tables import (
    DEVICES,
    TICKET_CATEGORIES,
    TICKET_CHANNELS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    TRAFFIC_SOURCES,
)
from seeds_generator.arrow_tables import Codes, TableData
from seeds_generator.calendar import SECONDS_PER_DAY, SECONDS_PER_HOUR, Clock
from seeds_generator.fulfilment import NULL_TS
from seeds_generator.orders import OrderSet
from seeds_generator.params import Params
from seeds_generator.preferences import ChoiceModel, popularity_cdf

RATING_INTERCEPT = 3.5
RATING_SLOPE = 1.1  # per standard deviation of affinity
RATING_NOISE = 0.9
OFFSET_BITS = (
    12  # seconds of an event after its session start (sessions last < 68 minutes)
)


def reviews(
    rng: np.random.Generator,
    o: OrderSet,
    order_ids: np.ndarray,
    delivered_at: np.ndarray,
    cust_ids: np.ndarray,
    cust_factors: np.ndarray,
    prod_factors: np.ndarray,
    product_ids: np.ndarray,
    aff_sd: float,
    end_s: int,
    first_id: int,
    params: Params,
) -> TableData:
    """Ratings after delivery; rating = round(3.5 + 1.1 * affinity/sd + noise) clipped to 1..5."""
    lo = o.lines.order
    when = (
        delivered_at[lo]
        + SECONDS_PER_HOUR
        + rng.exponential(6 * SECONDS_PER_DAY, lo.size).astype(np.int64)
    )
    sel = np.flatnonzero(
        (delivered_at[lo] != NULL_TS)
        & (rng.random(lo.size) < params.ops.review_rate)
        & (when < end_s)
    )
    c = o.cust[lo[sel]]
    p = o.lines.product[sel]
    aff = np.einsum("ij,ij->i", cust_factors[c], prod_factors[p])
    rating = np.clip(
        np.round(
            RATING_INTERCEPT
            + RATING_SLOPE * aff / aff_sd
            + rng.normal(0, RATING_NOISE, sel.size)
        ),
        1,
        5,
    )
    order = np.argsort(when[sel], kind="stable")
    return {
        "review_id": np.arange(first_id, first_id + sel.size, dtype=np.int64),
        "product_id": product_ids[p][order],
        "customer_id": cust_ids[c][order],
        "order_id": order_ids[lo[sel]][order],
        "rating": rating.astype(np.int64)[order],
        "reviewed_at": when[sel][order],
    }


def web(
    rng: np.random.Generator,
    o: OrderSet,
    order_ids: np.ndarray,
    cust_ids: np.ndarray,
    signup_s: np.ndarray,
    choice: ChoiceModel,
    log_pop: np.ndarray,
    product_ids: np.ndarray,
    clock: Clock,
    first_ids: dict[str, int],
    params: Params,
) -> tuple[TableData, TableData]:
    """Sessions (converting, browsing before an order, anonymous) and their product events."""
    ops = params.ops
    ws, we = clock.start_s, clock.end_s
    n = o.size
    # converting sessions: one per order, starting minutes before it
    c_start = np.maximum(
        o.t - rng.integers(2 * 60, 40 * 60, n), np.maximum(signup_s[o.cust], ws)
    )
    c_end = np.minimum(o.t + rng.integers(60, 10 * 60, n), we - 1)
    # browsing sessions of the same customer in the days before an order
    nb = rng.poisson(ops.browse_sessions_per_order, n)
    b_ord = np.repeat(np.arange(n), nb)
    b_start = (
        o.t[b_ord]
        - rng.exponential(4 * SECONDS_PER_DAY, b_ord.size).astype(np.int64)
        - 3600
    )
    keep = b_start >= np.maximum(signup_s[o.cust[b_ord]], ws)
    b_ord, b_start = b_ord[keep], b_start[keep]
    b_end = np.minimum(b_start + rng.integers(60, 30 * 60, b_ord.size), we - 1)
    # anonymous sessions spread with the seasonal profile
    na = int(rng.poisson(ops.anonymous_sessions_per_order * n))
    a_start = clock.sample(rng, np.full(na, ws), np.full(na, we))
    a_end = np.minimum(a_start + rng.integers(30, 20 * 60, na), we - 1)

    s_cust = np.concatenate(
        [cust_ids[o.cust], cust_ids[o.cust[b_ord]], np.zeros(na, np.int64)]
    )
    s_row = np.concatenate([o.cust, o.cust[b_ord], np.full(na, -1)])
    s_start = np.concatenate([c_start, b_start, a_start])
    s_end = np.concatenate([c_end, b_end, a_end])
    s_order = np.concatenate([order_ids, np.zeros(b_ord.size + na, np.int64)])
    channel = np.concatenate(
        [o.channel, o.channel[b_ord], rng.choice(3, na, p=(0.6, 0.3, 0.1))]
    )
    device = np.where(
        channel == 1, 1, rng.choice(3, channel.size, p=(0.55, 0.38, 0.07))
    )
    source = rng.choice(
        len(TRAFFIC_SOURCES), s_start.size, p=(0.3, 0.25, 0.15, 0.12, 0.1, 0.08)
    )
    source[:n][o.campaign >= 0] = TRAFFIC_SOURCES.index("email")
    sort = np.argsort((s_start - ws) * (1 << 24) + s_cust)
    sid = np.empty(sort.size, np.int64)
    sid[sort] = np.arange(
        first_ids["web_sessions"], first_ids["web_sessions"] + sort.size
    )

    # events: ordered products (view + add_to_cart) in converting sessions, extra views everywhere
    lo = o.lines.order
    ev_sess = [lo, lo]
    ev_prod = [o.lines.product, o.lines.product]
    ev_type = [np.zeros(lo.size, np.int64), np.ones(lo.size, np.int64)]
    n_views = 1 + rng.poisson(0.5, s_start.size)
    v_sess = np.repeat(np.arange(s_start.size), n_views)
    v_row = s_row[v_sess]
    v_prod = np.empty(v_sess.size, np.int64)
    known = v_row >= 0
    v_prod[known] = choice.draw(rng, v_row[known])
    v_prod[~known] = np.minimum(
        np.searchsorted(
            popularity_cdf(log_pop), rng.random(int((~known).sum())), side="right"
        ),
        log_pop.size - 1,
    )
    cart = rng.random(v_sess.size) < 0.12
    ev_sess += [v_sess, v_sess[cart]]
    ev_prod += [v_prod, v_prod[cart]]
    ev_type += [np.zeros(v_sess.size, np.int64), np.ones(int(cart.sum()), np.int64)]
    e_sess = np.concatenate(ev_sess)
    e_type = np.concatenate(ev_type)
    e_prod = np.concatenate(ev_prod)
    span = np.maximum(s_end - s_start, 1)[e_sess]
    offset = (rng.random(e_sess.size) * span).astype(np.int64)
    conv = e_sess < n  # converting-session events happen before the order
    offset[conv] = np.minimum(offset[conv], np.maximum(o.t - c_start, 0)[e_sess[conv]])
    # one packed int64 sort key (session rank | offset | type | product) instead of argsort + gathers
    rank = sid - first_ids["web_sessions"]
    pbits = max(1, int(product_ids.size - 1).bit_length())
    if int(rank.max(initial=0)).bit_length() + OFFSET_BITS + 1 + pbits > 62:
        raise ValueError(
            "too many web sessions/products to pack the event sort key; lower the scale"
        )
    key = rank[e_sess] << OFFSET_BITS | np.minimum(offset, (1 << OFFSET_BITS) - 1)
    key = (key << 1 | e_type) << pbits | e_prod
    key.sort()
    k_prod = key & ((1 << pbits) - 1)
    key >>= pbits
    k_type = key & 1
    key >>= 1
    k_off = key & ((1 << OFFSET_BITS) - 1)
    k_rank = key >> OFFSET_BITS
    start_by_rank = s_start[sort]
    cust_by_rank = s_cust[sort]
    events = {
        "event_id": np.arange(
            first_ids["web_events"],
            first_ids["web_events"] + e_sess.size,
            dtype=np.int64,
        ),
        "session_id": k_rank + first_ids["web_sessions"],
        "customer_id": cust_by_rank[k_rank],
        "product_id": product_ids[k_prod],
        "event_type": Codes(["product_view", "add_to_cart"], k_type),
        "occurred_at": start_by_rank[k_rank] + k_off,
    }
    page_views = np.bincount(e_sess, minlength=s_start.size) + rng.poisson(
        3.0, s_start.size
    )
    sessions = {
        "session_id": sid[sort],
        "customer_id": s_cust[sort],
        "started_at": s_start[sort],
        "ended_at": np.maximum(s_end, s_start)[sort],
        "device": Codes(DEVICES, device[sort]),
        "traffic_source": Codes(TRAFFIC_SOURCES, source[sort]),
        "page_views": np.maximum(page_views, 1)[sort],
        "order_id": s_order[sort],
    }
    return sessions, events


def tickets(
    rng: np.random.Generator,
    o: OrderSet,
    order_ids: np.ndarray,
    status: np.ndarray,
    cust_ids: np.ndarray,
    signup_s: np.ndarray,
    clock: Clock,
    first_id: int,
    params: Params,
) -> TableData:
    """Order-related tickets (more likely for returned/cancelled orders) plus account tickets."""
    ws, we = clock.start_s, clock.end_s
    n = o.size
    p = np.where(np.isin(status, (4, 5)), 0.25, params.ops.ticket_rate)
    t_ord = np.flatnonzero(rng.random(n) < p)
    t_open = (
        o.t[t_ord]
        + rng.exponential(4 * SECONDS_PER_DAY, t_ord.size).astype(np.int64)
        + 600
    )
    cat_by_status = np.array(
        [1, 4, 0, 0, 1, 1]
    )  # placed->refund, paid->payment, shipped/delivered->delivery ...
    t_cat = np.where(
        rng.random(t_ord.size) < 0.6,
        cat_by_status[status[t_ord]],
        rng.integers(0, 5, t_ord.size),
    )
    n_acc = int(rng.poisson(0.02 * cust_ids.size * (we - ws) / (365 * SECONDS_PER_DAY)))
    acc_cust = rng.integers(0, cust_ids.size, n_acc)
    lo_t = np.maximum(signup_s[acc_cust], ws)
    acc_open = lo_t + (rng.random(n_acc) * np.maximum(we - lo_t, 0)).astype(np.int64)
    cust = np.concatenate([o.cust[t_ord], acc_cust])
    opened = np.concatenate([t_open, acc_open])
    oid = np.concatenate([order_ids[t_ord], np.zeros(n_acc, np.int64)])
    cat = np.concatenate([t_cat, np.full(n_acc, 3)])
    keep = (opened < we) & (opened >= np.maximum(signup_s[cust], ws))
    cust, opened, oid, cat = cust[keep], opened[keep], oid[keep], cat[keep]
    m = cust.size
    resolved = opened + rng.exponential(1.5 * SECONDS_PER_DAY, m).astype(np.int64) + 300
    is_res = resolved < we
    closed = is_res & (rng.random(m) < 0.4)
    score = np.where(
        is_res & (rng.random(m) < 0.7),
        rng.choice([1, 2, 3, 4, 5], m, p=(0.08, 0.1, 0.17, 0.3, 0.35)),
        0,
    )
    sort = np.argsort(opened, kind="stable")
    return {
        "ticket_id": np.arange(first_id, first_id + m, dtype=np.int64),
        "customer_id": cust_ids[cust][sort],
        "order_id": oid[sort],
        "opened_at": opened[sort],
        "resolved_at": np.where(is_res, resolved, NULL_TS)[sort],
        "channel": Codes(TICKET_CHANNELS, rng.choice(3, m, p=(0.45, 0.4, 0.15))[sort]),
        "category": Codes(TICKET_CATEGORIES, cat[sort]),
        "priority": Codes(
            TICKET_PRIORITIES, rng.choice(4, m, p=(0.35, 0.4, 0.2, 0.05))[sort]
        ),
        "status": Codes(
            TICKET_STATUSES, np.where(is_res, np.where(closed, 2, 1), 0)[sort]
        ),
        "satisfaction_score": score[sort],
    }
