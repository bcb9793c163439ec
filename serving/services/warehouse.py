"""Warehouse reads for the API: customer features, batch scores, table fingerprints.

Every read goes through a `psycopg_pool.ConnectionPool` of read-only connections (autocommit,
`default_transaction_read_only=on`, a statement timeout: each query is its own read-only
transaction). Connection failures, pool timeouts, queries cancelled by the statement timeout
(e.g. waiting on a lock) and missing tables become `ServiceUnavailable` with a detail saying
what to do; unknown ids return None.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.rows import dict_row
from psycopg.types.numeric import FloatLoader
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from contracts.ml_outputs import CHURN_SCORES
from serving.services.errors import ServiceUnavailable

FEATURES_TABLE = "ml_features.ml_customer_features"
CHURN_SCORES_TABLE = CHURN_SCORES.qualified_name
#: How long the pool keeps retrying a failed connection before the next request starts
#: over: bounds the wait between the warehouse coming back and the service using it.
RECONNECT_SECONDS = 5.0
T = TypeVar("T")


class Warehouse:
    """The warehouse as the API sees it: a pool, or the reason there is none."""

    def __init__(self, pool: ConnectionPool | None, error: str | None = None) -> None:
        self.pool = pool
        self.error = error
        #: why the pool's last connection attempt failed (None: it succeeded)
        self.connect_error: str | None = None
        #: when the pending connection attempt started (monotonic; None: none pending)
        self.connecting_since: float | None = None
        self.statement_timeout_ms = 0

    def open(
        self,
        url: str,
        *,
        max_size: int = 8,
        timeout: float = 2.0,
        statement_timeout_ms: int = 5000,
    ) -> None:
        """Use a pool of up to `max_size` read-only connections to `url`, opened lazily;
        requests wait up to `timeout` seconds for one."""
        self.pool = ConnectionPool(
            url,
            connection_class=_recording_connection_class(self),
            kwargs={
                "autocommit": True,
                "options": "-c default_transaction_read_only=on "
                f"-c statement_timeout={statement_timeout_ms}",
                "connect_timeout": 3,
                "application_name": "ecom-api",
            },
            min_size=0,
            max_size=max_size,
            timeout=timeout,
            configure=_configure,
            check=ConnectionPool.check_connection,  # drop connections the server closed
            reconnect_timeout=RECONNECT_SECONDS,
            name="ecom-api-warehouse",
            open=True,
        )
        self.statement_timeout_ms = statement_timeout_ms
        self.error = None

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
        except (PoolTimeout, PoolClosed) as exc:
            raise ServiceUnavailable(self._timeout_detail(exc)) from None
        except errors.QueryCanceled as exc:  # before OperationalError: it is one
            raise ServiceUnavailable(self._cancel_detail(exc)) from None
        except psycopg.OperationalError as exc:
            raise ServiceUnavailable(
                f"warehouse unavailable: {_first_line(exc)}"
            ) from None
        except (errors.UndefinedTable, errors.InvalidSchemaName) as exc:
            raise ServiceUnavailable(
                f"warehouse table missing ({_first_line(exc)}): build the marts and run the "
                "ML pipeline (`ecom run`)"
            ) from None

    def _timeout_detail(self, exc: Exception) -> str:
        if isinstance(exc, PoolClosed) or self.pool is None:
            return "warehouse unavailable: the connection pool is closed"
        since = self.connecting_since
        if since is not None:  # a connect normally takes milliseconds
            return (
                "warehouse unavailable: not answering (a connection attempt has been "
                f"waiting {time.monotonic() - since:.1f} s)"
            )
        if self.connect_error is not None:
            return f"warehouse unavailable: {self.connect_error}"
        return (
            f"warehouse unavailable: no connection free within {self.pool.timeout:g} s "
            f"(all {self.pool.max_size} in use)"
        )

    def _cancel_detail(self, exc: errors.QueryCanceled) -> str:
        if "statement timeout" in str(exc) and self.statement_timeout_ms:
            return (
                "warehouse query timed out: it ran past the "
                f"{self.statement_timeout_ms} ms statement timeout "
                "(ECOM_API_STATEMENT_TIMEOUT_MS); retry later"
            )
        return f"warehouse query cancelled: {_first_line(exc)}"

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


def _configure(conn: psycopg.Connection) -> None:
    # numeric -> float: the service returns features and scores, not money to add up
    conn.adapters.register_loader("numeric", FloatLoader)


def _recording_connection_class(warehouse: Warehouse) -> type[psycopg.Connection]:
    """`psycopg.Connection` that notes on `warehouse` how its last connect went, so a pool
    timeout can say why (warehouse down, or every connection busy)."""

    class RecordingConnection(psycopg.Connection):
        @classmethod
        def connect(cls, *args: Any, **kwargs: Any) -> Any:
            warehouse.connecting_since = time.monotonic()
            try:
                conn = super().connect(*args, **kwargs)
            except psycopg.OperationalError as exc:
                warehouse.connect_error = _first_line(exc)
                raise
            finally:
                warehouse.connecting_since = None
            warehouse.connect_error = None
            return conn

    return RecordingConnection


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
