"""The container Dagster instance (infra/docker/dagster) really stores runs in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.connection import connection_parts

DAGSTER_DIR = Path(__file__).resolve().parents[2] / "infra" / "docker" / "dagster"


@pytest.mark.server
def test_instance_yaml_uses_postgres_storage_from_env(
    server_url, monkeypatch, tmp_path
):
    import dagster as dg
    import psycopg

    parts = connection_parts(server_url)
    monkeypatch.setenv("DAGSTER_PG_HOST", parts["host"])
    monkeypatch.setenv("DAGSTER_PG_PORT", parts["port"])
    monkeypatch.setenv("DAGSTER_PG_DB", parts["dbname"])
    monkeypatch.setenv("DAGSTER_PG_USERNAME", parts["user"])
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", parts["password"])
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((DAGSTER_DIR / "dagster.yaml").read_text())

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_runs() == []

    with psycopg.connect(server_url) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables")}
    assert {"runs", "event_logs", "jobs"} <= tables


def test_workspace_points_at_the_code_server(compose):
    import yaml

    workspace = yaml.safe_load((DAGSTER_DIR / "workspace.yaml").read_text())
    grpc = workspace["load_from"][0]["grpc_server"]
    assert grpc["host"] in compose["services"]
    code = compose["services"][grpc["host"]]["command"]
    assert code[code.index("-p") + 1] == str(grpc["port"])
