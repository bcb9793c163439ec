"""Campaign exposures: the confounded targeted campaign and the background campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from contracts.raw_tables import LOYALTY_TIERS
from seeds_generator.calendar import SECONDS_PER_DAY, SECONDS_PER_HOUR
from seeds_generator.params import Params

BACKGROUND_EXPOSURE_RATE = 0.06
BACKGROUND_ATTRIBUTION_RATE = 0.5


@dataclass(frozen=True)
class Targeting:
    eligible: np.ndarray  # bool per customer row
    treated: np.ndarray  # bool per customer row
    propensity: np.ndarray  # P(treated) per customer row (0 where not eligible)
    exposed_at: np.ndarray  # seconds (0 where not treated)
    covariates: dict[str, np.ndarray]


def targeting_covariates(
    start_s: int,
    lookback_days: int,
    signup_s: np.ndarray,
    order_cust: np.ndarray,
    order_t: np.ndarray,
    order_net: np.ndarray,
    n_customers: int,
) -> dict[str, np.ndarray]:
    """Orders and net revenue (dollars) in the lookback window before `start_s`, tenure in years."""
    sel = (
        (order_t >= start_s - lookback_days * SECONDS_PER_DAY)
        & (order_t < start_s)
        & (order_net >= 0)
    )
    orders = np.bincount(order_cust[sel], minlength=n_customers)
    revenue = (
        np.bincount(order_cust[sel], weights=order_net[sel], minlength=n_customers)
        / 100.0
    )
    tenure = np.maximum(start_s - signup_s, 0) / (365.25 * SECONDS_PER_DAY)
    return {
        "orders_lookback": orders,
        "net_revenue_lookback": revenue,
        "tenure_years": tenure,
    }


def target_customers(
    rng: np.random.Generator,
    start_s: int,
    signup_s: np.ndarray,
    opt_in: np.ndarray,
    tier: np.ndarray,
    covariates: dict[str, np.ndarray],
    params: Params,
) -> Targeting:
    """Logistic targeting on covariates that also drive baseline spend (the confounding)."""
    cp = params.campaign
    eligible = (signup_s < start_s) & opt_in
    tier_eff = np.array([cp.tier_effects[t] for t in LOYALTY_TIERS])[tier]
    logit = (
        cp.intercept
        + cp.w_orders * np.log1p(covariates["orders_lookback"])
        + cp.w_revenue * np.log1p(covariates["net_revenue_lookback"] / 100.0)
        + cp.w_tenure * covariates["tenure_years"]
        + tier_eff
    )
    prop = np.where(eligible, 1.0 / (1.0 + np.exp(-logit)), 0.0)
    treated = rng.random(prop.size) < prop
    exposed = np.where(
        treated,
        start_s + rng.integers(8 * SECONDS_PER_HOUR, 20 * SECONDS_PER_HOUR, prop.size),
        0,
    )
    return Targeting(eligible, treated, prop, exposed, covariates)


def background_exposures(
    rng: np.random.Generator,
    campaigns: dict,
    skip: int,
    signup_s: np.ndarray,
    opt_in: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random exposures of the non-targeted campaigns: (campaign index, customer row, exposed_at)."""
    camp, cust, when = [], [], []
    for i in range(campaigns["campaign_id"].size):
        if i == skip:
            continue
        start = int(campaigns["start_date"][i].astype("datetime64[s]").astype(np.int64))
        end = (
            int(campaigns["end_date"][i].astype("datetime64[s]").astype(np.int64))
            + SECONDS_PER_DAY
        )
        ok = signup_s < start
        if campaigns["channel"][i] == "email":
            ok &= opt_in
        rows = np.flatnonzero(
            ok & (rng.random(signup_s.size) < BACKGROUND_EXPOSURE_RATE)
        )
        camp.append(np.full(rows.size, i))
        cust.append(rows)
        when.append(rng.integers(start, end, rows.size))
    if not camp:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(camp), np.concatenate(cust), np.concatenate(when)


def attribute_orders(
    rng: np.random.Generator,
    campaigns: dict,
    exp_campaign: np.ndarray,
    exp_cust: np.ndarray,
    exp_at: np.ndarray,
    order_cust: np.ndarray,
    order_t: np.ndarray,
    n_customers: int,
) -> np.ndarray:
    """Campaign index (-1 = none) of orders placed by exposed customers during the campaign."""
    out = np.full(order_t.size, -1, dtype=np.int64)
    for i in np.unique(exp_campaign):
        sel = exp_campaign == i
        first = np.full(n_customers, np.iinfo(np.int64).max)
        first[exp_cust[sel]] = exp_at[sel]
        end = (
            int(campaigns["end_date"][i].astype("datetime64[s]").astype(np.int64))
            + SECONDS_PER_DAY
        )
        hit = (
            (order_t >= first[order_cust])
            & (order_t < end)
            & (rng.random(order_t.size) < BACKGROUND_ATTRIBUTION_RATE)
        )
        out[hit] = i
    return out
