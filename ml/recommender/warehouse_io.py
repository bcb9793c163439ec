"""Read the recommender's inputs from the warehouse (and the generator's planted truth).

Interactions come at event grain from `intermediate.int_interactions_unioned` (the view the
`ml_features.ml_interactions` mart aggregates): the mart is one row per customer x product, so
it cannot be split by time without leaking post-cutoff activity into the training weights.
Events are summed per customer x product x UTC day (weights applied in SQL), so the full log
sums to exactly the mart's `interaction_weight` when the default weights are used.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

#: Interaction type -> weight; the same defaults as the dbt vars `interaction_weight_*`.
DEFAULT_WEIGHTS: dict[str, float] = {"purchase": 5.0, "add_to_cart": 2.0, "view": 1.0}
EVENTS_RELATION = "intermediate.int_interactions_unioned"
INTERACTIONS_MART = "ml_features.ml_interactions"
RATINGS_MART = "ml_features.ml_ratings"
CUSTOMERS_DIM = "marts.dim_customers"
PRODUCTS_DIM = "marts.dim_products"
SEGMENT_COLUMN = "loyalty_tier"
_EVENT_TYPES = {
    "purchase": "purchase",
    "add_to_cart": "add_to_cart",
    "view": "product_view",
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


def _require(conn, relation: str) -> None:
    if conn.execute("select to_regclass(%s)", (relation,)).fetchone()[0] is None:
        raise LookupError(
            f"{relation} does not exist in the warehouse; build it first, e.g. "
            "`ecom dbt build --select +ml_interactions +ml_ratings +dim_customers +dim_products`"
        )


def _copy_frame(conn, query: str, params: dict[str, object] | None = None) -> bytes:
    """Run `query` through COPY ... TO STDOUT (CSV with header): far faster than fetchall."""
    from psycopg import sql

    statement = sql.SQL("copy ({}) to stdout with (format csv, header true)").format(
        sql.SQL(query).format(**{k: sql.Literal(v) for k, v in (params or {}).items()})
    )
    buffer = io.BytesIO()
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


def load_interactions(
    url: str, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The implicit-feedback log: user_id, item_id, weight, timestamp (UTC day).

    Args:
        url: warehouse conninfo/URL.
        weights: per-type weights, keys "purchase" (per order line), "add_to_cart", "view";
            missing keys keep `DEFAULT_WEIGHTS`. Days whose weighted sum is 0 are dropped.

    Returns:
        One row per customer x product x day, sorted by timestamp; ids are int64.
    """
    from warehouse.connection import connect

    w = resolve_weights(weights)
    query = """
        select
            customer_id as user_id,
            product_id as item_id,
            (interacted_at at time zone 'UTC')::date as day,
            {purchase} * count(*) filter (where interaction_type = {t_purchase})
            + {add_to_cart} * count(*) filter (where interaction_type = {t_add_to_cart})
            + {view} * count(*) filter (where interaction_type = {t_view}) as weight
        from intermediate.int_interactions_unioned
        group by 1, 2, 3
    """
    params: dict[str, object] = {**w, **{f"t_{k}": v for k, v in _EVENT_TYPES.items()}}
    with connect(url) as conn:
        _require(conn, EVENTS_RELATION)
        raw = _copy_frame(conn, query, params)
    frame = pd.read_csv(
        io.BytesIO(raw),
        dtype={"user_id": "int64", "item_id": "int64", "weight": "float64"},
    )
    frame = frame.loc[frame["weight"] > 0]
    frame["timestamp"] = pd.to_datetime(frame.pop("day"), utc=True)
    if frame.empty:
        raise ValueError(
            f"{EVENTS_RELATION} holds no interactions with positive weight (weights {w})"
        )
    return frame.sort_values(["timestamp", "user_id", "item_id"], ignore_index=True)


def load_customers(url: str) -> pd.Series:
    """Every customer in dim_customers: customer_id -> loyalty_tier (the popularity segment)."""
    from warehouse.connection import connect

    with connect(url) as conn:
        _require(conn, CUSTOMERS_DIM)
        rows = conn.execute(
            f"select customer_id, {SEGMENT_COLUMN} from {CUSTOMERS_DIM} order by customer_id"
        ).fetchall()
    if not rows:
        raise ValueError(f"{CUSTOMERS_DIM} is empty: there is nobody to recommend to")
    ids, tiers = zip(*rows, strict=True)
    return pd.Series(
        tiers,
        index=pd.Index(ids, dtype="int64", name="customer_id"),
        name=SEGMENT_COLUMN,
    )


def load_ratings(url: str) -> pd.DataFrame:
    """Explicit feedback: user_id, item_id, rating (1-5), timestamp (reviewed_at, UTC)."""
    from warehouse.connection import connect

    with connect(url) as conn:
        _require(conn, RATINGS_MART)
        raw = _copy_frame(
            conn,
            "select customer_id as user_id, product_id as item_id, rating, "
            "reviewed_at as timestamp from ml_features.ml_ratings",
        )
    frame = pd.read_csv(io.BytesIO(raw), dtype={"user_id": "int64", "item_id": "int64"})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame


def find_preferences(
    url: str | None, ground_truth_dir: str | Path | None = None
) -> Path | None:
    """The generator's `preferences.parquet`: under `ground_truth_dir` (a batch directory or its
    `ground_truth/` folder), else in the newest loaded batch's directory that has one."""
    candidates: list[Path] = []
    if ground_truth_dir is not None:
        base = Path(ground_truth_dir)
        candidates = [
            base / "preferences.parquet",
            base / "ground_truth" / "preferences.parquet",
        ]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise FileNotFoundError(
                f"no preferences.parquet under {base} (looked at {[str(p) for p in candidates]})"
            )
        return found
    if url is None:
        return None
    from warehouse.loader import loaded_batches

    for batch in reversed(loaded_batches(url)):
        path = Path(batch["source_dir"] or "") / "ground_truth" / "preferences.parquet"
        if batch["source_dir"] and path.is_file():
            return path
    return None


def load_preferences(path: Path) -> pd.DataFrame:
    """Planted top items per customer: customer_id, product_id, rank (1 = most preferred)."""
    frame = pd.read_parquet(path, columns=["customer_id", "product_id", "rank"])
    return frame.astype(
        {"customer_id": "int64", "product_id": "int64", "rank": "int64"}
    )
