"""generate_increment(): the next N days after a previous batch, continuing its latent state."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from contracts.raw_tables import LOYALTY_TIERS
from seeds_generator.batch_io import finish_batch
from seeds_generator.calendar import Clock
from seeds_generator.faults import validate_faults
from seeds_generator.generate import new_population
from seeds_generator.geography import build_geography
from seeds_generator.manifest import read_manifest
from seeds_generator.params import Params
from seeds_generator.progress import make_progress
from seeds_generator.rng import stream
from seeds_generator.state import load_population, load_products
from seeds_generator.window import World, simulate_window
from seeds_generator.writer import TRUTH_DIR, TRUTH_FILE

CUSTOMER_UPDATES_PER_DAY = (
    0.001  # share of customers changing tier/email/address per day
)
PRICE_CHANGES_PER_DAY = 0.002  # share of products changing price per day


def _load_parent(previous_dir: Path) -> tuple[dict, dict]:
    manifest = read_manifest(previous_dir)
    path = previous_dir / TRUTH_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{previous_dir} has no {TRUTH_FILE}; an increment needs the previous batch's ground truth"
        )
    truth = json.loads(path.read_text())
    if "state" not in truth:
        raise ValueError(
            f"{path} has no 'state' section; was it written by this generator?"
        )
    return manifest, truth


def _price_changes(
    rng: np.random.Generator, products: dict, days: int, at_s: int
) -> np.ndarray:
    n = products["product_id"].size
    k = min(n, max(1, round(PRICE_CHANGES_PER_DAY * n * days)))
    rows = np.sort(rng.choice(n, k, replace=False))
    new = (
        np.round(
            products["unit_price"][rows] / 100.0 * rng.uniform(0.85, 1.15, k)
        ).astype(np.int64)
        * 100
        - 1
    )
    products["unit_price"][rows] = np.maximum(new, 199)
    products["updated_at"][rows] = at_s
    return rows


def _customer_updates(
    rng: np.random.Generator, pop, geography: dict, days: int, clock: Clock
) -> np.ndarray:
    t, n = pop.table, pop.size
    k = min(n, max(1, round(CUSTOMER_UPDATES_PER_DAY * n * days)))
    rows = np.sort(rng.choice(n, k, replace=False))
    kind = rng.integers(0, 3, k)  # 0 tier, 1 email, 2 address
    for i, r in enumerate(
        rows
    ):  # a handful of rows per day: a loop is clearer than masks
        if kind[i] == 0:
            tier = int(
                np.clip(
                    pop.latent["tier"][r] + rng.choice([-1, 1]),
                    0,
                    len(LOYALTY_TIERS) - 1,
                )
            )
            pop.latent["tier"][r] = tier
            t["loyalty_tier"][r] = LOYALTY_TIERS[tier]
        elif kind[i] == 1:
            local = t["email"][r].split("@")[0]
            t["email"][r] = f"{local}.{int(rng.integers(10, 99))}@example.net"
        else:
            region = geography["region"][t["geography_id"][r] - 1]
            same = np.flatnonzero(geography["region"] == region)
            t["geography_id"][r] = geography["geography_id"][rng.choice(same)]
            t["street_address"][r] = (
                f"{int(rng.integers(1, 9999))} {t['street_address'][r].split(' ', 1)[1]}"
            )
    t["updated_at"][rows] = clock.start_s + rng.integers(0, clock.hours * 3600, k)
    return rows


def generate_increment(
    previous_dir: Path,
    out_dir: Path,
    *,
    days: int = 1,
    inject_faults: Sequence[str] = (),
    progress: bool | None = None,
) -> dict:
    """Generate the `days` days after `previous_dir`'s window into `out_dir`; returns the manifest."""
    faults = validate_faults(inject_faults)
    if not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    previous_dir, out_dir = Path(previous_dir), Path(out_dir)
    if previous_dir.resolve() == out_dir.resolve():
        raise ValueError("out_dir must differ from previous_dir")
    manifest, truth = _load_parent(previous_dir)
    state = truth["state"]
    seed, scale = int(state["seed"]), float(state["scale"])
    params = Params()
    start = dt.date.fromisoformat(state["window_end"]) + dt.timedelta(days=1)
    clock = Clock.for_window(start, days)
    key = f"increment:{manifest['batch_id']}"
    tick, close = make_progress(progress, 6, "increment")
    pop = load_population(previous_dir / TRUTH_DIR / "state_customers.parquet")
    products = load_products(previous_dir / TRUTH_DIR / "state_products.parquet")
    geography = build_geography(stream(seed, "geography"))
    rng = stream(seed, key, "changes")
    changed_products = _price_changes(rng, products, days, clock.start_s)
    updated = _customer_updates(rng, pop, geography, days, clock)
    updated_rows = {k: v[updated].copy() for k, v in pop.table.items()}

    rate = float(state.get("signups_per_day_at_end") or 0.0)
    n_new = int(stream(seed, key, "signups").poisson(rate * days))
    signup = np.sort(
        clock.sample(
            stream(seed, key, "signup-times"),
            np.full(n_new, clock.start_s),
            np.full(n_new, clock.end_s),
        )
    )
    new = new_population(
        seed,
        key,
        signup,
        int(state["next_ids"]["customers"]),
        geography,
        clock.start_s,
        params,
    )
    n_old = pop.size
    pop = pop.concat(new)
    world = World(
        seed=seed,
        params=params,
        clock=clock,
        stream_key=key,
        geography=geography,
        products=products,
        campaigns=None,
        main_campaign=-1,
        rollout_s=int(state["rollout_s"]),
        first_ids=dict(state["next_ids"]),
        aff_sd=params.ops.factor_scale**2 * np.sqrt(params.ops.n_factors),
        progress=tick,
    )
    res = simulate_window(world, pop)
    res.tables["customers"] = {
        k: np.concatenate([updated_rows[k], v[n_old:]]) for k, v in pop.table.items()
    }
    res.tables["products"] = {
        k: v[changed_products] for k, v in products.items() if not k.startswith("_")
    }
    lineage = dict(state["lineage"])
    inherited = {k: truth[k] for k in ("campaign", "rollout") if k in truth}
    out_dir.mkdir(parents=True, exist_ok=True)
    result = finish_batch(
        out_dir,
        world=world,
        pop=pop,
        res=res,
        faults=faults,
        scale=scale,
        start=start,
        days=days,
        parent={"batch_id": manifest["batch_id"], "state": state},
        lineage=lineage,
        tick=tick,
        inherited=inherited,
    )
    close()
    return result
