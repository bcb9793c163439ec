"""Manifest, schema, referential integrity and business consistency of a clean batch."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from contracts.raw_tables import TABLES_BY_NAME
from seeds_generator import read_manifest
from seeds_generator.arrow_tables import GENERATED_TABLES, generated_columns

START = pd.Timestamp("2024-01-01", tz="UTC")
END = pd.Timestamp("2025-12-31", tz="UTC")  # exclusive: window_end is 2025-12-30


def test_manifest_matches_files(batch_dir, batch):
    m = read_manifest(batch_dir)
    assert set(m["tables"]) == {t.name for t in GENERATED_TABLES}
    assert m["faults"] == [] and m["parent_batch_id"] is None
    for t in GENERATED_TABLES:
        entry = m["tables"][t.name]
        path = batch_dir / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["rows"] == len(batch[t.name])
        assert [c["name"] for c in entry["columns"]] == generated_columns(t.name)
        assert list(batch[t.name].columns) == generated_columns(t.name)
    assert not any(p.name.startswith("ground_truth") for p in batch_dir.glob("*.csv"))


def test_sizes_follow_scale(batch):
    assert len(batch["customers"]) == 1000
    assert len(batch["brands"]) == 150
    assert len(batch["categories"]) == 40
    assert len(batch["products"]) >= 200
    assert 200 <= len(batch["geography"]) <= 400
    assert 10 <= len(batch["campaigns"]) <= 20
    n_orders = len(batch["orders"])
    assert 7_000 < n_orders < 14_000
    assert 2.0 < len(batch["order_items"]) / n_orders < 3.2
    assert len(batch["web_sessions"]) > 3 * n_orders


@pytest.mark.parametrize("table", [t.name for t in GENERATED_TABLES])
def test_keys_and_domains(batch, table):
    t = TABLES_BY_NAME[table]
    df = batch[table]
    assert df[t.primary_key].is_unique and df[t.primary_key].notna().all()
    for c in (t.column(name) for name in generated_columns(table)):
        col = df[c.name]
        if not c.nullable:
            assert col.notna().all(), f"{table}.{c.name} has nulls"
        if c.allowed:
            assert set(col.dropna()) <= set(c.allowed), f"{table}.{c.name}"
        if c.min is not None and len(col.dropna()):
            assert col.dropna().min() >= c.min, f"{table}.{c.name}"
        if c.max is not None and len(col.dropna()):
            assert col.dropna().max() <= c.max, f"{table}.{c.name}"
        if c.type == "timestamp" and table not in ("products", "customers"):
            v = col.dropna()
            assert v.min() >= START and v.max() < END, (
                f"{table}.{c.name} outside the window"
            )


@pytest.mark.parametrize(
    "table,fk",
    [
        (t.name, fk)
        for t in GENERATED_TABLES
        for fk in t.foreign_keys
        if fk.column in generated_columns(t.name)
    ],
    ids=lambda x: getattr(x, "column", x),
)
def test_referential_integrity(batch, table, fk):
    child = batch[table][fk.column].dropna()
    parent = set(batch[fk.ref_table][fk.ref_column])
    assert set(child) <= parent


def _cents(s: pd.Series) -> np.ndarray:
    return np.round(s.to_numpy(dtype=float) * 100).astype(np.int64)


def test_money_identities(batch):
    o, li = batch["orders"], batch["order_items"]
    assert (
        _cents(li.line_total)
        == li.quantity * _cents(li.unit_price) - _cents(li.discount_amount)
    ).all()
    sub = pd.Series(li.quantity * _cents(li.unit_price)).groupby(li.order_id).sum()
    disc = pd.Series(_cents(li.discount_amount)).groupby(li.order_id).sum()
    o = o.set_index("order_id")
    assert (sub.reindex(o.index).to_numpy() == _cents(o.items_subtotal)).all()
    assert (disc.reindex(o.index).to_numpy() == _cents(o.discount_amount)).all()
    assert (
        _cents(o.order_total)
        == _cents(o.items_subtotal)
        - _cents(o.discount_amount)
        + _cents(o.shipping_amount)
    ).all()
    assert (
        li.groupby("order_id")
        .line_number.apply(lambda s: sorted(s) == list(range(1, len(s) + 1)))
        .all()
    )


def test_event_order(batch):
    o = batch["orders"].set_index("order_id")
    c = batch["customers"].set_index("customer_id")
    assert (o.ordered_at >= c.signed_up_at.reindex(o.customer_id).to_numpy()).all()
    sh = batch["shipments"].join(o.ordered_at, on="order_id")
    assert (sh.shipped_at > sh.ordered_at).all()
    d = sh.dropna(subset=["delivered_at"])
    assert (d.delivered_at > d.shipped_at).all()
    assert (sh.status == "delivered").eq(sh.delivered_at.notna()).all()
    r = batch["returns"].join(sh.set_index("order_id").delivered_at, on="order_id")
    assert (r.returned_at > r.delivered_at).all()
    items = batch["order_items"].set_index("order_item_id")
    assert (
        r.quantity.to_numpy() <= items.quantity.reindex(r.order_item_id).to_numpy()
    ).all()
    assert (
        _cents(r.refund_amount) <= _cents(items.line_total.reindex(r.order_item_id))
    ).all()
    rv = batch["reviews"].join(sh.set_index("order_id").delivered_at, on="order_id")
    assert (rv.reviewed_at > rv.delivered_at).all()
    for name, col, cust in (
        ("web_sessions", "started_at", "customer_id"),
        ("support_tickets", "opened_at", "customer_id"),
        ("reviews", "reviewed_at", "customer_id"),
        ("campaign_exposures", "exposed_at", "customer_id"),
    ):
        df = batch[name].dropna(subset=[cust])
        assert (
            df[col].to_numpy() >= c.signed_up_at.reindex(df[cust]).to_numpy()
        ).all(), name
    t = batch["support_tickets"].dropna(subset=["resolved_at"])
    assert (t.resolved_at > t.opened_at).all()
    s = batch["web_sessions"]
    assert (s.ended_at >= s.started_at).all()
    conv = s.dropna(subset=["order_id"])
    assert conv.order_id.is_unique and len(conv) == len(o)
    assert (
        conv.customer_id.to_numpy() == o.customer_id.reindex(conv.order_id).to_numpy()
    ).all()


def test_statuses_are_consistent(batch, batch_dir):
    o = batch["orders"].set_index("order_id")
    pay = batch["payments"]
    captured = set(pay.order_id[pay.status == "captured"])
    assert not (captured & set(o.index[o.status == "cancelled"]))
    assert (
        set(o.index[o.status.isin(["paid", "shipped", "delivered", "returned"])])
        <= captured
    )
    assert set(o.index[o.status == "returned"]) == set(batch["returns"].order_id)
    cap = pay[pay.status == "captured"].set_index("order_id").amount
    assert (_cents(cap) == _cents(o.order_total.reindex(cap.index))).all()
    assert set(o.status) >= {"delivered", "cancelled", "returned"}
    assert (o.status == "delivered").mean() > 0.7
    truth = json.loads((batch_dir / "ground_truth.json").read_text())["rollout"]
    rollout = pd.Timestamp(truth["rollout_date"], tz="UTC")
    geo = batch["geography"].set_index("geography_id").region
    treated = o.shipping_geography_id.map(geo).isin(["southwest", "west"]) & (
        o.ordered_at >= rollout
    )
    assert (o.shipping_amount[treated] == 0).all()
    assert (o.shipping_amount[~treated & (o.items_subtotal < 50)] > 0).all()


def test_pii_is_plausible(batch):
    c = batch["customers"]
    assert c.email.is_unique
    assert c.email.str.match(r"^[a-z]+\.[a-z]+\d+@[a-z.]+$").all()
    ages = (c.signed_up_at - pd.to_datetime(c.birth_date, utc=True)).dt.days / 365.25
    assert ages.between(17.9, 86).all()
    g = batch["geography"]
    assert g.latitude.between(24, 49).all() and g.longitude.between(-125, -66).all()
    assert set(g.region) == {"northeast", "southeast", "midwest", "southwest", "west"}
