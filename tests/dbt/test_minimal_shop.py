"""A shop written by hand with only the four required tables builds the whole warehouse, and
the required marts hold the totals worked out by hand below.

The shop is committed as the worked example of docs/bring-your-own-data.md,
`examples/minimal-shop/` (CSV files and a manifest, as any source writes them; no optional
table); `write_minimal_shop` below writes it from the hand-made spec, and a test checks the
committed files are exactly that:

customers  1 (signed up 2024-01-05), 2 (2024-01-10), 3 (2024-02-01), 4 (2024-02-15, never buys)
products   10 Mug 8.00, 20 Tee 15.00, 30 Cap 12.50
orders     (all UTC; status completed unless said)
  1001  customer 1  2024-03-01 10:00  2 Mug + 1 Tee          = 16.00 + 15.00         = 31.00
  1002  customer 1  2024-03-01 15:30  1 Cap                  = 12.50                 = 12.50
  1003  customer 2  2024-03-02 09:00  1 Mug + 2 Cap          =  8.00 + 25.00         = 33.00
  1004  customer 3  2024-03-03 12:00  3 Tee                  = 45.00                 = 45.00
  1005  customer 2  2024-03-03 18:00  1 Mug + 1 Tee + 1 Cap  =  8.00 + 15.00 + 12.50 = 35.50
  1006  customer 1  2024-03-04 08:00  1 Tee, CANCELLED       = 15.00 (not a purchase)
10 order lines in all (2 + 1 + 2 + 1 + 3 + 1).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from contracts.manifest import sha256_file, table_entry, write_manifest
from contracts.raw_tables import TABLES
from warehouse.databases import admin_url, create_database, drop_database
from warehouse.loader import load_batch

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "minimal-shop"

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

CUSTOMERS = [
    {"customer_id": 1, "signed_up_at": "2024-01-05T09:00:00Z"},
    {"customer_id": 2, "signed_up_at": "2024-01-10T09:00:00Z"},
    {"customer_id": 3, "signed_up_at": "2024-02-01T09:00:00Z"},
    {"customer_id": 4, "signed_up_at": "2024-02-15T09:00:00Z"},
]
PRODUCTS = [
    {"product_id": 10, "product_name": "Mug", "unit_price": "8.00"},
    {"product_id": 20, "product_name": "Tee", "unit_price": "15.00"},
    {"product_id": 30, "product_name": "Cap", "unit_price": "12.50"},
]
PRICE = {10: Decimal("8.00"), 20: Decimal("15.00"), 30: Decimal("12.50")}
# order_id: (customer_id, ordered_at, status, [(product_id, quantity), ...])
ORDER_SPEC = {
    1001: (1, "2024-03-01T10:00:00Z", "completed", [(10, 2), (20, 1)]),
    1002: (1, "2024-03-01T15:30:00Z", "completed", [(30, 1)]),
    1003: (2, "2024-03-02T09:00:00Z", "completed", [(10, 1), (30, 2)]),
    1004: (3, "2024-03-03T12:00:00Z", "completed", [(20, 3)]),
    1005: (2, "2024-03-03T18:00:00Z", "completed", [(10, 1), (20, 1), (30, 1)]),
    1006: (1, "2024-03-04T08:00:00Z", "cancelled", [(20, 1)]),
}


def _shop_rows() -> dict[str, list[dict]]:
    orders, items = [], []
    item_id = 0
    for order_id, (customer_id, ordered_at, status, lines) in ORDER_SPEC.items():
        total = Decimal("0.00")
        for product_id, quantity in lines:
            item_id += 1
            line_total = PRICE[product_id] * quantity
            total += line_total
            items.append(
                {
                    "order_item_id": item_id,
                    "order_id": order_id,
                    "product_id": product_id,
                    "quantity": quantity,
                    "line_total": f"{line_total:.2f}",
                }
            )
        orders.append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "ordered_at": ordered_at,
                "status": status,
                "order_total": f"{total:.2f}",
            }
        )
    return {
        "customers": CUSTOMERS,
        "products": PRODUCTS,
        "orders": orders,
        "order_items": items,
    }


def write_minimal_shop(out: Path) -> Path:
    """The hand-made shop as a batch: one CSV per required table and a manifest."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {}
    for name, rows in _shop_rows().items():
        columns = list(rows[0])
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        tables[name] = table_entry(name, len(rows), sha256_file(path), columns=columns)
    write_manifest(
        out,
        {
            "generator_version": "hand-made",
            "batch_id": "minimal-shop-0001",
            "parent_batch_id": None,
            "window_start": "2024-01-01",
            "window_end": "2024-03-31",
            "tables": tables,
        },
    )
    return out


