"""Finish a simulated batch: truth, faults, CSVs, state for increments, manifest."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from contracts.manifest import write_manifest
from contracts.raw_tables import TABLES
from seeds_generator import calendar as cal
from seeds_generator.arrow_tables import NOT_GENERATED_TABLES, to_arrow
from seeds_generator.faults import inject
from seeds_generator.manifest import batch_id
from seeds_generator.params import GENERATOR_VERSION
from seeds_generator.rng import stream
from seeds_generator.state import save_population, save_products
from seeds_generator.truth import (
    campaign_truth,
    churn_truth,
    order_truth,
    preference_truth,
    rollout_truth,
)
from seeds_generator.writer import TRUTH_DIR, write_tables, write_truth

ID_COLUMNS = {t.name: t.primary_key for t in TABLES}


def _profile_doc() -> dict:
    return {
        "form": "m(t) = hourly[hour of day UTC] * daily(date); daily = weekday * (1 + amplitude*cos(2*pi*(doy - peak_doy)/365.25)) * holiday factors, divided by its mean over the calendar year (so every calendar year averages exactly 1)",
        "hourly": cal.HOURLY_WEIGHTS.round(6).tolist(),
        "weekday_monday_first": cal.WEEKDAY_WEIGHTS.tolist(),
        "seasonal_amplitude": cal.SEASONAL_AMPLITUDE,
        "seasonal_peak_doy": cal.SEASONAL_PEAK_DOY,
        "holidays": cal.HOLIDAYS,
        "holiday_dates": "black_friday = day after the 4th Thursday of November; thanksgiving_weekend = the 2 days after; cyber_monday = 3 days after; december_1_20, december_21_24, christmas_day (Dec 25); overlapping factors multiply",
        "operational_time": "Lambda(t) = integral of m over calendar weeks; all BG/NBD quantities in the truth (t_x, T) are in operational weeks",
    }


def finish_batch(
    out_dir: Path,
    *,
    world,
    pop,
    res,
    faults,
    scale: float,
    start: dt.date,
    days: int,
    parent: dict | None,
    lineage: dict,
    tick,
    inherited: dict | None = None,
) -> dict:
    """Write everything for a simulated window; returns the manifest."""
    p, clock = world.params, world.clock
    window_end = start + dt.timedelta(days=days - 1)
    parent_id = parent["batch_id"] if parent else None
    bid = batch_id(
        version=GENERATOR_VERSION,
        seed=world.seed,
        scale=scale,
        start=str(start),
        end=str(window_end),
        parent=parent_id,
        faults=list(faults),
    )
    if tick:
        tick("truth")
    frames = {
        "customers": churn_truth(pop, world.geography, p),
        "preferences": preference_truth(res.choice, pop, world.products),
        "orders": order_truth(res.orders, res.order_ids, pop.table["customer_id"]),
    }
    summary: dict = {
        "generator_version": GENERATOR_VERSION,
        "batch_id": bid,
        "window_start": str(start),
        "window_end": str(window_end),
        "time_unit": "weeks",
        "bgnbd": {
            "r": p.purchase.r,
            "alpha": p.purchase.alpha,
            "a": p.purchase.a,
            "b": p.purchase.b,
            "mean_lambda_per_week": p.purchase.mean_lambda,
            "mean_p": p.purchase.a / (p.purchase.a + p.purchase.b),
        },
        "gamma_gamma": {
            "p": p.purchase.gg_p,
            "q": p.purchase.gg_q,
            "gamma": p.purchase.gg_gamma,
            "mean_order_value": p.purchase.mean_order_value,
            "planted_quantity": "ground_truth/orders.parquet value_drawn (dollars); items_subtotal approximates it",
        },
        "seasonality": _profile_doc(),
        "preferences": {
            "k": p.ops.n_factors,
            "factor_sd": p.ops.factor_scale,
            "popularity_sigma": p.ops.popularity_sigma,
            "pool_size": 128,
            "rating_model": "rating = clip(round(3.5 + 1.1*affinity/affinity_sd + N(0, 0.9)), 1, 5)",
            "affinity_sd": world.aff_sd,
        },
        "params": p.as_dict(),
        "churn": {
            "customers": int(pop.size),
            "share_alive_at_end": float(pop.latent["alive"].mean()),
            "p_purchase_next_90d_true": "is_alive_at_end * (1 - exp(-lambda * 90/7)); ignores seasonality",
            "p_alive_at_end_bayes": "BG/NBD P(alive | x, t_x, T; r, alpha, a, b) with x = base-process purchases since the process start, t_x and T in operational weeks",
        },
    }
    if world.main_campaign >= 0 and world.campaigns:
        c_start = int(
            world.campaigns["start_date"][world.main_campaign]
            .astype("datetime64[s]")
            .astype(np.int64)
        )
        summary["campaign"], frames["campaign"] = campaign_truth(
            clock,
            pop,
            res.orders,
            res.targeting,
            int(world.main_campaign + world.first_ids["campaigns"]),
            c_start,
            world.rollout_s,
            world.geography,
            p,
        )
        summary["rollout"] = rollout_truth(
            clock, pop, res.orders, world.rollout_s, world.geography, p
        )
    if inherited:
        summary.update({k: v for k, v in inherited.items() if k not in summary})

    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy/arrow release the GIL
        futures = {
            t.name: pool.submit(to_arrow, t.name, res.tables.get(t.name))
            for t in TABLES
            if t.name not in NOT_GENERATED_TABLES
        }
        arrow = {name: f.result() for name, f in futures.items()}
    next_ids = dict(parent["state"]["next_ids"]) if parent else {}
    for name, tab in arrow.items():
        if tab.num_rows:
            next_ids[name] = int(np.max(res.tables[name][ID_COLUMNS[name]])) + 1
        next_ids.setdefault(name, 1)
    summary["state"] = {
        "seed": world.seed,
        "scale": scale,
        "window_end": str(window_end),
        "rollout_s": world.rollout_s,
        "next_ids": next_ids,
        "lineage": lineage,
        "signups_per_day_at_end": lineage.get("signups_per_day_at_end"),
        "files": [
            "ground_truth/state_customers.parquet",
            "ground_truth/state_products.parquet",
        ],
    }
    fault_records = []
    if faults:
        fault_records = inject(
            arrow,
            faults,
            stream(world.seed, world.stream_key, "faults"),
            clock.start_s,
            clock.end_s,
            pop.table["customer_id"],
            pop.table["signed_up_at"],
        )
    if tick:
        tick("writing")
    entries = write_tables(out_dir, arrow)
    write_truth(out_dir, summary, frames)
    save_population(out_dir / TRUTH_DIR / "state_customers.parquet", pop)
    save_products(out_dir / TRUTH_DIR / "state_products.parquet", world.products)
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "batch_id": bid,
        "parent_batch_id": parent_id,
        "seed": world.seed,
        "scale": scale,
        "window_start": str(start),
        "window_end": str(window_end),
        "tables": entries,
        "faults": fault_records,
    }
    write_manifest(out_dir, manifest)
    return manifest
