"""The embedded PostgreSQL server (pgserver wheel): start, locate, stop.

The server runs from a project-local data directory, listens on a unix socket only, and keeps
running after the starting process exits, so dbt, Dagster, the API and the BI app can all
reach it until `ecom db down`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    pgdata: Path
    pid: int | None = None
    socket_dir: Path | None = None

    def url(self, database: str) -> str | None:
        if not self.running or self.socket_dir is None:
            return None
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"


def _import_pgserver():
    # pgserver resolves a runtime dir at import; without XDG_RUNTIME_DIR platformdirs warns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.utils
    return pgserver


def status(pgdata: Path) -> EmbeddedStatus:
    """Read the server's postmaster.pid without starting anything."""
    PostmasterInfo = _import_pgserver().utils.PostmasterInfo

    if not (pgdata / "PG_VERSION").exists():
        return EmbeddedStatus(running=False, pgdata=pgdata)
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running() or info.status != "ready":
        return EmbeddedStatus(running=False, pgdata=pgdata)
    return EmbeddedStatus(
        running=True, pgdata=pgdata, pid=info.pid, socket_dir=Path(info.socket_dir)
    )


def ensure_running(pgdata: Path, database: str) -> str:
    """Start the embedded server if needed, create `database` if missing; return its URL."""
    current = status(pgdata)
    if not current.running:
        pgserver = _import_pgserver()
        pgdata.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL in %s", pgdata)
        # cleanup_mode=None: the server outlives this process (stopped by `ecom db down`).
        pgserver.get_server(pgdata, cleanup_mode=None)
        current = status(pgdata)
        if not current.running:
            raise RuntimeError(
                f"embedded PostgreSQL did not start; see the log at {pgdata / 'log'}"
            )
    admin_url = current.url("postgres")
    assert admin_url is not None
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    url = current.url(database)
    assert url is not None
    return url


def stop(pgdata: Path) -> bool:
    """Stop the embedded server. Returns False when it was not running."""
    if not status(pgdata).running:
        return False
    _import_pgserver()
    from pgserver import _commands  # its pg_ctl function is generated at import time

    pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]

    from warehouse._pgserver_user import server_system_user

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server_system_user())
    return True


def psql_binary() -> Path:
    """The psql client shipped inside the pgserver wheel."""
    _import_pgserver()
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / "psql"