@pytest.fixture(scope="module")
def minimal_shop(embedded_url, dbt_runner, tmp_path_factory):
    """The hand-made shop loaded into a fresh database and built with `dbt build`."""
    root = tmp_path_factory.mktemp("minimal_shop")
    batch = EXAMPLE
    admin = admin_url(embedded_url)
    name, url = create_database(admin, "shop")
    try:
        load_batch(batch, url)
        run = dbt_runner(url, ["build"], root / "dbt")
        yield url, run
    finally:
        drop_database(admin, name)


def rows(url: str, statement: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement).fetchall()


def test_the_committed_example_is_the_hand_made_shop(tmp_path):
    written = write_minimal_shop(tmp_path)
    committed = sorted(p.name for p in EXAMPLE.iterdir())
    assert committed == sorted(p.name for p in written.iterdir())
    for name in committed:
        assert (EXAMPLE / name).read_bytes() == (written / name).read_bytes(), name


def test_the_batch_holds_only_required_tables():
    batch = EXAMPLE
    required = {t.name for t in TABLES if t.required}
    assert {p.stem for p in batch.glob("*.csv")} == required


def test_dbt_build_passes_every_model_and_test(minimal_shop):
    _, run = minimal_shop
    failed = {
        node: status
        for node, status in run.statuses.items()
        if status not in ("success", "pass") and not node.startswith("exposure.")
    }
    assert run.success and not failed, (run.exception, failed)
    # every model of the project was built (none skipped or left out)
    models = {p.stem for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    built = {
        n.rsplit(".", 1)[-1]
        for n in run.with_status("success")
        if n.startswith("model.")
    }
    assert built == models


def test_staging_of_optional_tables_is_typed_and_empty(minimal_shop):
    """Every staging model builds; those of the tables the shop left out hold no rows and
    keep their declared types (ids bigint, amounts numeric, times timestamptz)."""
    url, _ = minimal_shop
    models = {
        p.stem
        for p in (DBT_PROJECT_DIR / "models" / "staging").rglob("stg_shop__*.sql")
    }
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns where table_name like 'stg_shop__%'"
        ).fetchall()
        schema = {c[0] for c in columns}
        assert len(schema) == 1, schema
        counts = {
            m: conn.execute(
                f'select count(*) from "{next(iter(schema))}"."{m}"'
            ).fetchone()[0]
            for m in models
        }
    assert {c[1] for c in columns} == models
    assert {m for m, n in counts.items() if n} == {
        "stg_shop__customers",
        "stg_shop__products",
        "stg_shop__orders",
        "stg_shop__order_items",
    }
    for _, model, column, data_type in columns:
        if column.endswith("_id") and column != "batch_id":
            assert data_type == "bigint", (model, column, data_type)
        if column.endswith("_at"):
            assert data_type == "timestamp with time zone", (model, column, data_type)
        assert data_type not in ("unknown", "USER-DEFINED"), (model, column, data_type)


def test_orders_and_revenue(minimal_shop):
    url, _ = minimal_shop
    # 6 orders, 5 purchases (1006 is cancelled); revenue 31.00 + 12.50 + 33.00 + 45.00 + 35.50
    assert rows(
        url,
        "select count(*), count(*) filter (where is_purchase),"
        " sum(order_total) filter (where is_purchase), sum(unit_count)"
        " from marts.fct_orders",
    ) == [(6, 5, Decimal("157.00"), 14)]  # units: 3 + 1 + 3 + 3 + 3 + 1 (cancelled)
    # 10 lines; all line totals including the cancelled 15.00: 157.00 + 15.00
    assert rows(url, "select count(*), sum(line_total) from marts.fct_order_items") == [
        (10, Decimal("172.00"))
    ]


def test_daily_revenue(minimal_shop):
    url, _ = minimal_shop
    expected = [
        # 03-01: 1001 + 1002 = 31.00 + 12.50; units 2 + 1 + 1
        ("2024-03-01", 2, Decimal("43.50"), 4),
        # 03-02: 1003 = 33.00; units 1 + 2
        ("2024-03-02", 1, Decimal("33.00"), 3),
        # 03-03: 1004 + 1005 = 45.00 + 35.50; units 3 + 3
        ("2024-03-03", 2, Decimal("80.50"), 6),
        # 03-04 holds only the cancelled order: no purchase row at all (not a zero)
    ]
    orders_daily = rows(
        url,
        "select revenue_date::text, sum(order_count)::int, sum(order_total)"
        " from marts.finance_orders_daily group by 1 order by 1",
    )
    assert orders_daily == [(d, n, revenue) for d, n, revenue, _ in expected]
    revenue_daily = rows(
        url,
        "select revenue_date::text, sum(gross_revenue), sum(unit_count)::int"
        " from marts.finance_revenue_daily group by 1 order by 1",
    )
    assert revenue_daily == [(d, revenue, units) for d, _, revenue, units in expected]
    sales_daily = rows(
        url,
        "select ordered_date::text, sum(order_count)::int, sum(gross_revenue),"
        " sum(unit_count)::int from marts.finance_sales_daily where grain = 'total'"
        " group by 1 order by 1",
    )
    assert sales_daily == expected
    # one month: 5 orders, 157.00, 13 units
    assert rows(
        url,
        "select sum(order_count)::int, sum(gross_revenue), sum(unit_count)::int"
        " from marts.finance_sales_monthly where grain = 'total'",
    ) == [(5, Decimal("157.00"), 13)]


