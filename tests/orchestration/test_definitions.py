"""The Definitions load; schedules, sensors and the failure reporter behave."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from orchestration.definitions import defs


def test_definitions_load_and_every_asset_has_group_and_description() -> None:
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    assert len(keys) > 40
    for key in keys:
        node = graph.get(key)
        assert node.group_name, f"{key.to_user_string()} has no group"
        assert node.description, f"{key.to_user_string()} has no description"
    groups = {graph.get(k).group_name for k in keys}
    assert {"raw", "warehouse"} <= groups


def test_raw_sources_feed_dbt_staging() -> None:
    graph = defs.resolve_asset_graph()
    orders = dg.AssetKey(["raw", "orders"])
    children = {k.to_user_string() for k in graph.get(orders).child_keys}
    assert "staging/stg_shop__orders" in children
    # the landing file is upstream of the raw table, and the blocking check guards it
    assert dg.AssetKey(["landing", "orders"]) in graph.get(orders).parent_keys
    check_keys = {c.to_user_string() for c in graph.asset_check_keys}
    assert "landing/orders:raw_expectations" in check_keys
    assert any(c.startswith("staging/stg_shop__orders:unique") for c in check_keys), (
        "dbt tests surface as checks"
    )


def test_jobs_exist_with_their_config() -> None:
    for name in ("full_refresh", "daily_incremental", "load_landed_batches"):
        assert defs.resolve_job_def(name) is not None


def test_daily_schedule_requests_the_incremental_job() -> None:
    schedule = defs.resolve_schedule_def("daily_incremental_schedule")
    ctx = dg.build_schedule_context(scheduled_execution_time=None)
    result = schedule.evaluate_tick(ctx)
    assert len(result.run_requests) == 1
    assert schedule.job_name == "daily_incremental"
    assert schedule.cron_schedule == "0 2 * * *"


def test_landed_batch_sensor_requests_a_load_then_skips(platform_env) -> None:
    import seeds_generator
    from warehouse.loader import load_batch

    sensor = defs.resolve_sensor_def("landed_batch_sensor")
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance)
        empty = sensor.evaluate_tick(ctx)
        assert not empty.run_requests and "no new batch" in (empty.skip_message or "")

        batch = platform_env["landing"] / "b1"
        manifest = seeds_generator.generate(batch, scale=0.002, seed=3)
        landed = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert [r.run_key for r in landed.run_requests] == [manifest["batch_id"]]
        assert landed.run_requests[0].job_name in (None, "load_landed_batches")

        load_batch(batch, platform_env["url"])
        after = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert not after.run_requests


def test_failure_reporter_posts_to_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.sensors import report_failure

    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    monkeypatch.setenv(
        "ECOM_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook"
    )
    payload = report_failure("run-123", "full_refresh", "step raw_tables failed")
    thread.join(timeout=10)
    server.server_close()
    assert received == [payload]
    assert received[0]["run_id"] == "run-123" and received[0]["job"] == "full_refresh"


def test_failure_reporter_survives_unreachable_webhook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orchestration.sensors import report_failure

    monkeypatch.setenv("ECOM_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/unreachable")
    assert report_failure("r", "j", "m")["event"] == "run_failure"
