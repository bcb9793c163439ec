"""Unreachable, stopped, empty and half-built warehouses: pages explain how to fix it."""

from __future__ import annotations

import socket

import psycopg
import pytest

from app.page_names import PAGE_NAMES

PAGES = PAGE_NAMES


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _codes(at) -> list[str]:
    return [c.value for c in at.code]


@pytest.mark.parametrize("name", PAGES)
def test_unreachable_server_shows_the_fix_not_a_traceback(point_app, page, name):
    point_app(f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere")
    at = page(name).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "cannot connect to the warehouse at 127.0.0.1" in at.error[0].value
    assert any("ECOM_DATABASE_URL" in c for c in _codes(at))


def test_stopped_embedded_server_says_ecom_db_up(
    point_app, page, monkeypatch, tmp_path
):
    point_app(None)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    from warehouse.settings import get_settings

    get_settings.cache_clear()
    at = page("overview").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "embedded warehouse is not running" in at.error[0].value
    assert _codes(at) == ["ecom db up"]


def test_empty_warehouse_says_ecom_run(point_app, page, fresh_database):
    point_app(fresh_database)
    for name in ("overview", "churn"):
        at = page(name).run()
        assert not at.exception, [e.message for e in at.exception]
        assert "has no marts yet" in at.error[0].value
        assert _codes(at)[0].startswith("ecom run")


@pytest.mark.slow
def test_missing_ml_tables_say_not_available_yet(
    point_app, page, clone_world, app_world
):
    url = clone_world()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema ml cascade")
        conn.execute("drop schema analytics cascade")
    point_app(url, app_world.dbt_target_dir)
    expected = {
        "churn": "ml.churn_scores",
        "customers": "ml.customer_clv",
        "recommendations": "ml.recommendations",
        "campaigns": "analytics.campaign_effects",
    }
    for name, relation in expected.items():
        at = page(name).run()
        assert not at.exception, (name, [e.message for e in at.exception])
        info = " ".join(i.value for i in at.info)
        assert (
            "not available yet" in info and relation in info and "ecom run" in info
        ), name
    # the rest of the Customers page still renders from the marts
    customers = page("customers").run()
    assert len(customers.get("plotly_chart")) == 3
    assert any("by lifetime spend" in s.value for s in customers.subheader)
