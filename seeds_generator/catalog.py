"""Reference data: category tree, brands, products (with latent factors) and campaigns."""

from __future__ import annotations

import datetime as dt

import numpy as np
from faker import Faker

from seeds_generator.calendar import SECONDS_PER_DAY, to_seconds
from seeds_generator.params import Params

# department -> subcategories (noun used in product names, median price in dollars)
DEPARTMENTS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "Electronics": (
        ("Headphones", "Headphones", 60),
        ("Phone Accessories", "Charger", 18),
        ("Smart Home", "Smart Plug", 35),
        ("Cameras", "Action Camera", 140),
    ),
    "Home & Kitchen": (
        ("Cookware", "Pan", 38),
        ("Bedding", "Duvet Cover", 45),
        ("Storage", "Storage Box", 16),
        ("Small Appliances", "Blender", 70),
    ),
    "Fashion": (
        ("Women's Clothing", "Dress", 40),
        ("Men's Clothing", "Shirt", 32),
        ("Shoes", "Sneakers", 65),
        ("Bags", "Backpack", 48),
    ),
    "Beauty": (
        ("Skincare", "Moisturizer", 22),
        ("Makeup", "Lipstick", 14),
        ("Hair Care", "Shampoo", 11),
        ("Fragrance", "Eau de Parfum", 55),
    ),
    "Sports & Outdoors": (
        ("Fitness", "Yoga Mat", 28),
        ("Camping", "Tent", 110),
        ("Cycling", "Bike Light", 25),
        ("Team Sports", "Football", 20),
    ),
    "Toys & Games": (
        ("Board Games", "Board Game", 30),
        ("Building Sets", "Building Set", 40),
        ("Dolls", "Doll", 20),
        ("Puzzles", "Puzzle", 15),
    ),
    "Grocery": (
        ("Coffee & Tea", "Coffee Beans", 13),
        ("Snacks", "Snack Box", 9),
        ("Pantry", "Olive Oil", 12),
        ("Beverages", "Sparkling Water", 8),
    ),
    "Books & Media": (
        ("Fiction", "Novel", 15),
        ("Non-fiction", "Biography", 18),
        ("Children's Books", "Picture Book", 10),
        ("Music", "Vinyl Record", 26),
    ),
}
ADJECTIVES = (
    "Classic",
    "Essential",
    "Premium",
    "Compact",
    "Deluxe",
    "Eco",
    "Ultra",
    "Everyday",
    "Pro",
    "Smart",
    "Vintage",
    "Modern",
    "Lite",
    "Signature",
    "Travel",
    "Organic",
    "Studio",
    "Urban",
)
BRAND_SUFFIXES = (
    "& Co",
    "Goods",
    "Labs",
    "Works",
    "Supply",
    "Collective",
    "Brands",
    "House",
    "Outfitters",
    "Studio",
)
CAMPAIGN_TYPES = ("email", "discount", "free_shipping", "retargeting", "loyalty")
CAMPAIGN_CHANNEL = {
    "email": "email",
    "discount": "email",
    "free_shipping": "onsite",
    "retargeting": "paid_search",
    "loyalty": "sms",
}


def build_categories() -> dict[str, np.ndarray]:
    """Departments first (ids 1..8), then their subcategories; `_median_price`/`_noun` for leaves."""
    names, parents, prices, nouns = (
        list(DEPARTMENTS),
        [0] * len(DEPARTMENTS),
        [0.0] * len(DEPARTMENTS),
        [""] * len(DEPARTMENTS),
    )
    for d_idx, subs in enumerate(DEPARTMENTS.values()):
        for name, noun, price in subs:
            names.append(name)
            parents.append(d_idx + 1)
            prices.append(price)
            nouns.append(noun)
    n = len(names)
    return {
        "category_id": np.arange(1, n + 1, dtype=np.int64),
        "category_name": np.array(names, dtype=object),
        "parent_category_id": np.array(parents, dtype=np.int64),  # 0 = null
        "_median_price": np.array(prices),
        "_noun": np.array(nouns, dtype=object),
    }


