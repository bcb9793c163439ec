"""Customers: latent purchasing state, covariates and PII (Faker pools sampled vectorised)."""

from __future__ import annotations

import re

import numpy as np
from faker import Faker

from contracts.raw_tables import ACQUISITION_CHANNELS, GENDERS, LOYALTY_TIERS
from seeds_generator.calendar import SECONDS_PER_DAY
from seeds_generator.params import Params
from seeds_generator.rng import stream

GENDER_P = (0.49, 0.47, 0.02, 0.02)
ACQUISITION_P = (0.34, 0.22, 0.16, 0.1, 0.1, 0.08)
TIER_SHARES = (0.5, 0.3, 0.15, 0.05)
TIER_NOISE = 0.7
EMAIL_DOMAINS = np.array(
    ["example.com", "example.net", "example.org", "mail.example.com"], dtype=object
)
POOL_SIZE = 800


def _token(s: str) -> str:
    return re.sub(r"[^a-z]", "", s.lower()) or "x"


def name_pools(seed: int) -> dict[str, np.ndarray]:
    """Pools of names and streets built once with a seeded Faker."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return {
        "female": np.array(
            [fake.first_name_female() for _ in range(POOL_SIZE)], dtype=object
        ),
        "male": np.array(
            [fake.first_name_male() for _ in range(POOL_SIZE)], dtype=object
        ),
        "last": np.array([fake.last_name() for _ in range(POOL_SIZE)], dtype=object),
        "street": np.array(
            [fake.street_name() for _ in range(POOL_SIZE)], dtype=object
        ),
    }


def tier_cutpoints(params: Params) -> np.ndarray:
    """Fixed cutpoints of log(lambda) + noise giving TIER_SHARES in the population."""
    rng = stream(0, "tier-cutpoints")
    pp = params.purchase
    score = np.log(rng.gamma(pp.r, 1.0 / pp.alpha, 200_000)) + rng.normal(
        0, TIER_NOISE, 200_000
    )
    return np.quantile(score, np.cumsum(TIER_SHARES)[:-1])


def draw_latent(
    rng: np.random.Generator, n: int, params: Params
) -> dict[str, np.ndarray]:
    """Per-customer lambda (per week), dropout p, Gamma-Gamma nu, tier and preference factors."""
    pp, ops = params.purchase, params.ops
    lam = rng.gamma(pp.r, 1.0 / pp.alpha, n)
    score = np.log(lam) + rng.normal(0, TIER_NOISE, n)
    return {
        "lambda": lam,
        "p": rng.beta(pp.a, pp.b, n),
        "nu": rng.gamma(pp.gg_q, 1.0 / pp.gg_gamma, n),
        "tier": np.searchsorted(tier_cutpoints(params), score).astype(np.int64),
        "factors": rng.normal(0.0, ops.factor_scale, (n, ops.n_factors)),
    }


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    area = rng.integers(201, 990, n)
    mid = rng.integers(200, 999, n)
    last = rng.integers(0, 10_000, n)
    return np.array(
        [f"+1-{a}-{m}-{x:04d}" for a, m, x in zip(area, mid, last, strict=True)],
        dtype=object,
    )


def build_customers(
    seed: int,
    rng: np.random.Generator,
    customer_ids: np.ndarray,
    signed_up_at: np.ndarray,
    tiers: np.ndarray,
    geography: dict,
    params: Params,
) -> dict[str, np.ndarray]:
    """The customers table for new customers (covariates + PII)."""
    n = customer_ids.size
    pools = name_pools(seed)
    gender_idx = rng.choice(len(GENDERS), n, p=GENDER_P)
    female = (gender_idx == 0) | ((gender_idx >= 2) & (rng.random(n) < 0.5))
    first = np.where(
        female,
        pools["female"][rng.integers(0, POOL_SIZE, n)],
        pools["male"][rng.integers(0, POOL_SIZE, n)],
    )
    last = pools["last"][rng.integers(0, POOL_SIZE, n)]
    email = (
        np.array(
            [
                f"{_token(f)}.{_token(la)}{cid}@"
                for f, la, cid in zip(first, last, customer_ids, strict=True)
            ],
            dtype=object,
        )
        + EMAIL_DOMAINS[rng.integers(0, EMAIL_DOMAINS.size, n)]
    )
    street = (
        np.array([f"{k} " for k in rng.integers(1, 9999, n)], dtype=object)
        + pools["street"][rng.integers(0, POOL_SIZE, n)]
    )
    age_years = np.clip(rng.normal(41, 13, n), 18, 85)
    birth_days = (signed_up_at // SECONDS_PER_DAY) - np.round(
        age_years * 365.25
    ).astype(np.int64)
    return {
        "customer_id": customer_ids,
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phones(rng, n),
        "street_address": street,
        "geography_id": geography["geography_id"][
            rng.choice(geography["geography_id"].size, n, p=geography["_weight"])
        ],
        "birth_date": birth_days.astype("datetime64[D]"),
        "gender": np.array(GENDERS, dtype=object)[gender_idx],
        "acquisition_channel": np.array(ACQUISITION_CHANNELS, dtype=object)[
            rng.choice(len(ACQUISITION_CHANNELS), n, p=ACQUISITION_P)
        ],
        "loyalty_tier": np.array(LOYALTY_TIERS, dtype=object)[tiers],
        "is_marketing_opt_in": rng.random(n) < params.ops.opt_in_rate,
        "signed_up_at": signed_up_at,
        "updated_at": signed_up_at.copy(),
    }
