"""Simulate one time window for a population: orders and everything that follows from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from contracts.raw_tables import LOYALTY_TIERS, ORDER_STATUSES, SALES_CHANNELS
from seeds_generator.arrow_tables import Codes, TableData
from seeds_generator.calendar import SECONDS_PER_DAY, Clock
from seeds_generator.campaigns import (
    attribute_orders,
    background_exposures,
    target_customers,
    targeting_covariates,
)
from seeds_generator.engagement import reviews, tickets, web
from seeds_generator.fulfilment import fulfil
from seeds_generator.orders import (
    KIND_BASE,
    KIND_CAMPAIGN,
    KIND_ROLLOUT,
    OrderSet,
    concat,
    draw_orders,
    price,
)
from seeds_generator.params import Params
from seeds_generator.preferences import ChoiceModel, pools
from seeds_generator.purchasing import simulate_base, simulate_extra
from seeds_generator.rng import stream
from seeds_generator.state import Population


@dataclass
class World:
    """Everything fixed for the window: parameters, clock, reference data, planted designs."""

    seed: int
    params: Params
    clock: Clock
    stream_key: str  # distinguishes the random streams of different batches
    geography: dict[str, np.ndarray]
    products: dict[str, np.ndarray]  # current catalogue (with _factors, _log_pop)
    campaigns: dict[str, np.ndarray] | None  # campaigns created in this window
    main_campaign: int  # index into campaigns of the targeted campaign, -1 if none here
    rollout_s: int
    first_ids: dict[str, int]
    aff_sd: float
    progress: Callable[[str], None] | None = None

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, self.stream_key, name)


@dataclass
class WindowResult:
    tables: dict[str, TableData] = field(default_factory=dict)
    orders: OrderSet | None = None
    order_ids: np.ndarray | None = None
    targeting: object = None
    choice: ChoiceModel | None = None


def _tick(world: World, label: str) -> None:
    if world.progress is not None:
        world.progress(label)


def simulate_window(world: World, pop: Population) -> WindowResult:
    """Advance `pop` (updated in place) through the window and build every transactional table."""
    p, clock, lat = world.params, world.clock, pop.latent
    ws, we, total = clock.start_s, clock.end_s, clock.total
    n = pop.size
    signup = pop.table["signed_up_at"]
    act = np.flatnonzero(lat["alive"] & (signup < we))
    start_s = np.maximum(lat["proc_start_s"][act], ws)
    start_op = clock.op(start_s)
    _tick(world, "purchases")
    base = simulate_base(
        world.rng("base"), lat["lambda"][act], lat["p"][act], start_op, total
    )
    end_op = np.where(base.dead, base.dropout_op, total)
    base_rows = act[base.customer]
    base_t = np.maximum(clock.inverse(base.t_op), np.repeat(start_s, base.count) + 1)
    # truth bookkeeping (operational time since each customer's process start)
    has = base.count > 0
    last_op = np.full(act.size, np.nan)
    ends = np.cumsum(base.count) - 1
    last_op[has] = base.t_op[ends[has]]
    lat["t_x_op"][act[has]] = lat["T_op"][act[has]] + last_op[has] - start_op[has]
    lat["x"][act] += base.count
    lat["T_op"][act] += total - start_op
    lat["alive"][act[base.dead]] = False
    lat["dropout_s"][act[base.dead]] = clock.inverse(base.dropout_op[base.dead])

    # regional rollout: incremental purchases in treated regions after the rollout date
    geo_idx = pop.table["geography_id"] - 1
    treated_geo = np.isin(world.geography["region"], p.rollout.treated_regions)
    in_treated = treated_geo[geo_idx[act]]
    lo = np.maximum(start_op, clock.op(np.full(act.size, max(world.rollout_s, ws))))
    rate = np.where(
        in_treated & (world.rollout_s < we), p.rollout.uplift * lat["lambda"][act], 0.0
    )
    r_cust, r_op = simulate_extra(world.rng("rollout"), rate, lo, end_op)
    r_rows = act[r_cust]
    r_t = np.maximum(clock.inverse(r_op), start_s[r_cust] + 1)

    _tick(world, "baskets")
    pool = pools(
        world.seed,
        pop.table["customer_id"],
        world.products["_log_pop"],
        pop.factors,
        world.products["_factors"],
    )
    choice = ChoiceModel(pool, pop.factors, world.products["_factors"])
    prices = world.products["unit_price"]
    camps = world.campaigns
    disc = camps["discount_pct"] if camps else np.zeros(0)
    rng_o = world.rng("orders")
    d_base = draw_orders(rng_o, base_rows, base_t, KIND_BASE, lat["nu"], p)
    d_roll = draw_orders(rng_o, r_rows, r_t, KIND_ROLLOUT, lat["nu"], p)
    if camps:
        e_c, e_cust, e_at = background_exposures(
            world.rng("exposures"),
            camps,
            world.main_campaign,
            signup,
            pop.table["is_marketing_opt_in"],
        )
    else:
        e_c = e_cust = e_at = np.empty(0, np.int64)
    sets: list[OrderSet] = []
    for d in (d_base, d_roll):
        camp = (
            attribute_orders(
                world.rng("attribution"), camps, e_c, e_cust, e_at, d["cust"], d["t"], n
            )
            if camps
            else np.full(d["t"].size, -1)
        )
        free = treated_geo[geo_idx[d["cust"]]] & (d["t"] >= world.rollout_s)
        sets.append(
            price(
                world.rng(f"price{len(sets)}"), d, camp, disc, free, choice, prices, p
            )
        )

    targeting = None
    if camps and world.main_campaign >= 0:
        sets, targeting, e_c, e_cust, e_at = _main_campaign(
            world,
            pop,
            sets,
            act,
            start_op,
            end_op,
            treated_geo,
            choice,
            (e_c, e_cust, e_at),
        )
    o = concat(sets)
    order_ids = world.first_ids["orders"] + np.arange(o.size, dtype=np.int64)
    item_ids = world.first_ids["order_items"] + np.arange(
        o.lines.order.size, dtype=np.int64
    )

    _tick(world, "fulfilment")
    f = fulfil(world.rng("fulfil"), o, order_ids, item_ids, we, world.first_ids, p)
    cust_ids = pop.table["customer_id"]
    prod_ids = world.products["product_id"]
    res = WindowResult(
        orders=o, order_ids=order_ids, targeting=targeting, choice=choice
    )
    t = res.tables
    t["orders"] = {
        "order_id": order_ids,
        "customer_id": cust_ids[o.cust],
        "ordered_at": o.t,
        "status": Codes(ORDER_STATUSES, f.status),
        "channel": Codes(SALES_CHANNELS, o.channel),
        "shipping_geography_id": pop.table["geography_id"][o.cust],
        "campaign_id": np.where(
            o.campaign >= 0, o.campaign + world.first_ids["campaigns"], 0
        ),
        "currency": Codes(["USD"], np.zeros(o.size, np.int64)),
        "items_subtotal": o.money.items_subtotal,
        "discount_amount": o.money.discount_amount,
        "shipping_amount": o.money.shipping_amount,
        "order_total": o.money.order_total,
    }
    t["order_items"] = {
        "order_item_id": item_ids,
        "order_id": order_ids[o.lines.order],
        "line_number": o.lines.line_number,
        "product_id": prod_ids[o.lines.product],
        "quantity": o.lines.quantity,
        "unit_price": o.lines.unit_price,
        "discount_amount": o.money.line_discount,
        "line_total": o.money.line_total,
    }
    t["payments"], t["shipments"], t["returns"] = f.payments, f.shipments, f.returns
    t["reviews"] = reviews(
        world.rng("reviews"),
        o,
        order_ids,
        f.delivered_at,
        cust_ids,
        pop.factors,
        world.products["_factors"],
        prod_ids,
        world.aff_sd,
        we,
        world.first_ids["reviews"],
        p,
    )
    _tick(world, "web sessions")
    t["web_sessions"], t["web_events"] = web(
        world.rng("web"),
        o,
        order_ids,
        cust_ids,
        signup,
        choice,
        world.products["_log_pop"],
        prod_ids,
        clock,
        world.first_ids,
        p,
    )
    t["support_tickets"] = tickets(
        world.rng("tickets"),
        o,
        order_ids,
        f.status,
        cust_ids,
        signup,
        clock,
        world.first_ids["support_tickets"],
        p,
    )
    t["campaign_exposures"] = _exposures(world, cust_ids, e_c, e_cust, e_at)
    return res


def _main_campaign(
    world, pop, sets, act, start_op, end_op, treated_geo, choice, exposures
):
    """Target the confounded campaign, then add its incremental (treatment-effect) orders."""
    p, clock, lat, camps = world.params, world.clock, pop.latent, world.campaigns
    i = world.main_campaign
    c_start = int(camps["start_date"][i].astype("datetime64[s]").astype(np.int64))
    c_end = c_start + p.campaign.outcome_days * SECONDS_PER_DAY
    cust = np.concatenate([s.cust for s in sets])
    t = np.concatenate([s.t for s in sets])
    net = np.concatenate([s.net() for s in sets])
    cov = targeting_covariates(
        c_start,
        p.campaign.lookback_days,
        pop.table["signed_up_at"],
        cust,
        t,
        net,
        pop.size,
    )
    tg = target_customers(
        world.rng("targeting"),
        c_start,
        pop.table["signed_up_at"],
        pop.table["is_marketing_opt_in"],
        lat["tier"],
        cov,
        p,
    )
    # incremental purchases while alive, from exposure to the end of the outcome window
    uplift = np.array([p.campaign.uplift_by_tier[x] for x in LOYALTY_TIERS])[
        lat["tier"][act]
    ]
    treated = tg.treated[act]
    lo = np.maximum(start_op, clock.op(tg.exposed_at[act]))
    hi = np.minimum(end_op, clock.op(np.full(act.size, c_end)))
    rate = np.where(treated, uplift * lat["lambda"][act], 0.0)
    c_cust, c_op = simulate_extra(world.rng("campaign"), rate, lo, hi)
    rows = act[c_cust]
    ts = np.maximum(clock.inverse(c_op), tg.exposed_at[rows] + 1)
    d = draw_orders(world.rng("campaign-orders"), rows, ts, KIND_CAMPAIGN, lat["nu"], p)
    geo_idx = pop.table["geography_id"][rows] - 1
    free = treated_geo[geo_idx] & (ts >= world.rollout_s)
    s = price(
        world.rng("campaign-price"),
        d,
        np.full(rows.size, i),
        camps["discount_pct"],
        free,
        choice,
        world.products["unit_price"],
        p,
    )
    tr = np.flatnonzero(tg.treated)
    e_c, e_cust, e_at = exposures
    return (
        [*sets, s],
        tg,
        np.concatenate([e_c, np.full(tr.size, i)]),
        np.concatenate([e_cust, tr]),
        np.concatenate([e_at, tg.exposed_at[tr]]),
    )


def _exposures(world: World, cust_ids, e_c, e_cust, e_at) -> dict[str, np.ndarray]:
    rng = world.rng("exposure-flags")
    sort = np.lexsort((e_cust, e_c, e_at))
    m = sort.size
    opened = rng.random(m) < 0.45
    return {
        "exposure_id": world.first_ids["campaign_exposures"]
        + np.arange(m, dtype=np.int64),
        "campaign_id": (e_c + world.first_ids["campaigns"])[sort].astype(np.int64),
        "customer_id": cust_ids[e_cust][sort],
        "exposed_at": e_at[sort].astype(np.int64),
        "is_opened": opened,
        "is_clicked": opened & (rng.random(m) < 0.3),
    }
