"""Every fault class appears in the written files at the keys the manifest records."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from seeds_generator import FAULT_CLASSES, generate, read_manifest


def _raw(d, table):
    return pd.read_csv(d / f"{table}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def faults(faulty_dir):
    m = read_manifest(faulty_dir)
    out: dict[str, list[dict]] = {}
    for f in m["faults"]:
        out.setdefault(f["class"], []).append(f)
    return out


def test_fault_classes_are_exact():
    assert FAULT_CLASSES == (
        "duplicate_keys",
        "null_keys",
        "orphan_foreign_keys",
        "negative_amounts",
        "future_dates",
        "dates_before_signup",
        "unparseable_values",
        "renamed_column",
        "missing_column",
    )


def test_every_class_recorded_with_gate(faults):
    assert set(faults) == set(FAULT_CLASSES)
    dbt = {"dates_before_signup"}
    for cls, recs in faults.items():
        for r in recs:
            assert r["detected_by"] == ("dbt" if cls in dbt else "raw_validation")
            if cls not in ("renamed_column", "missing_column"):
                assert len(r["row_keys"]) >= 2


def test_checksums_are_of_faulty_files(faulty_dir):
    m = read_manifest(faulty_dir)
    for name, e in m["tables"].items():
        assert (
            hashlib.sha256((faulty_dir / e["file"]).read_bytes()).hexdigest()
            == e["sha256"]
        ), name
    assert m["tables"]["orders"]["rows"] == len(_raw(faulty_dir, "orders"))


def test_faults_in_files(faulty_dir, faults):
    o = _raw(faulty_dir, "orders")
    ids = o.order_id.astype(int)
    # renamed + missing columns
    assert "total_amount" in o.columns and "order_total" not in o.columns
    assert "amount" not in _raw(faulty_dir, "payments").columns
    dup = faults["duplicate_keys"][0]["row_keys"]
    counts = ids.value_counts()
    assert set(counts[counts > 1].index) == set(dup)
    by_id = o.drop_duplicates("order_id").set_index(ids.drop_duplicates())
    assert (by_id.loc[faults["null_keys"][0]["row_keys"], "customer_id"] == "").all()
    assert (
        by_id.loc[faults["negative_amounts"][0]["row_keys"], "total_amount"].astype(
            float
        )
        < 0
    ).all()
    assert (
        by_id.total_amount.drop(faults["negative_amounts"][0]["row_keys"]).astype(float)
        >= 0
    ).all()
    future = pd.to_datetime(
        by_id.loc[faults["future_dates"][0]["row_keys"], "ordered_at"], utc=True
    )
    assert (future > pd.Timestamp("2025-12-31", tz="UTC")).all()
    unparse = {r["table"]: r for r in faults["unparseable_values"]}
    bad = by_id.loc[unparse["orders"]["row_keys"], unparse["orders"]["column"]]
    assert pd.to_numeric(bad, errors="coerce").isna().all()
    sh = _raw(faulty_dir, "shipments").set_index("shipment_id")
    sh.index = sh.index.astype(int)
    assert (
        pd.to_datetime(
            sh.loc[unparse["shipments"]["row_keys"], "shipped_at"],
            errors="coerce",
            utc=True,
            format="%Y-%m-%d %H:%M:%SZ",
        )
        .isna()
        .all()
    )
    items = _raw(faulty_dir, "order_items")
    orphans = items[
        items.order_item_id.astype(int).isin(
            faults["orphan_foreign_keys"][0]["row_keys"]
        )
    ]
    assert len(orphans) == len(faults["orphan_foreign_keys"][0]["row_keys"])
    assert not orphans.order_id.astype(int).isin(ids).any()
    cust = _raw(faulty_dir, "customers").set_index("customer_id")
    early = by_id.loc[faults["dates_before_signup"][0]["row_keys"]]
    signup = pd.to_datetime(
        cust.loc[early.customer_id, "signed_up_at"], utc=True
    ).to_numpy()
    when = pd.to_datetime(early.ordered_at, utc=True)
    assert (when.to_numpy() < signup).all() and (
        when >= pd.Timestamp("2024-01-01", tz="UTC")
    ).all()


def test_unknown_fault_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"unknown fault class.*nope"):
        generate(tmp_path, scale=0.005, inject_faults=["nope"], progress=False)
