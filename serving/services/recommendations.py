"""Recommendations and similar products served from an in-memory snapshot of the warehouse.

The recommender pipeline precomputes `ml.recommendations` (customer_id, rank, product_id,
score, model_version) and `ml.similar_products` (product_id, rank, similar_product_id, score).
A request must not wait on PostgreSQL, so the store loads both tables into numpy arrays (plus
a popularity ranking from `ml_features.ml_interactions` for cold start and product names from
`marts.dim_products`) and reloads them when a cheap fingerprint of the tables changes (checked
every `refresh_seconds`) or on `POST /v1/admin/reload`. A missing table makes only the routes
that need it answer 503, with the reason.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg

from contracts.ml_outputs import RECOMMENDATIONS, SIMILAR_PRODUCTS
from serving.services.errors import ServiceUnavailable
from serving.services.warehouse import Warehouse, table_fingerprint

log = logging.getLogger(__name__)

RECOMMENDATIONS_TABLE = RECOMMENDATIONS.qualified_name
SIMILAR_TABLE = SIMILAR_PRODUCTS.qualified_name
INTERACTIONS_TABLE = "ml_features.ml_interactions"
PRODUCTS_TABLE = "marts.dim_products"
TABLES = [RECOMMENDATIONS_TABLE, SIMILAR_TABLE, INTERACTIONS_TABLE, PRODUCTS_TABLE]
#: Longest popularity list kept (the cold-start fallback for any k up to this).
POPULAR_LIMIT = 1000
_CHUNK = 50_000


@dataclass(frozen=True)
class RankedLists:
    """Ranked item lists keyed by an id, stored as flat arrays with per-key offsets."""

    offsets: dict[int, tuple[int, int]]
    items: np.ndarray
    scores: np.ndarray
    labels: np.ndarray | None = None  # per-row code into label_names (model version)
    label_names: tuple[str, ...] = ()

    def get(self, key: int, k: int) -> tuple[list[int], list[float], str | None] | None:
        """(items, scores, label) of the first k entries for `key`; None when key is absent."""
        span = self.offsets.get(key)
        if span is None:
            return None
        start, stop = span
        stop = min(stop, start + k)
        label = None
        if self.labels is not None:
            label = self.label_names[int(self.labels[start])]
        return self.items[start:stop].tolist(), self.scores[start:stop].tolist(), label

    @property
    def n_keys(self) -> int:
        return len(self.offsets)

    @property
    def n_rows(self) -> int:
        return int(self.items.shape[0])


def _ranked(conn: psycopg.Connection, query: str, with_label: bool) -> RankedLists:
    keys: list[np.ndarray] = []
    items: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    labels: list[str] = []
    with conn.cursor() as cur:
        cur.execute(query)
        while chunk := cur.fetchmany(_CHUNK):
            keys.append(np.fromiter((r[0] for r in chunk), np.int64, len(chunk)))
            items.append(np.fromiter((r[1] for r in chunk), np.int64, len(chunk)))
            scores.append(np.fromiter((r[2] for r in chunk), np.float64, len(chunk)))
            if with_label:
                labels.extend(str(r[3]) for r in chunk)
    key_arr = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    unique, starts, counts = np.unique(key_arr, return_index=True, return_counts=True)
    offsets = {
        int(key): (int(s), int(s + c))
        for key, s, c in zip(
            unique.tolist(), starts.tolist(), counts.tolist(), strict=True
        )
    }
    label_codes, label_names = None, tuple[str, ...]()
    if with_label:
        names, codes = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
        label_codes, label_names = codes.astype(np.int32), tuple(str(n) for n in names)
    return RankedLists(
        offsets,
        np.concatenate(items) if items else np.zeros(0, np.int64),
        np.concatenate(scores) if scores else np.zeros(0, np.float64),
        label_codes,
        label_names,
    )


@dataclass(frozen=True)
class RecommendationSnapshot:
    """What the recommendation routes serve from; `problems` says why a part is missing."""

    recommendations: RankedLists | None = None
    similar: RankedLists | None = None
    popular: tuple[list[int], list[float]] | None = None
    products: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    fingerprint: tuple[Any, ...] = ()
    loaded_at: dt.datetime | None = None

    def require(self, part: str) -> Any:
        """The part (`recommendations`, `similar`, `popular`) or ServiceUnavailable."""
        value = getattr(self, part)
        if value is None:
            table = {
                "recommendations": RECOMMENDATIONS_TABLE,
                "similar": SIMILAR_TABLE,
                "popular": INTERACTIONS_TABLE,
            }[part]
            reason = self.problems.get(table, "not loaded yet")
            raise ServiceUnavailable(f"{table} unavailable: {reason}")
        return value


def _exists(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute("select to_regclass(%s)", (table,)).fetchone()
    return row is not None and row[0] is not None


def load_snapshot(
    warehouse: Warehouse, fingerprint: tuple[Any, ...]
) -> RecommendationSnapshot:
    """Read every table the recommendation routes use into a new snapshot."""

    def query(conn: psycopg.Connection) -> RecommendationSnapshot:
        problems: dict[str, str] = {}
        present = {t: _exists(conn, t) for t in TABLES}
        for table, ok in present.items():
            if not ok:
                problems[table] = "table does not exist (run the recommender pipeline)"
        recs = similar = popular = None
        products: dict[int, tuple[str | None, str | None]] = {}
        if present[RECOMMENDATIONS_TABLE]:
            recs = _ranked(
                conn,
                f"select customer_id, product_id, score, model_version "
                f"from {RECOMMENDATIONS_TABLE} order by customer_id, rank",
                with_label=True,
            )
        if present[SIMILAR_TABLE]:
            similar = _ranked(
                conn,
                f"select product_id, similar_product_id, score from {SIMILAR_TABLE} "
                "order by product_id, rank",
                with_label=False,
            )
        if present[INTERACTIONS_TABLE]:
            rows = conn.execute(
                f"""
                select product_id, count(*) filter (where purchase_count > 0) as buyers
                from {INTERACTIONS_TABLE}
                group by product_id
                order by buyers desc, sum(interaction_weight) desc, product_id
                limit {POPULAR_LIMIT}
                """
            ).fetchall()
            popular = ([int(r[0]) for r in rows], [float(r[1]) for r in rows])
        if present[PRODUCTS_TABLE]:
            for pid, name, category in conn.execute(
                f"select product_id, product_name, category_name from {PRODUCTS_TABLE}"
            ):
                products[int(pid)] = (name, category)
        return RecommendationSnapshot(
            recs,
            similar,
            popular,
            products,
            problems,
            fingerprint,
            dt.datetime.now(dt.UTC),
        )

    return warehouse.run(query)


class RecommendationStore:
    """The current snapshot, refreshed when the underlying tables change."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.snapshot = RecommendationSnapshot(
            problems={t: "not loaded yet" for t in TABLES}
        )
        self.last_error: str | None = None
        self._lock = asyncio.Lock()

    def _refresh_sync(self, force: bool) -> bool:
        fingerprint = table_fingerprint(self.warehouse, TABLES)
        if not force and fingerprint == self.snapshot.fingerprint:
            return False
        self.snapshot = load_snapshot(self.warehouse, fingerprint)
        return True

    async def refresh(self, force: bool = False) -> bool:
        """Reload when the tables changed (or `force`); returns whether a new snapshot is in."""
        async with self._lock:
            try:
                changed = await asyncio.to_thread(self._refresh_sync, force)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {getattr(exc, 'detail', exc)}"
                if self.snapshot.loaded_at is None:  # nothing served yet: say why
                    why = getattr(exc, "detail", None) or self.last_error
                    self.snapshot = RecommendationSnapshot(
                        problems={t: f"not loaded ({why})" for t in TABLES}
                    )
                log.warning(
                    "recommendation snapshot refresh failed: %s", self.last_error
                )
                return False
            self.last_error = None
            if changed:
                snap = self.snapshot
                log.info(
                    "recommendation snapshot loaded: %s customers, %s products with neighbours",
                    snap.recommendations.n_keys if snap.recommendations else 0,
                    snap.similar.n_keys if snap.similar else 0,
                )
            return changed

    async def poll(self, interval: float) -> None:
        """Refresh every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            await self.refresh()
