"""Incremental batches continue ids and latent state deterministically."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from contracts.manifest import ManifestError
from seeds_generator import generate_increment, read_manifest
from seeds_generator.arrow_tables import GENERATED_TABLES


@pytest.fixture(scope="module")
def inc(increment_dir, read_batch):
    return read_batch(increment_dir)


def test_manifest_links_parent(batch_dir, increment_dir):
    parent, m = read_manifest(batch_dir), read_manifest(increment_dir)
    assert (
        m["parent_batch_id"] == parent["batch_id"]
        and m["batch_id"] != parent["batch_id"]
    )
    assert m["window_start"] == "2025-12-31" and m["window_end"] == "2026-01-04"
    assert set(m["tables"]) == {t.name for t in GENERATED_TABLES}
    for name in ("geography", "categories", "brands", "campaigns"):
        assert m["tables"][name]["rows"] == 0
        assert (increment_dir / f"{name}.csv").read_text().count("\n") == 1


def test_ids_continue_without_collisions(batch, inc):
    for t in GENERATED_TABLES:
        if t.name in ("products", "customers") or inc[t.name].empty:
            continue
        assert (
            inc[t.name][t.primary_key].min() == batch[t.name][t.primary_key].max() + 1
        ), t.name
    new_customers = inc["customers"][
        inc["customers"].signed_up_at >= pd.Timestamp("2025-12-31", tz="UTC")
    ]
    assert new_customers.customer_id.min() > batch["customers"].customer_id.max()


def test_consistent_with_previous_batch(batch, batch_dir, inc):
    customers = pd.concat([batch["customers"], inc["customers"]]).drop_duplicates(
        "customer_id", keep="last"
    )
    products = pd.concat([batch["products"], inc["products"]])
    o = inc["orders"]
    assert len(o) > 0
    assert set(o.customer_id) <= set(customers.customer_id)
    assert set(inc["order_items"].product_id) <= set(products.product_id)
    assert (o.ordered_at >= pd.Timestamp("2025-12-31", tz="UTC")).all()
    truth = pd.read_parquet(batch_dir / "ground_truth" / "customers.parquet").set_index(
        "customer_id"
    )
    old = o[o.customer_id.isin(truth.index)]
    assert truth.is_alive_at_end.reindex(old.customer_id).all(), (
        "dead customers must not buy again"
    )
    upd = inc["customers"][
        inc["customers"].customer_id <= batch["customers"].customer_id.max()
    ]
    assert (
        len(upd) >= 1 and (upd.updated_at >= pd.Timestamp("2025-12-31", tz="UTC")).all()
    )
    changed = inc["products"]
    assert len(changed) >= 1 and set(changed.product_id) <= set(
        batch["products"].product_id
    )
    last_price = changed.set_index("product_id").unit_price
    items = inc["order_items"][inc["order_items"].product_id.isin(last_price.index)]
    assert (
        items.unit_price.to_numpy() == last_price.reindex(items.product_id).to_numpy()
    ).all()


def test_increment_is_deterministic_and_chains(
    batch_dir, increment_dir, tmp_path, read_batch
):
    again = tmp_path / "again"
    m = generate_increment(batch_dir, again, days=5, progress=False)
    assert m == read_manifest(increment_dir)
    nxt = generate_increment(increment_dir, tmp_path / "next", days=2, progress=False)
    assert nxt["window_start"] == "2026-01-05"
    prev_max = read_batch(increment_dir)["orders"].order_id.max()
    first = pd.read_csv(tmp_path / "next" / "orders.csv").order_id.min()
    assert first == prev_max + 1
    truth = json.loads((tmp_path / "next" / "ground_truth.json").read_text())
    assert "campaign" in truth and "rollout" in truth


def test_increment_needs_a_generator_batch(tmp_path):
    with pytest.raises(ManifestError, match=r"manifest\.json"):
        generate_increment(tmp_path, tmp_path / "out")
