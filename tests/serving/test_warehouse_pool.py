"""The warehouse pool (psycopg_pool): a busy pool or a warehouse that refuses connections is
a 503 saying which, and the service serves again as soon as the warehouse does."""

from __future__ import annotations

import time

import psycopg
from fastapi.testclient import TestClient
from psycopg import sql

from serving.main import create_app


def _warehouse_check(client: TestClient) -> tuple[int, dict]:
    response = client.get("/ready")
    checks = {c["name"]: c for c in response.json()["checks"]}
    return response.status_code, checks["warehouse"]


def test_a_busy_pool_is_a_503_until_a_connection_is_free(make_settings, serving_world):
    churn = f"/v1/customers/{serving_world.known_customer}/churn"
    app = create_app(make_settings(pool_size=1, pool_timeout_seconds=0.5))
    with TestClient(app) as client:
        assert client.get(churn).status_code == 200
        with app.state.services.warehouse.pool.connection():  # the only connection
            busy = client.get(churn)
            assert busy.status_code == 503
            assert busy.json()["detail"] == (
                "warehouse unavailable: no connection free within 0.5 s (all 1 in use)"
            )
        assert client.get(churn).status_code == 200


def _allow_connections(admin: str, database: str, allow: bool) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("alter database {} with allow_connections {}").format(
                sql.Identifier(database), sql.SQL("true" if allow else "false")
            )
        )
        if not allow:  # and drop the connections the service holds
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = %s",
                (database,),
            )


def test_the_service_recovers_when_the_warehouse_comes_back(
    make_settings, fresh_database
):
    admin = psycopg.conninfo.make_conninfo(fresh_database, dbname="postgres")
    database = psycopg.conninfo.conninfo_to_dict(fresh_database)["dbname"]
    app = create_app(make_settings(database_url=fresh_database, pool_timeout_seconds=1))
    with TestClient(app) as client:
        assert _warehouse_check(client)[0] == 200
        _allow_connections(admin, database, allow=False)
        try:
            status, check = _warehouse_check(client)
            assert status == 503 and check["ok"] is False
            assert check["detail"].startswith("warehouse unavailable: ")
            assert "not currently accepting connections" in check["detail"]
        finally:
            _allow_connections(admin, database, allow=True)
        deadline = time.monotonic() + 30
        while _warehouse_check(client)[0] != 200:
            assert time.monotonic() < deadline, "no recovery within 30 s"
            time.sleep(0.2)
