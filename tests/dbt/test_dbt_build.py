"""The full `dbt build` of the shared world (the platform's job ran it through Dagster): it
passed, reconciles with the batch, and the star schema joins cleanly."""

from __future__ import annotations

import json

import psycopg
import pytest
from psycopg import sql

from contracts.raw_tables import TABLES

pytestmark = pytest.mark.slow

# mart -> raw table with exactly one mart row per raw row (the base batch has no repeated ids
# in these tables)
ONE_ROW_PER_RAW_ROW = {
    "marts.fct_orders": "orders",
    "marts.fct_order_items": "order_items",
    "marts.fct_payments": "payments",
    "marts.fct_shipments": "shipments",
    "marts.fct_returns": "returns",
    "marts.fct_reviews": "reviews",
    "marts.fct_sessions": "web_sessions",
    "marts.fct_campaign_exposures": "campaign_exposures",
    "marts.fct_support_tickets": "support_tickets",
    "marts.dim_geography": "geography",
    "marts.dim_campaigns": "campaigns",
    "ml_features.ml_ratings": "reviews",
}
FACT_FOREIGN_KEYS = {
    "fct_orders": [
        "customer_key",
        "date_key",
        "geography_key",
        "channel_key",
        "campaign_key",
    ],
    "fct_order_items": [
        "order_key",
        "product_key",
        "customer_key",
        "date_key",
        "geography_key",
        "channel_key",
    ],
    "fct_payments": ["order_key", "customer_key", "date_key", "channel_key"],
    "fct_shipments": [
        "order_key",
        "customer_key",
        "date_key",
        "geography_key",
        "channel_key",
    ],
    "fct_returns": [
        "order_item_key",
        "order_key",
        "product_key",
        "customer_key",
        "date_key",
        "channel_key",
    ],
    "fct_reviews": ["product_key", "customer_key", "order_key", "date_key"],
    "fct_sessions": ["customer_key", "order_key", "date_key"],
    "fct_campaign_exposures": ["campaign_key", "customer_key", "date_key"],
    "fct_support_tickets": ["customer_key", "order_key", "date_key"],
}
KEY_OWNER = {
    "customer_key": "dim_customers",
    "product_key": "dim_products",
    "date_key": "dim_date",
    "geography_key": "dim_geography",
    "channel_key": "dim_channels",
    "campaign_key": "dim_campaigns",
    "order_key": "fct_orders",
    "order_item_key": "fct_order_items",
}
PII_COLUMNS = {c.name for t in TABLES for c in t.columns if c.pii}


def _count(url: str, query: sql.Composable) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def _rows(url: str, relation: str) -> int:
    schema, table = relation.split(".")
    return _count(
        url,
        sql.SQL("select count(*) from {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        ),
    )


def test_build_succeeds(platform_world) -> None:
    run = json.loads((platform_world.dbt_target_dir / "run_results.json").read_text())
    assert run["args"]["which"] == "build"
    statuses = {r["unique_id"]: r["status"] for r in run["results"]}
    failed = {n: s for n, s in statuses.items() if s in ("error", "fail", "skipped")}
    assert not failed, f"dbt build failed: {failed}"
    kinds = {node.split(".")[0] for node in statuses}
    assert {"model", "test", "unit_test", "snapshot", "seed"} <= kinds
    unit_tests = {n: s for n, s in statuses.items() if n.startswith("unit_test.")}
    assert len(unit_tests) >= 5 and set(unit_tests.values()) == {"pass"}


def test_row_counts_reconcile_with_the_batch(platform_world) -> None:
    manifest = json.loads((platform_world.batch_dir / "manifest.json").read_text())
    tables, url = manifest["tables"], platform_world.url
    for mart, raw in ONE_ROW_PER_RAW_ROW.items():
        assert _rows(url, mart) == tables[raw]["rows"], (mart, raw)
    assert _rows(url, "marts.fct_orders") > 10_000
    with psycopg.connect(url) as conn:
        customers, products = conn.execute(
            "select (select count(distinct customer_id) from raw.customers),"
            " (select count(distinct product_id) from raw.products)"
        ).fetchone()
    assert _rows(url, "marts.dim_customers") == customers
    assert _rows(url, "marts.dim_products") == products


@pytest.mark.parametrize("fact", sorted(FACT_FOREIGN_KEYS))
def test_fact_to_dimension_joins_neither_fan_out_nor_drop(
    platform_world, fact: str
) -> None:
    fact_rows = _count(
        platform_world.url,
        sql.SQL("select count(*) from marts.{}").format(sql.Identifier(fact)),
    )
    assert fact_rows > 0
    for key in FACT_FOREIGN_KEYS[fact]:
        owner = sql.Identifier(KEY_OWNER[key])
        fact_id, key_id = sql.Identifier(fact), sql.Identifier(key)
        left = sql.SQL(
            "select count(*) from marts.{} as f left join marts.{} as d on f.{} = d.{}"
        ).format(fact_id, owner, key_id, key_id)
        inner = sql.SQL(
            "select count(*) from marts.{} as f inner join marts.{} as d on f.{} = d.{}"
        ).format(fact_id, owner, key_id, key_id)
        non_null = sql.SQL("select count({}) from marts.{}").format(key_id, fact_id)
        assert _count(platform_world.url, left) == fact_rows, f"{fact}.{key} fans out"
        assert _count(platform_world.url, inner) == _count(
            platform_world.url, non_null
        ), f"{fact}.{key} has orphans"


def test_marts_expose_no_pii(platform_world) -> None:
    with psycopg.connect(platform_world.url) as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_schema in ('marts', 'ml_features', 'snapshots')"
        ).fetchall()
    assert columns
    leaked = [c for c in columns if c[2] in PII_COLUMNS]
    assert not leaked, f"PII columns in marts/snapshots: {leaked}"


def test_layers_land_in_their_own_schemas(platform_world) -> None:
    with psycopg.connect(platform_world.url) as conn:
        schemas = {
            r[0]
            for r in conn.execute("select schema_name from information_schema.schemata")
        }
    assert {
        "raw",
        "staging",
        "intermediate",
        "marts",
        "ml_features",
        "snapshots",
    } <= schemas
    assert not [s for s in schemas if s.startswith("analytics_")]


def test_docs_generate(platform_world, dbt_runner, tmp_path) -> None:
    run = dbt_runner(platform_world.url, ["docs", "generate"], tmp_path)
    assert run.success, run.exception
    catalog = tmp_path / "target" / "catalog.json"
    assert catalog.exists() and '"model.ecom.fct_orders"' in catalog.read_text()
