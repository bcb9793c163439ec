"""The embedded PostgreSQL server (pgserver wheel): start, locate, stop.

The server runs from a project-local data directory, listens on a unix socket only, and keeps
running after the starting process exits, so dbt, Dagster, the API and the BI app can all
reach it until `ecom db down`.

Every start also ensures the least-privilege roles (`warehouse.roles`): the warehouse database
belongs to ecom_transformer, ecom_reader reads it; `postgres` (the superuser) is left for
creating databases and roles. A `postmaster.pid` left by a server that died (kill -9, a crash)
is removed before starting, with a message naming it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from warehouse import roles

log = logging.getLogger(__name__)

#: How far a live process's start time may be from the one in postmaster.pid and still be the
#: server that wrote it (anything else holding that pid is a reused pid).
_START_TIME_SLACK = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    pgdata: Path
    pid: int | None = None
    socket_dir: Path | None = None

    def url(
        self, database: str, user: str = roles.DEFAULT_ROLES.transformer
    ) -> str | None:
        """The socket URL of `database` as `user` (default: the transformer role)."""
        if not self.running or self.socket_dir is None:
            return None
        return f"postgresql://{user}@/{database}?host={self.socket_dir}"


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
    if (
        info is None
        or info.status != "ready"
        or not _postmaster_alive(info.pid, info.start_time)
    ):
        return EmbeddedStatus(running=False, pgdata=pgdata)
    return EmbeddedStatus(
        running=True, pgdata=pgdata, pid=info.pid, socket_dir=Path(info.socket_dir)
    )


def _postmaster_alive(pid: int, started_at: dt.datetime | None) -> bool:
    """True when `pid` is a live (not zombie) process started when postmaster.pid says."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = dt.datetime.fromtimestamp(process.create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return started_at is None or abs(created - started_at) <= _START_TIME_SLACK


def _wait_for_backends(shmid: str, timeout: float = 10.0) -> None:
    """Wait until no process is attached to the dead server's shared memory any more.

    Backends of a killed postmaster notice its death and exit within moments; PostgreSQL
    itself refuses to start while they live, but it learns of them from postmaster.pid, which
    is about to be removed. Linux only (/proc/sysvipc/shm); elsewhere this returns at once.
    """
    import time

    table = Path("/proc/sysvipc/shm")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            rows = [line.split() for line in table.read_text().splitlines()[1:]]
        except OSError:
            return
        attached = [int(r[6]) for r in rows if len(r) > 6 and r[1] == shmid]
        if not attached or attached[0] == 0:
            return
        time.sleep(0.2)
    log.warning(
        "processes of the dead server still hold shared memory segment %s", shmid
    )


def recover_stale_lock(pgdata: Path) -> list[str]:
    """Remove `postmaster.pid` (and the socket's lock file) left by a server that is gone.

    A server killed with SIGKILL, or a machine that crashed, leaves postmaster.pid behind; when
    its pid is dead, a zombie, or reused by a process started at another time, the file is
    stale. Returns one message per removed file (empty when there was nothing to do).
    """
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except FileNotFoundError:
        return []
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        pid = None
    started_at = None
    if len(lines) > 2 and lines[2].strip().isdigit():
        started_at = dt.datetime.fromtimestamp(int(lines[2]))
    if pid is not None and _postmaster_alive(pid, started_at):
        return []
    if len(lines) > 6 and lines[6].split():
        _wait_for_backends(lines[6].split()[-1])
    messages = []
    socket_dir = Path(lines[4].strip()) if len(lines) > 4 and lines[4].strip() else None
    port = lines[3].strip() if len(lines) > 3 and lines[3].strip() else "5432"
    pid_file.unlink(missing_ok=True)
    messages.append(
        f"removed stale {pid_file}: the server it names (pid {pid}) is not running "
        "(killed or crashed); starting a new one"
    )
    if socket_dir is not None:
        lock = socket_dir / f".s.PGSQL.{port}.lock"
        lock_pid = None
        with contextlib.suppress(FileNotFoundError, IndexError, ValueError):
            lock_pid = int(lock.read_text().splitlines()[0])
        if lock.exists() and (
            lock_pid is None or lock_pid == pid or not _postmaster_alive(lock_pid, None)
        ):
            lock.unlink(missing_ok=True)
            (socket_dir / f".s.PGSQL.{port}").unlink(missing_ok=True)
            messages.append(
                f"removed stale socket lock {lock} (pid {lock_pid} is not running)"
            )
    return messages


def ensure_running(pgdata: Path, database: str) -> str:
    """Start the embedded server if needed, ensure `database` and the roles; return its URL
    (as the transformer role)."""
    current = status(pgdata)
    if not current.running:
        for message in recover_stale_lock(pgdata):
            log.warning(message)
        pgserver = _import_pgserver()
        pgdata.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL in %s", pgdata)
        # pgserver caches one handle per data dir and process; after the server died that
        # handle is stale and get_server would return it without starting anything
        pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
        # cleanup_mode=None: the server outlives this process (stopped by `ecom db down`).
        pgserver.get_server(pgdata, cleanup_mode=None)
        current = status(pgdata)
        if not current.running:
            raise RuntimeError(
                f"embedded PostgreSQL did not start; see the log at {pgdata / 'log'}"
            )
    admin_url = current.url("postgres", user=roles.EMBEDDED_SUPERUSER)
    assert admin_url is not None
    if not roles.roles_current(admin_url, database):
        log.info("ensuring the warehouse roles in %s", pgdata)
        roles.ensure_roles(admin_url, database)
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
