"""The warehouse failing under a live server (real uvicorn, real HTTP, real PostgreSQL).

The service reaches the world's warehouse through a TCP forwarder the test controls, so the
warehouse can go away (nothing listening, connections dropped), hang (connections accepted,
never answered) and come back on the same address. While it is away `/ready` and every route
that needs it answer 503 with a clear body within a bounded time, `/health` stays 200, and the
service recovers by itself when the warehouse does. A query that runs past the statement
timeout (waiting on a lock another session holds) is a 503 saying so, not a 500 or a hang.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

POOL_TIMEOUT = 1.0
#: A request while the warehouse is away must answer within the pool timeout plus this.
MARGIN = 4.0


class WarehouseForwarder:
    """TCP on 127.0.0.1:<port> forwarded to the warehouse (TCP or a Unix socket).

    `start()` serves; `stop()` is the server going away (listener closed, every connection
    dropped); `hang()` accepts connections and never answers, like a frozen host.
    """

    def __init__(self, url: str) -> None:
        params = psycopg.conninfo.conninfo_to_dict(url)
        host = str(params.get("host") or "localhost")
        port = int(params.get("port") or 5432)
        if host.startswith("/"):
            self.upstream: tuple = (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}")
        else:
            self.upstream = (socket.AF_INET, (host, port))
        with socket.socket() as probe:  # a free port; nothing listens until start()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        params.update(host="127.0.0.1", port=str(self.port))
        params.pop("hostaddr", None)
        self.url = psycopg.conninfo.make_conninfo("", **params)
        self.mode = "stopped"
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self, mode: str = "forward") -> None:
        self.stop()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener, self.mode = listener, mode
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def hang(self) -> None:
        self.start("hang")

    def stop(self) -> None:
        self.mode = "stopped"
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            with self._lock:
                self._sockets.append(client)
            if self.mode != "forward":
                continue  # hang: hold the connection, never answer
            family, address = self.upstream
            server = socket.socket(family)
            try:
                server.connect(address)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(server)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def forwarder(serving_world) -> Iterator[WarehouseForwarder]:
    proxy = WarehouseForwarder(serving_world.url)
    yield proxy
    proxy.stop()


def _timed_get(client: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def _assert_unavailable(client: httpx.Client, paths: list[str]) -> None:
    """Every path answers 503 with a detail naming the warehouse, within the bound."""
    for path in paths:
        response, seconds = _timed_get(client, path)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        detail = (
            next(c for c in body["checks"] if c["name"] == "warehouse")["detail"]
            if path == "/ready"
            else body["detail"]
        )
        assert "warehouse unavailable" in detail, (path, detail)
        assert seconds < POOL_TIMEOUT + MARGIN, f"{path} took {seconds:.1f} s"
    health, seconds = _timed_get(client, "/health")
    assert health.status_code == 200 and seconds < MARGIN


def _wait_until_ok(client: httpx.Client, paths: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    pending = list(paths)
    while pending:
        pending = [p for p in pending if client.get(p).status_code != 200]
        if pending:
            assert time.monotonic() < deadline, (
                f"no recovery within {timeout} s: {pending}"
            )
            time.sleep(0.2)


def test_warehouse_down_is_503_and_the_service_recovers_by_itself(
    live_server_factory, forwarder, serving_world, feature_row
):
    customer = serving_world.known_customer
    churn = f"/v1/customers/{customer}/churn"
    recommendations = f"/v1/customers/{customer}/recommendations"
    similar = f"/v1/products/{serving_world.known_product}/similar"
    server = live_server_factory(
        database_url=forwarder.url,
        pool_timeout_seconds=POOL_TIMEOUT,
        recommendations_refresh_seconds=0.5,
        access_log=False,
    )
    with httpx.Client(base_url=server.url, timeout=30) as client:
        # started while the warehouse is away: nothing that needs it is served ...
        _assert_unavailable(client, ["/ready", churn, recommendations, similar])
        # ... the churn model comes from the registry and still scores rows
        scored = client.post("/v1/churn/predict", json={"rows": [feature_row]})
        assert scored.status_code == 200, scored.text

        forwarder.start()  # the warehouse comes up: no restart needed
        _wait_until_ok(client, ["/ready", churn, recommendations, similar])

        forwarder.stop()  # goes away again, dropping the pooled connections
        _assert_unavailable(client, ["/ready", churn])
        # the recommendation snapshot is in memory: those routes keep serving from it
        assert client.get(recommendations).status_code == 200
        assert client.get(similar).status_code == 200

        forwarder.hang()  # accepts connections, never answers: still bounded
        _assert_unavailable(client, ["/ready", churn])

        forwarder.start()
        _wait_until_ok(client, ["/ready", churn, recommendations, similar])


def test_a_query_past_the_statement_timeout_is_a_503(
    live_server_factory, serving_world
):
    churn = f"/v1/customers/{serving_world.known_customer}/churn"
    server = live_server_factory(statement_timeout_ms=300, access_log=False)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get(churn).status_code == 200
        with psycopg.connect(
            serving_world.url
        ) as locker:  # a transaction holds the lock
            locker.execute(
                "lock table ml_features.ml_customer_features in access exclusive mode"
            )
            response, seconds = _timed_get(client, churn)
            assert response.status_code == 503, response.text
            assert response.json() == {
                "detail": "warehouse query timed out: it ran past the 300 ms statement "
                "timeout (ECOM_API_STATEMENT_TIMEOUT_MS); retry later"
            }
            assert 0.3 <= seconds < 3.0
            assert client.get("/health").status_code == 200
            locker.rollback()
        assert client.get(churn).status_code == 200