def test_customer_orders_and_spend(minimal_shop):
    url, _ = minimal_shop
    expected = [
        (1, 2, Decimal("43.50")),  # 1001 + 1002 = 31.00 + 12.50 (1006 cancelled)
        (2, 2, Decimal("68.50")),  # 1003 + 1005 = 33.00 + 35.50
        (3, 1, Decimal("45.00")),  # 1004
        (4, 0, Decimal("0.00")),  # signed up, never bought: a real zero
    ]
    assert (
        rows(
            url,
            "select customer_id::int, purchase_count::int, total_spend"
            " from marts.customer_360 order by 1",
        )
        == expected
    )
    assert (
        rows(
            url,
            "select customer_id::int, purchase_count::int, total_spend"
            " from marts.customer_rfm_summary order by 1",
        )
        == expected[:3]
    )


def test_product_sales(minimal_shop):
    url, _ = minimal_shop
    assert rows(
        url,
        "select p.product_id::int, p.product_name, sum(i.quantity)::int, sum(i.line_total)"
        " from marts.fct_order_items as i join marts.fct_orders as o using (order_key)"
        " join marts.dim_products as p using (product_key)"
        " where o.is_purchase group by 1, 2 order by 1",
    ) == [
        (10, "Mug", 4, Decimal("32.00")),  # 2 + 1 + 1 units x 8.00
        (20, "Tee", 5, Decimal("75.00")),  # 1 + 3 + 1 units x 15.00 (1006 cancelled)
        (30, "Cap", 4, Decimal("50.00")),  # 1 + 2 + 1 units x 12.50
    ]
    # purchased units per customer and product (what the recommender learns from)
    assert rows(
        url,
        "select customer_id::int, product_id::int, purchased_unit_count::int"
        " from ml_features.ml_interactions order by 1, 2",
    ) == [
        (1, 10, 2),  # 1001
        (1, 20, 1),  # 1001 (1006 is cancelled)
        (1, 30, 1),  # 1002
        (2, 10, 2),  # 1003 + 1005
        (2, 20, 1),  # 1005
        (2, 30, 3),  # 1003 (2) + 1005 (1)
        (3, 20, 3),  # 1004
    ]


def test_source_coverage_lists_every_contract_table(minimal_shop):
    """One row per table of the contract, required flags as the contract has them, and only
    the four delivered tables with rows."""
    url, _ = minimal_shop
    coverage = {
        name: (is_required, has_rows, row_count, batches)
        for name, is_required, has_rows, row_count, batches in rows(
            url,
            "select source_table, is_required, has_rows, row_count, batch_count"
            " from marts.source_coverage",
        )
    }
    delivered = {"customers": 4, "products": 3, "orders": 6, "order_items": 10}
    assert coverage == {
        t.name: (
            t.required,
            t.name in delivered,
            delivered.get(t.name, 0),
            1 if t.name in delivered else 0,
        )
        for t in TABLES
    }
    # event times span the delivered rows; tables without an event time have none
    assert rows(
        url,
        "select source_table, first_event_at, last_event_at"
        " from marts.source_coverage where source_table in ('orders', 'order_items')"
        " order by 1",
    ) == [
        ("order_items", None, None),
        (
            "orders",
            datetime(2024, 3, 1, 10, tzinfo=UTC),
            datetime(2024, 3, 4, 8, tzinfo=UTC),
        ),
    ]


def test_each_model_family_says_what_data_it_needs(minimal_shop):
    """Four customers over four days build every mart but are too little for the models:
    each family refuses with a message naming what is missing (the Dagster step fails with
    it), and the causal analyses answer "not identifiable" instead of failing."""
    from ml.causal.batch import compute_campaign_effects
    from ml.churn.marts import FeatureMartError, cutoff_plan, load_training_frames
    from ml.clv.batch import score_clv
    from ml.recommender.train import evaluate_on_warehouse

    url, _ = minimal_shop
    with pytest.raises(FeatureMartError, match="churn needs an order history longer"):
        load_training_frames(url, cutoff_plan(url))
    with pytest.raises(ValueError, match="deliver a longer order history"):
        score_clv(url)
    with pytest.raises(ValueError, match="too small or too short"):
        evaluate_on_warehouse(url, n_trials=1)
    effects = compute_campaign_effects(url, dowhy_simulations=2)
    assert effects[["analysis", "method"]].values.tolist() == [
        ["campaign", "not_identifiable"],
        ["rollout", "not_identifiable"],
    ]
