"""generate(): a full batch (reference data, customers, two years of activity, truth)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seeds_generator.batch_io import finish_batch
from seeds_generator.calendar import SECONDS_PER_DAY, Clock, to_seconds
from seeds_generator.catalog import (
    build_brands,
    build_campaigns,
    build_categories,
    build_products,
)
from seeds_generator.geography import build_geography
from seeds_generator.params import Params, Sizes
from seeds_generator.people import build_customers, draw_latent
from seeds_generator.progress import make_progress
from seeds_generator.rng import stream
from seeds_generator.state import Population
from seeds_generator.window import World, simulate_window

TABLE_FIRST_IDS = (
    "orders",
    "order_items",
    "payments",
    "shipments",
    "returns",
    "reviews",
    "web_sessions",
    "web_events",
    "campaign_exposures",
    "support_tickets",
    "campaigns",
    "customers",
)


def signup_times(
    rng: np.random.Generator, n: int, clock: Clock, params: Params
) -> np.ndarray:
    """Initial cohort uniform over the year before the window; the rest with growth and seasonality."""
    ops = params.ops
    n_old = round(n * ops.initial_cohort_share)
    old = clock.start_s - rng.integers(1, 365 * SECONDS_PER_DAY, n_old)
    w = clock.m * (1.0 + ops.signup_growth * np.arange(clock.hours) / clock.hours)
    cum = np.concatenate([[0.0], np.cumsum(w)])
    u = rng.random(n - n_old) * cum[-1]
    h = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, clock.hours - 1)
    frac = (u - cum[h]) / w[h]
    new = clock.start_s + ((h + frac) * 3600).astype(np.int64)
    return np.sort(np.concatenate([old, new]))


def new_population(
    seed: int,
    key: str,
    signup: np.ndarray,
    first_id: int,
    geography: dict,
    window_start_s: int,
    params: Params,
) -> Population:
    """Customers signing up at `signup` (sorted) with fresh latent state."""
    n = signup.size
    rng = stream(seed, key, "latent")
    lat = draw_latent(rng, n, params)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    table = build_customers(
        seed, stream(seed, key, "people"), ids, signup, lat["tier"], geography, params
    )
    latent = {
        "lambda": lat["lambda"],
        "p": lat["p"],
        "nu": lat["nu"],
        "tier": lat["tier"],
        "proc_start_s": np.maximum(signup, window_start_s),
        "alive": np.ones(n, dtype=bool),
        "x": np.zeros(n, dtype=np.int64),
        "t_x_op": np.zeros(n),
        "T_op": np.zeros(n),
        "dropout_s": np.full(n, -1, dtype=np.int64),
    }
    return Population(table, latent, lat["factors"])


def generate(
    out_dir: Path,
    *,
    scale: float = 0.01,
    seed: int = 42,
    start: dt.date = dt.date(2024, 1, 1),
    days: int = 730,
    inject_faults: Sequence[str] = (),
    progress: bool | None = None,
) -> dict:
    """Generate a full batch into `out_dir`; returns the manifest dict."""
    from seeds_generator.faults import validate_faults

    faults = validate_faults(inject_faults)
    if not isinstance(days, int) or days < 14:
        raise ValueError(f"days must be an integer >= 14, got {days!r}")
    if not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    params = Params()
    sizes = Sizes.for_scale(scale)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tick, close = make_progress(progress, 7, "generate")
    clock = Clock.for_window(start, days)
    geography = build_geography(stream(seed, "geography"))
    categories = build_categories()
    brands = build_brands(sizes.brands, seed)
    products = build_products(
        stream(seed, "products"), sizes.products, categories, brands, start, params
    )
    campaigns, main = build_campaigns(
        stream(seed, "campaigns"), sizes.campaigns, start, days, params
    )
    if tick:
        tick("customers")
    signup = signup_times(stream(seed, "signup"), sizes.customers, clock, params)
    pop = new_population(seed, "initial", signup, 1, geography, clock.start_s, params)
    rollout_s = to_seconds(
        start + dt.timedelta(days=round(params.rollout.start_fraction * days))
    )
    world = World(
        seed=seed,
        params=params,
        clock=clock,
        stream_key="initial",
        geography=geography,
        products=products,
        campaigns=campaigns,
        main_campaign=main,
        rollout_s=rollout_s,
        first_ids={t: 1 for t in TABLE_FIRST_IDS},
        aff_sd=params.ops.factor_scale**2 * np.sqrt(params.ops.n_factors),
        progress=tick,
    )
    res = simulate_window(world, pop)
    res.tables.update(
        geography={k: v for k, v in geography.items() if not k.startswith("_")},
        categories={k: v for k, v in categories.items() if not k.startswith("_")},
        brands=brands,
        products={k: v for k, v in products.items() if not k.startswith("_")},
        customers=pop.table,
        campaigns=campaigns,
    )
    g = params.ops.signup_growth
    n_new = sizes.customers - round(sizes.customers * params.ops.initial_cohort_share)
    per_day_at_end = n_new * (1 + g) / (days * (1 + g / 2))
    lineage = {
        "start": str(start),
        "days": days,
        "main_campaign": main,
        "signups_per_day_at_end": per_day_at_end,
    }
    manifest = finish_batch(
        out_dir,
        world=world,
        pop=pop,
        res=res,
        faults=faults,
        scale=scale,
        start=start,
        days=days,
        parent=None,
        lineage=lineage,
        tick=tick,
    )
    close()
    return manifest
