"""Read the recommender's inputs from the marts (and nothing below them).

Interactions come at day grain from `ml_features.ml_interactions_daily` (purchases, add-to-carts
and views per customer x product x UTC day): the pair-grain `ml_interactions` cannot be split
by time without leaking post-cutoff activity into the training weights. Weights are applied in
SQL, so the whole log sums to the pair mart's `interaction_weight` with the default weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

#: Interaction type -> weight; the same defaults as the dbt vars `interaction_weight_*`.
DEFAULT_WEIGHTS: dict[str, float] = {"purchase": 5.0, "add_to_cart": 2.0, "view": 1.0}
INTERACTIONS_MART = "ml_features.ml_interactions_daily"
RATINGS_MART = "ml_features.ml_ratings"
CUSTOMERS_DIM = "marts.dim_customers"
PRODUCTS_DIM = "marts.dim_products"
SEGMENT_COLUMN = "loyalty_tier"
#: Interaction type -> count column of the daily mart.
_COUNT_COLUMNS = {
    "purchase": "purchase_count",
    "add_to_cart": "add_to_cart_count",
    "view": "view_count",
}


def resolve_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Defaults overridden by `weights`; unknown keys, negative or non-finite values -> ValueError."""
    merged = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(
                f"unknown interaction weight(s) {unknown}; valid keys: {sorted(DEFAULT_WEIGHTS)}"
            )
        merged.update({k: float(v) for k, v in weights.items()})
    bad = {k: v for k, v in merged.items() if not (math.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"interaction weights must be finite and >= 0, got {bad}")
    if not any(merged.values()):
        raise ValueError(f"at least one interaction weight must be > 0, got {merged}")
    return merged


_BUILD_HINT = (
    "build them first, e.g. `ecom dbt build --select +ml_interactions_daily +ml_ratings "
    "+dim_customers +dim_products`"
)


def load_interactions(
    url: str,
    weights: Mapping[str, float] | None = None,
    *,
    with_purchases: bool = False,
) -> pd.DataFrame:
    """The implicit-feedback log: user_id, item_id, weight, timestamp (UTC day).

    Args:
        url: warehouse conninfo/URL.
        weights: per-type weights, keys "purchase" (per order line), "add_to_cart", "view";
            missing keys keep `DEFAULT_WEIGHTS`. Days whose weighted sum is 0 are dropped.
        with_purchases: also return the day's `purchase_count` (to judge a holdout on what
            was bought: `split_holdout(..., relevant="purchases")`).

    Returns:
        One row per customer x product x day, sorted by timestamp; ids are int64.
    """
    from warehouse.reading import copy_frame, require_relations

    w = resolve_weights(weights)
    weight = " + ".join(
        f"{{{kind}}} * {column}" for kind, column in _COUNT_COLUMNS.items()
    )
    query = f"""
        select
            customer_id as user_id,
            product_id as item_id,
            interaction_date as day,
            {weight} as weight{", purchase_count" if with_purchases else ""}
        from {INTERACTIONS_MART}
    """
    require_relations(url, [INTERACTIONS_MART], _BUILD_HINT)
    frame = copy_frame(
        url,
        query,
        w,
        dtype={"user_id": "int64", "item_id": "int64", "weight": "float64"},
    )
    frame = frame.loc[frame["weight"] > 0]
    frame["timestamp"] = pd.to_datetime(frame.pop("day"), utc=True)
    if frame.empty:
        raise ValueError(
            f"{INTERACTIONS_MART} holds no interactions with positive weight (weights {w})"
        )
    return frame.sort_values(["timestamp", "user_id", "item_id"], ignore_index=True)


def load_customers(url: str) -> pd.Series:
    """Every customer in dim_customers: customer_id -> loyalty_tier (the popularity segment)."""
    from warehouse.reading import read_frame, require_relations

    require_relations(url, [CUSTOMERS_DIM], _BUILD_HINT)
    rows = read_frame(
        url,
        f"select customer_id, {SEGMENT_COLUMN} from {CUSTOMERS_DIM} order by customer_id",
    )
    if rows.empty:
        raise ValueError(f"{CUSTOMERS_DIM} is empty: there is nobody to recommend to")
    return pd.Series(
        rows[SEGMENT_COLUMN].to_numpy(),
        index=pd.Index(rows["customer_id"], dtype="int64", name="customer_id"),
        name=SEGMENT_COLUMN,
    )


def load_ratings(url: str) -> pd.DataFrame:
    """Explicit feedback: user_id, item_id, rating (1-5), timestamp (reviewed_at, UTC)."""
    from warehouse.reading import copy_frame, require_relations

    require_relations(url, [RATINGS_MART], _BUILD_HINT)
    frame = copy_frame(
        url,
        "select customer_id as user_id, product_id as item_id, rating, "
        f"reviewed_at as timestamp from {RATINGS_MART}",
        dtype={"user_id": "int64", "item_id": "int64"},
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame
