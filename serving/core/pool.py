"""A small thread-safe pool of read-only psycopg 3 connections to the warehouse.

`psycopg_pool` is not a dependency of the project, and the service needs little: at most
`max_size` connections, opened lazily, reused LIFO, dropped when broken. Every connection is
in autocommit mode with `default_transaction_read_only=on` and a statement timeout, so each
query is its own read-only transaction and nothing the service runs can write.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import pq
from psycopg.types.numeric import FloatLoader


class PoolTimeout(RuntimeError):
    """No connection became free within the pool's timeout."""


class ConnectionPool:
    """Up to `max_size` read-only connections to `conninfo`, shared by threads."""

    def __init__(
        self,
        conninfo: str,
        *,
        max_size: int = 8,
        timeout: float = 2.0,
        statement_timeout_ms: int = 5000,
        connect_timeout: int = 3,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be >= 1, got {max_size}")
        self.conninfo = conninfo
        self.max_size = max_size
        self.timeout = timeout
        self._options = f"-c default_transaction_read_only=on -c statement_timeout={statement_timeout_ms}"
        self._connect_timeout = connect_timeout
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._opened = 0
        self._closed = False

    def _open(self) -> psycopg.Connection:
        conn = psycopg.connect(
            self.conninfo,
            autocommit=True,
            options=self._options,
            connect_timeout=self._connect_timeout,
            application_name="ecom-api",
        )
        # numeric -> float: the service returns features and scores, not money to add up
        conn.adapters.register_loader("numeric", FloatLoader)
        return conn

    def _acquire(self) -> psycopg.Connection:
        if self._closed:
            raise PoolTimeout("the connection pool is closed")
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_open = self._opened < self.max_size
            if may_open:
                self._opened += 1
        if may_open:
            try:
                return self._open()
            except BaseException:
                with self._lock:
                    self._opened -= 1
                raise
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolTimeout(
                f"no warehouse connection free within {self.timeout:g} s "
                f"({self.max_size} in use)"
            ) from None

    def _release(self, conn: psycopg.Connection, broken: bool) -> None:
        healthy = (
            not broken
            and not self._closed
            and not conn.closed
            and conn.info.transaction_status == pq.TransactionStatus.IDLE
        )
        if healthy:
            self._idle.put(conn)
            return
        with self._lock:
            self._opened -= 1
        conn.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection for the duration of the block; broken ones are discarded."""
        conn = self._acquire()
        broken = False
        try:
            yield conn
        except psycopg.OperationalError:
            broken = True
            raise
        finally:
            self._release(conn, broken)

    def check(self) -> None:
        """Run `select 1`; raises when the warehouse cannot be reached."""
        with self.connection() as conn:
            conn.execute("select 1").fetchone()

    def close(self) -> None:
        """Close idle connections; connections in use close when returned."""
        self._closed = True
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                break
            with self._lock:
                self._opened -= 1
            conn.close()

    @property
    def size(self) -> int:
        """Connections currently open (idle or in use)."""
        return self._opened
