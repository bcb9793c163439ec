"""Warehouse reads for the API: customer features, batch scores, table fingerprints.

Every read goes through the read-only pool; connection failures and missing tables become
`ServiceUnavailable` with a detail saying what to run, unknown ids return None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.rows import dict_row

from contracts.ml_outputs import CHURN_SCORES
from serving.core.pool import ConnectionPool, PoolTimeout
from serving.services.errors import ServiceUnavailable

FEATURES_TABLE = "ml_features.ml_customer_features"
CHURN_SCORES_TABLE = CHURN_SCORES.qualified_name
T = TypeVar("T")


class Warehouse:
    """The warehouse as the API sees it: a pool, or the reason there is none."""

    def __init__(self, pool: ConnectionPool | None, error: str | None = None) -> None:
        self.pool = pool
        self.error = error

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled read-only connection; ServiceUnavailable when the warehouse is down."""
        if self.pool is None:
            raise ServiceUnavailable(
                f"warehouse unavailable: {self.error or 'not configured'}"
            )
        try:
            with self.pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise ServiceUnavailable(
                f"warehouse unavailable: {_first_line(exc)}"
            ) from None
        except (errors.UndefinedTable, errors.InvalidSchemaName) as exc:
            raise ServiceUnavailable(
                f"warehouse table missing ({_first_line(exc)}): build the marts and run the "
                "ML pipeline (`ecom run`)"
            ) from None

    def run(self, query: Callable[[psycopg.Connection], T]) -> T:
        """`query(conn)` on a pooled connection with the error mapping above."""
        with self.connection() as conn:
            return query(conn)

    def ping(self) -> None:
        """Raise ServiceUnavailable unless `select 1` succeeds."""
        self.run(lambda conn: conn.execute("select 1").fetchone())

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def customer_features(warehouse: Warehouse, customer_id: int) -> dict[str, Any] | None:
    """The customer's feature-mart row at the latest cutoff, or None when there is none."""

    def query(conn: psycopg.Connection) -> dict[str, Any] | None:
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                f"select * from {FEATURES_TABLE} where customer_id = %s "
                "order by cutoff_date desc limit 1",
                (customer_id,),
            )
            return cur.fetchone()

    return warehouse.run(query)


def batch_churn_score(warehouse: Warehouse, customer_id: int) -> dict[str, Any] | None:
    """The customer's row in `ml.churn_scores` (None when absent or the table is missing)."""

    def query(conn: psycopg.Connection) -> dict[str, Any] | None:
        exists = conn.execute(
            "select to_regclass(%s)", (CHURN_SCORES_TABLE,)
        ).fetchone()
        if exists is None or exists[0] is None:
            return None
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                "select churn_probability, risk_band, model_name, model_version, scored_at, "
                f"cutoff_date from {CHURN_SCORES_TABLE} where customer_id = %s",
                (customer_id,),
            )
            return cur.fetchone()

    return warehouse.run(query)


def table_fingerprint(warehouse: Warehouse, tables: list[str]) -> tuple[Any, ...]:
    """Changes whenever one of `tables` is created, replaced or written (oid + row counters)."""

    def query(conn: psycopg.Connection) -> tuple[Any, ...]:
        rows = conn.execute(
            """
            select t.name, c.oid::bigint,
                   coalesce(s.n_tup_ins, 0) + coalesce(s.n_tup_upd, 0) + coalesce(s.n_tup_del, 0)
            from unnest(%s::text[]) with ordinality as t(name, position)
            left join pg_class as c on c.oid = to_regclass(t.name)
            left join pg_stat_user_tables as s on s.relid = c.oid
            order by t.position
            """,
            (tables,),
        ).fetchall()
        return tuple(tuple(r) for r in rows)

    return warehouse.run(query)