def build_brands(n: int, seed: int) -> dict[str, np.ndarray]:
    """`n` unique brand names from a seeded Faker; ~10% private label."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = f"{fake.last_name()} {BRAND_SUFFIXES[len(names) % len(BRAND_SUFFIXES)]}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return {
        "brand_id": np.arange(1, n + 1, dtype=np.int64),
        "brand_name": np.array(names, dtype=object),
        "is_private_label": rng.random(n) < 0.1,
    }


def build_products(
    rng: np.random.Generator,
    n: int,
    categories: dict,
    brands: dict,
    start: dt.date,
    params: Params,
) -> dict[str, np.ndarray]:
    """Products in subcategories with prices, costs, latent factors and popularity.

    Hidden columns (prefixed `_`): `_factors` (n x k), `_log_pop`.
    """
    ops = params.ops
    leaves = np.flatnonzero(categories["parent_category_id"] > 0)
    leaf_w = rng.dirichlet(np.full(leaves.size, 4.0))
    cat_idx = leaves[rng.choice(leaves.size, n, p=leaf_w)]
    brand_idx = rng.integers(0, brands["brand_id"].size, n)
    median = categories["_median_price"][cat_idx]
    price = median * rng.lognormal(0.0, 0.55, n)
    price_cents = np.maximum(199, np.round(price).astype(np.int64) * 100 - 1)
    cost_cents = np.round(price_cents * rng.uniform(0.35, 0.7, n)).astype(np.int64)
    adj = np.array(ADJECTIVES, dtype=object)[rng.integers(0, len(ADJECTIVES), n)]
    names = (
        brands["brand_name"][brand_idx] + " " + adj + " " + categories["_noun"][cat_idx]
    )
    pid = np.arange(1, n + 1, dtype=np.int64)
    launched = to_seconds(start) - rng.integers(
        30 * SECONDS_PER_DAY, 1100 * SECONDS_PER_DAY, n
    )
    return {
        "product_id": pid,
        "sku": np.array([f"SKU-{i:06d}" for i in pid], dtype=object),
        "product_name": names,
        "category_id": categories["category_id"][cat_idx],
        "brand_id": brands["brand_id"][brand_idx],
        "unit_price": price_cents,
        "unit_cost": cost_cents,
        "weight_kg": np.round(rng.lognormal(-0.5, 0.9, n), 3),
        "launched_at": launched,
        "updated_at": launched.copy(),
        "_factors": rng.normal(0.0, ops.factor_scale, (n, ops.n_factors)),
        "_log_pop": rng.normal(0.0, ops.popularity_sigma, n),
    }


def build_campaigns(
    rng: np.random.Generator, n: int, start: dt.date, days: int, params: Params
) -> tuple[dict, int]:
    """`n` campaigns sorted by start date; returns (table, index of the confounded campaign)."""
    cp = params.campaign
    main_start = start + dt.timedelta(days=round(cp.start_fraction * days))
    starts = [
        start + dt.timedelta(days=int(d))
        for d in rng.integers(0, max(1, days - 14), n - 1)
    ]
    types = list(rng.choice(CAMPAIGN_TYPES, n - 1))
    durations = [int(d) for d in rng.integers(7, 31, n - 1)]
    # a campaign never runs past the window's last day: exposures must stay inside the batch window
    last_day = start + dt.timedelta(days=days - 1)
    durations = [
        min(d, (last_day - s).days + 1) for d, s in zip(durations, starts, strict=True)
    ]
    starts.append(main_start)
    types.append("discount")
    durations.append(7)
    order = sorted(range(n), key=lambda i: (starts[i], i))
    main_idx = order.index(n - 1)
    start_dates = [starts[i] for i in order]
    ctype = np.array([types[i] for i in order], dtype=object)
    discount = np.where(
        ctype == "discount", rng.choice([10.0, 15.0, 20.0, 25.0], n), 0.0
    )
    discount[main_idx] = cp.discount_pct
    names = [
        f"{start_dates[i]:%Y-%m} {ctype[i].replace('_', ' ')} #{i + 1}"
        for i in range(n)
    ]
    names[main_idx] = f"{main_start:%Y-%m} discount email (targeted)"
    return {
        "campaign_id": np.arange(1, n + 1, dtype=np.int64),
        "campaign_name": np.array(names, dtype=object),
        "campaign_type": ctype,
        "channel": np.array([CAMPAIGN_CHANNEL[t] for t in ctype], dtype=object),
        "discount_pct": discount,
        "budget": np.round(rng.uniform(2_000, 50_000, n)).astype(np.int64) * 100,
        "start_date": np.array([np.datetime64(d) for d in start_dates]),
        "end_date": np.array(
            [
                np.datetime64(
                    start_dates[i]
                    + dt.timedelta(days=[durations[j] for j in order][i] - 1)
                )
                for i in range(n)
            ]
        ),
    }, main_idx
