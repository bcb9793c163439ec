"""The Complete Journey adapter: mapping edge cases, a subsample that passes raw validation and
reconciles exactly with the source, determinism, and the full-size write."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pyarrow.parquet as pq
import pytest
import yaml

from contracts.manifest import read_manifest
from sources.completejourney import (
    RECOMMENDED_WAREHOUSE_VARS,
    reconcile,
    source_totals,
    write_batch,
)
from sources.completejourney.baskets import line_amounts, map_order_items, map_orders
from sources.completejourney.catalog import map_catalog
from sources.completejourney.customers import map_customers
from sources.completejourney.subsample import choose_households

HOUSEHOLDS = 150


def _lines(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "line_id": np.arange(1, n + 1),
        "household_id": [1] * n,
        "store_id": [7] * n,
        "basket_id": [100] * n,
        "product_id": [11] * n,
        "quantity": [1] * n,
        "sales_value": [1.0] * n,
        "retail_disc": [0.0] * n,
        "coupon_match_disc": [0.0] * n,
        "transaction_timestamp": pd.to_datetime(["2017-03-01 10:00:00"] * n),
    }
    base.update(columns)
    return pd.DataFrame(base)


@pytest.fixture(scope="module")
def subsample_batch(tmp_path_factory) -> Path:
    return write_batch(
        tmp_path_factory.mktemp("cj") / "batch", households=HOUSEHOLDS, seed=0
    )


# ------------------------------------------------------------------ mapping edge cases


def test_line_amounts_keep_sales_value_and_price_per_unit():
    lines = _lines(
        quantity=[2, 3, 0, 0],
        sales_value=[3.0, 5.0, 0.0, 0.5],
        retail_disc=[1.0, 0.0, 0.0, 0.0],
        coupon_match_disc=[0.0, 0.0, 0.0, 0.0],
    )
    amounts = line_amounts(lines)
    assert amounts["line_total"].tolist() == [300, 500, 0, 50]
    assert amounts["discount"].tolist() == [100, 0, 0, 0]
    # 4.00 / 2 exactly; 5.00 / 3 rounds half up to 1.67; a quantity-0 line has unit price 0
    assert amounts["unit_price"].tolist() == [200, 167, 0, 0]


def test_quantity_zero_lines_are_kept_as_lines():
    lines = _lines(quantity=[0, 1], sales_value=[0.0, 2.5], basket_id=[100, 100])
    items = map_order_items(lines).to_pandas()
    assert items["quantity"].tolist() == [0, 1]
    assert items["line_number"].tolist() == [1, 2]
    orders = map_orders(lines).to_pandas()
    assert orders["order_total"].tolist() == [Decimal("2.50")]
    assert orders["ordered_at"].dt.tz is not None


def test_orders_add_up_per_basket():
    lines = _lines(
        basket_id=[200, 100, 200],
        quantity=[1, 2, 1],
        sales_value=[1.0, 3.0, 0.99],
        retail_disc=[0.25, 0.0, 0.0],
        coupon_match_disc=[0.0, 0.0, 0.10],
    )
    orders = map_orders(lines).to_pandas().set_index("order_id")
    assert orders.loc[200, "items_subtotal"] == Decimal("2.34")
    assert orders.loc[200, "discount_amount"] == Decimal("0.35")
    assert orders.loc[200, "order_total"] == Decimal("1.99")
    assert (
        orders["items_subtotal"] - orders["discount_amount"] + orders["shipping_amount"]
        == orders["order_total"]
    ).all()
    assert set(orders["status"]) == {"completed"} and set(orders["channel"]) == {
        "store"
    }


def test_unknown_products_get_flagged_placeholders():
    products = pd.DataFrame(
        {
            "product_id": [10, 11],
            "manufacturer_id": [5, 69],
            "department": ["GROCERY", "PRODUCE"],
            "brand": ["National", "Private"],
            "product_category": ["SOUP", None],
            "product_type": ["CONDENSED SOUP", None],
            "package_size": ["10 OZ", None],
        }
    )
    tables = map_catalog(products, np.array([11, 99]), whole_catalog=False)
    frame = tables["products"].to_pandas().set_index("product_id")
    assert list(frame.index) == [11, 99]
    assert frame.loc[99, "product_name"] == "unknown product 99"
    assert pd.isna(frame.loc[99, "category_id"]) and pd.isna(frame.loc[99, "brand_id"])
    # a product without product_category sits in its department
    categories = tables["categories"].to_pandas().set_index("category_id")
    assert categories.loc[frame.loc[11, "category_id"], "category_name"] == "PRODUCE"
    brands = tables["brands"].to_pandas()
    assert brands.to_dict("records") == [
        {"brand_id": 69, "brand_name": "manufacturer 69", "is_private_label": True}
    ]


def test_household_size_five_plus_counts_as_five():
    lines = _lines(household_id=[1, 2, 3], basket_id=[1, 2, 3])
    demographics = pd.DataFrame(
        {
            "household_id": [1, 2],
            "age": ["45-54", "65+"],
            "income": ["50-74K", "Under 15K"],
            "household_size": ["5+", "2"],
            "household_comp": ["2 Adults Kids", "2 Adults No Kids"],
        }
    )
    customers = map_customers(lines, demographics).to_pandas()
    assert customers["household_size"].tolist()[:2] == [5, 2]
    assert pd.isna(
        customers["household_size"].iloc[2]
    )  # no demographics: NULL, not invented
    assert pd.isna(customers["age_band"].iloc[2])


def test_household_draw_is_seeded_and_bounded():
    pool = np.arange(1, 101)
    assert (
        choose_households(pool, 10, 1) == choose_households(pool[::-1], 10, 1)
    ).all()
    assert set(choose_households(pool, 10, 1)) != set(choose_households(pool, 10, 2))
    with pytest.raises(ValueError, match="between 1 and 100"):
        choose_households(pool, 101, 0)


def test_recommended_vars_are_dbt_project_vars():
    project = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
        ).read_text()
    )
    assert set(RECOMMENDED_WAREHOUSE_VARS) <= set(project["vars"])
    assert RECOMMENDED_WAREHOUSE_VARS["churn_horizon_days"] == 42


# ------------------------------------------------------------------ a real subsample


def test_subsample_passes_raw_validation_and_reconciles_in_raw(
    subsample_batch, fresh_database
):
    from warehouse.loader import load_batch

    result = load_batch(subsample_batch, fresh_database)
    assert not result.skipped
    expected = source_totals(HOUSEHOLDS, 0)
    with psycopg.connect(fresh_database) as conn:
        (customers,) = conn.execute("select count(*) from raw.customers").fetchone()
        orders, order_total = conn.execute(
            "select count(*), sum(order_total) from raw.orders"
        ).fetchone()
        lines, line_total, units = conn.execute(
            "select count(*), sum(line_total), sum(quantity) from raw.order_items"
        ).fetchone()
    assert customers == expected["households"] == HOUSEHOLDS
    assert orders == expected["baskets"]
    assert lines == expected["lines"]
    assert units == expected["units"]
    assert order_total == line_total == expected["sales_value"]


def test_subsample_reconciles_from_files(subsample_batch):
    result = reconcile(subsample_batch)
    assert all(expected == actual for expected, actual in result.values())
    manifest = read_manifest(subsample_batch)
    assert manifest.batch_id == f"completejourney-h{HOUSEHOLDS}-s0"
    assert (manifest.window_start, manifest.window_end) == ("2017-01-01", "2018-01-01")


def test_subsample_keeps_only_referenced_rows(subsample_batch):
    def read(name):
        return pq.read_table(subsample_batch / f"{name}.parquet").to_pandas()

    items, products, orders = read("order_items"), read("products"), read("orders")
    assert set(products["product_id"]) == set(items["product_id"])
    assert set(read("stores")["store_id"]) == set(orders["store_id"])
    exposures = read("campaign_exposures")
    assert set(exposures["customer_id"]) <= set(read("customers")["customer_id"])
    assert set(read("campaigns")["campaign_id"]) == set(exposures["campaign_id"])


def _digests(batch: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(batch.iterdir())
    }


def test_same_seed_same_bytes_other_seed_other_households(subsample_batch, tmp_path):
    again = write_batch(tmp_path / "again", households=HOUSEHOLDS, seed=0)
    assert _digests(again) == _digests(subsample_batch)
    assert read_manifest(again).sha256 == read_manifest(subsample_batch).sha256
    other = write_batch(tmp_path / "other", households=HOUSEHOLDS, seed=1)

    def households(batch):
        return set(
            pq.read_table(batch / "customers.parquet")["customer_id"].to_pylist()
        )

    assert households(other) != households(subsample_batch)


# ------------------------------------------------------------------ full size


@pytest.mark.slow
def test_full_dataset_writes_and_reconciles(tmp_path):
    batch = write_batch(tmp_path / "full")
    result = reconcile(batch)
    assert result["customers"] == (2469, 2469)
    assert result["orders"] == (155_848, 155_848)
    assert result["order_items"] == (1_469_307, 1_469_307)
    products = pq.read_table(batch / "products.parquet").to_pandas()
    placeholders = products["product_name"].str.startswith("unknown product ")
    assert (
        placeholders.sum() == 17
    )  # product ids in transactions but not in products.parquet
    assert read_manifest(batch).batch_id == "completejourney-full"
