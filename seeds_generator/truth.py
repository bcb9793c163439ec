"""Planted truth: churn, preferences, per-order draws, campaign ATT and rollout DiD."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from contracts.raw_tables import LOYALTY_TIERS
from seeds_generator.calendar import SECONDS_PER_DAY, Clock
from seeds_generator.orders import KIND_CAMPAIGN, KIND_ROLLOUT, OrderSet
from seeds_generator.params import Params
from seeds_generator.purchasing import bgnbd_p_alive
from seeds_generator.state import Population

WEEK = 7 * SECONDS_PER_DAY
KIND_NAMES = np.array(["base", "rollout", "campaign"], dtype=object)


def _ts(seconds: np.ndarray) -> pd.Series:
    s = pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True)
    return pd.Series(s).where(np.asarray(seconds) >= 0)


def churn_truth(pop: Population, geography: dict, params: Params) -> pd.DataFrame:
    """One row per customer: latent parameters, dropout and the BG/NBD oracle probabilities."""
    lat, pp = pop.latent, params.purchase
    p_alive = bgnbd_p_alive(
        lat["x"], lat["t_x_op"], lat["T_op"], pp.r, pp.alpha, pp.a, pp.b
    )
    alive = lat["alive"].astype(bool)
    return pd.DataFrame(
        {
            "customer_id": pop.table["customer_id"],
            "signup": _ts(pop.table["signed_up_at"]),
            "lambda": lat["lambda"],
            "p": lat["p"],
            "nu": lat["nu"],
            "expected_order_value": pp.gg_p / lat["nu"],
            "loyalty_tier": np.array(LOYALTY_TIERS, dtype=object)[lat["tier"]],
            "region": geography["region"][pop.table["geography_id"] - 1],
            "dropout_at": _ts(np.where(alive, -1, lat["dropout_s"])),
            "is_alive_at_end": alive,
            "x": lat["x"],
            "t_x": lat["t_x_op"],
            "T": lat["T_op"],
            "p_alive_at_end_bayes": p_alive,
            "p_purchase_next_90d_true": alive
            * (1.0 - np.exp(-lat["lambda"] * 90.0 / 7.0)),
        }
    )


def preference_truth(
    choice, pop: Population, products: dict, k: int = 10
) -> pd.DataFrame:
    """Each customer's k most probable products under the generator's choice model."""
    top, prob = choice.top_products(k)
    n, kk = top.shape
    ok = top >= 0
    rows = np.repeat(np.arange(n), kk).reshape(n, kk)[ok]
    prods = top[ok]
    aff = np.einsum("ij,ij->i", pop.factors[rows], products["_factors"][prods])
    return pd.DataFrame(
        {
            "customer_id": pop.table["customer_id"][rows],
            "product_id": products["product_id"][prods],
            "rank": np.tile(np.arange(1, kk + 1), n).reshape(n, kk)[ok],
            "affinity": aff,
            "log_popularity": products["_log_pop"][prods],
            "probability": prob[ok],
        }
    )


def order_truth(
    o: OrderSet, order_ids: np.ndarray, cust_ids: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": cust_ids[o.cust],
            "value_drawn": o.z_cents / 100.0,
            "kind": KIND_NAMES[o.kind],
        }
    )


def _alive_op_overlap(
    clock: Clock, lo_s: np.ndarray, hi_s: np.ndarray, pop: Population, rows: np.ndarray
) -> np.ndarray:
    lat = pop.latent
    end = np.where(lat["alive"][rows], clock.end_s, lat["dropout_s"][rows])
    start = np.maximum(lo_s, np.maximum(pop.table["signed_up_at"][rows], clock.start_s))
    return np.maximum(clock.op(np.minimum(hi_s, end)) - clock.op(start), 0.0)


def campaign_truth(
    clock: Clock,
    pop: Population,
    o: OrderSet,
    tg,
    campaign_id: int,
    c_start: int,
    rollout_s: int,
    geography: dict,
    params: Params,
) -> tuple[dict, pd.DataFrame]:
    cp, pp, ops = params.campaign, params.purchase, params.ops
    c_end = c_start + cp.outcome_days * SECONDS_PER_DAY
    n = pop.size
    ok = ~o.cancelled & (o.t >= c_start) & (o.t < c_end)
    outcome = (
        np.bincount(o.cust[ok], weights=o.money.order_total[ok], minlength=n) / 100.0
    )
    inc = ok & (o.kind == KIND_CAMPAIGN)
    incremental = (
        np.bincount(o.cust[inc], weights=o.money.order_total[inc], minlength=n) / 100.0
    )
    elig, tr = tg.eligible, tg.treated
    ctrl = elig & ~tr
    tiers = pop.latent["tier"]
    uplift = np.array([cp.uplift_by_tier[t] for t in LOYALTY_TIERS])[tiers]
    rows = np.arange(n)
    overlap = _alive_op_overlap(clock, tg.exposed_at, np.full(n, c_end), pop, rows)
    nu = pop.latent["nu"]
    mean_items = pp.gg_p / nu
    p_ship = stats.gamma.cdf(
        ops.free_shipping_threshold_cents / 100.0, pp.gg_p, scale=1.0 / nu
    )
    free_region = np.isin(
        geography["region"][pop.table["geography_id"] - 1],
        params.rollout.treated_regions,
    ) & (c_start >= rollout_s)
    value = (
        mean_items * (1 - cp.discount_pct / 100.0)
        + np.where(free_region, 0.0, p_ship * ops.shipping_fee_cents / 100.0)
    ) * (1 - ops.cancel_rate)
    expected = np.where(tr, uplift * pop.latent["lambda"] * overlap * value, 0.0)

    def seg(mask: np.ndarray) -> dict:
        k = int((tr & mask).sum())
        return {
            "n_treated": k,
            "n_control": int((ctrl & mask).sum()),
            "uplift_rate_multiplier": None,
            "att_expected": float(expected[tr & mask].sum() / k) if k else None,
            "att_sample": float(incremental[tr & mask].sum() / k) if k else None,
        }

    by_seg = {}
    for i, name in enumerate(LOYALTY_TIERS):
        by_seg[name] = seg(tiers == i)
        by_seg[name]["uplift_rate_multiplier"] = cp.uplift_by_tier[name]
    n_tr = int(tr.sum())
    summary = {
        "campaign_id": campaign_id,
        "start_date": str(np.datetime64(c_start, "s").astype("datetime64[D]")),
        "outcome": (
            "net revenue per customer = sum of order_total over orders with status != 'cancelled' and "
            f"ordered_at in [start_date 00:00 UTC, start_date + {cp.outcome_days} days)"
        ),
        "eligibility": "signed_up_at < start_date 00:00 UTC and is_marketing_opt_in = true (as of the batch)",
        "treatment": "a campaign_exposures row for this campaign_id (exposed on start_date)",
        "targeting": {
            "model": "logit P(treated) = intercept + w_orders*log1p(orders_lookback) + w_revenue*log1p(net_revenue_lookback/100) + w_tenure*tenure_years + tier_effect[loyalty_tier]",
            "covariates": {
                "orders_lookback": f"non-cancelled orders in the {cp.lookback_days} days before start_date",
                "net_revenue_lookback": f"sum of their order_total (dollars), same {cp.lookback_days} days",
                "tenure_years": "(start_date - signed_up_at) / 365.25 days",
                "loyalty_tier": "customers.loyalty_tier",
            },
            "intercept": cp.intercept,
            "w_orders": cp.w_orders,
            "w_revenue": cp.w_revenue,
            "w_tenure": cp.w_tenure,
            "tier_effects": cp.tier_effects,
        },
        "effect_mechanism": (
            "treated customers get an extra Poisson purchase stream with rate uplift[tier] * lambda * m(t) from "
            "exposure to the end of the outcome window while alive; these orders carry the campaign_id and its discount; "
            "baseline orders are unaffected, so they are exactly the untreated potential outcome"
        ),
        "segment_column": "loyalty_tier",
        "n_eligible": int(elig.sum()),
        "n_treated": n_tr,
        "n_control": int(ctrl.sum()),
        "att_expected": float(expected[tr].sum() / max(n_tr, 1)),
        "att_sample": float(incremental[tr].sum() / max(n_tr, 1)),
        "naive_difference": float(outcome[tr].mean() - outcome[ctrl].mean())
        if n_tr and ctrl.any()
        else None,
        "att_by_segment": by_seg,
        "att_expected_note": "E[incremental net revenue | latent lambda, nu, dropout] with E[order_total | nu] ~ (1-discount)*p/nu + shipping fee * P(z < threshold), times (1 - cancel_rate); att_sample is exact",
    }
    df = pd.DataFrame(
        {
            "customer_id": pop.table["customer_id"][elig],
            "treated": tr[elig],
            "propensity": tg.propensity[elig],
            "orders_lookback": tg.covariates["orders_lookback"][elig],
            "net_revenue_lookback": tg.covariates["net_revenue_lookback"][elig],
            "tenure_years": tg.covariates["tenure_years"][elig],
            "loyalty_tier": np.array(LOYALTY_TIERS, dtype=object)[tiers[elig]],
            "outcome": outcome[elig],
            "incremental_revenue": incremental[elig],
            "expected_incremental_revenue": expected[elig],
        }
    )
    return summary, df


def rollout_truth(
    clock: Clock,
    pop: Population,
    o: OrderSet,
    rollout_s: int,
    geography: dict,
    params: Params,
) -> dict:
    rp = params.rollout
    weeks = min(
        rp.panel_weeks,
        int((clock.end_s - rollout_s) // WEEK),
        int((rollout_s - clock.start_s) // WEEK),
    )
    pre0, post1 = rollout_s - weeks * WEEK, rollout_s + weeks * WEEK
    n = pop.size
    cohort = pop.table["signed_up_at"] < pre0
    treated = np.isin(
        geography["region"][pop.table["geography_id"] - 1], rp.treated_regions
    )
    pre = np.bincount(o.cust[(o.t >= pre0) & (o.t < rollout_s)], minlength=n)
    post = np.bincount(o.cust[(o.t >= rollout_s) & (o.t < post1)], minlength=n)
    inc = np.bincount(
        o.cust[(o.t >= rollout_s) & (o.t < post1) & (o.kind == KIND_ROLLOUT)],
        minlength=n,
    )
    t_c, c_c = cohort & treated, cohort & ~treated
    w = max(weeks, 1)

    def rate(counts: np.ndarray, mask: np.ndarray) -> float:
        return float(counts[mask].sum() / max(mask.sum(), 1) / w)

    rows = np.flatnonzero(t_c)
    overlap = _alive_op_overlap(
        clock, np.full(rows.size, rollout_s), np.full(rows.size, post1), pop, rows
    )
    cells = {
        "treated_pre": rate(pre, t_c),
        "treated_post": rate(post, t_c),
        "control_pre": rate(pre, c_c),
        "control_post": rate(post, c_c),
    }
    return {
        "treated_regions": list(rp.treated_regions),
        "rollout_date": str(np.datetime64(rollout_s, "s").astype("datetime64[D]")),
        "treatment": "shipping_amount = 0 on orders in treated regions from rollout_date on; purchase rate * (1 + uplift) while alive",
        "uplift": rp.uplift,
        "outcome": "orders (any status) per customer-week",
        "panel": {
            "customers": "signed_up_at < pre_start; treated = region of the customer's geography in treated_regions",
            "pre_start": str(np.datetime64(pre0, "s").astype("datetime64[D]")),
            "post_end_exclusive": str(
                np.datetime64(post1, "s").astype("datetime64[D]")
            ),
            "weeks_each_side": weeks,
        },
        "n_treated": int(t_c.sum()),
        "n_control": int(c_c.sum()),
        "effect_expected": float(
            rp.uplift
            * (pop.latent["lambda"][rows] * overlap).sum()
            / max(rows.size, 1)
            / w
        ),
        "effect_sample": rate(inc, t_c),
        "cells_realized": cells,
        "did_realized": cells["treated_post"]
        - cells["treated_pre"]
        - (cells["control_post"] - cells["control_pre"]),
        "parallel_trends": "region is independent of every latent parameter and all regions share the seasonal profile",
    }
