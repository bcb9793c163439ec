"""The raw load on hand-made batches: checksums, idempotency, all-or-nothing, stamping, ledger."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg
import pytest

from warehouse.loader import LoadError, load_batch, loaded_batches
from warehouse.raw_validation import RawValidationError


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"select count(*) from raw.{table}").fetchone()
    assert row is not None
    return int(row[0])


def _nothing_loaded(url: str) -> bool:
    """True when no raw table holds a row and the ledger is empty (or raw does not exist)."""
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('raw._batches')").fetchone() == (None,):
            return True
        tables = [
            r[0]
            for r in conn.execute(
                "select tablename from pg_tables where schemaname = 'raw'"
            )
        ]
        return all(
            conn.execute(f"select not exists (select from raw.{t})").fetchone()
            == (True,)
            for t in tables
        )


def test_load_stamps_rows_and_records_the_batch(
    fresh_database: str, hand_batch, good_rows
) -> None:
    hand_counts = {name: len(rows) for name, rows in good_rows.items()}
    batch = hand_batch()
    result = load_batch(batch, fresh_database)
    assert result.batch_id == "hand-0001" and not result.skipped
    assert result.tables == hand_counts
    assert result.seconds > 0
    with psycopg.connect(fresh_database) as conn:
        stamps = conn.execute(
            "select _batch_id, _source_file, count(distinct _loaded_at) from raw.orders group by 1, 2"
        ).fetchall()
        assert stamps == [("hand-0001", "orders.csv", 1)]
        loaded_at = {
            r[0]
            for r in conn.execute(
                "select _loaded_at from raw.orders union select _loaded_at from raw.brands"
                " union select loaded_at from raw._batches"
            )
        }
        assert len(loaded_at) == 1, "one timestamp per batch"
        # values arrive typed; empty fields are NULL
        row = conn.execute(
            "select order_total, ordered_at, campaign_id from raw.orders where order_id = 2"
        ).fetchone()
        assert row is not None
        assert (
            str(row[0]) == "24.99"
            and row[1].isoformat() == "2024-05-02T10:12:00+00:00"
            and row[2] is None
        )
        assert conn.execute(
            "select brand_name from raw.brands where brand_id = 2"
        ).fetchone() == ("Bolt, Inc.",)
        types = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'raw' and table_name = 'orders'"
            ).fetchall()
        )
        assert types["order_id"] == "bigint" and types["order_total"] == "numeric"
        assert (
            types["ordered_at"] == "timestamp with time zone"
            and types["_batch_id"] == "text"
        )
    [entry] = loaded_batches(fresh_database)
    assert entry["batch_id"] == "hand-0001" and entry["parent_batch_id"] is None
    assert entry["row_counts"] == hand_counts
    assert entry["window_end"] == "2024-12-31" and entry["source_dir"] == str(
        batch.resolve()
    )


def test_loading_the_same_batch_again_is_a_no_op(
    fresh_database: str, hand_batch, fingerprint
) -> None:
    batch = hand_batch()
    first = load_batch(batch, fresh_database)
    before = {t: fingerprint(fresh_database, t) for t in first.tables}
    ledger = loaded_batches(fresh_database)
    again = load_batch(batch, fresh_database)
    assert (
        again.skipped
        and again.tables == first.tables
        and again.batch_id == first.batch_id
    )
    assert {t: fingerprint(fresh_database, t) for t in first.tables} == before
    assert loaded_batches(fresh_database) == ledger


def test_same_batch_id_with_a_different_manifest_is_refused(
    fresh_database: str, hand_batch, good_rows
) -> None:
    load_batch(hand_batch(), fresh_database)
    good_rows["brands"].append(
        {"brand_id": "3", "brand_name": "Cog", "is_private_label": "false"}
    )
    with pytest.raises(
        LoadError, match=r"hand-0001 is already loaded with a different manifest"
    ):
        load_batch(hand_batch(good_rows), fresh_database)
    assert _count(fresh_database, "brands") == 2


def test_incremental_batches_append(fresh_database: str, hand_batch, good_rows) -> None:
    load_batch(hand_batch(), fresh_database)
    rows = {
        "brands": [
            {"brand_id": "1", "brand_name": "Acme Renamed", "is_private_label": "true"}
        ]
    }
    result = load_batch(
        hand_batch(rows, batch_id="hand-0002", parent_batch_id="hand-0001"),
        fresh_database,
    )
    assert result.tables == {"brands": 1}
    assert _count(fresh_database, "brands") == 3
    assert [
        (b["batch_id"], b["parent_batch_id"]) for b in loaded_batches(fresh_database)
    ] == [
        ("hand-0001", None),
        ("hand-0002", "hand-0001"),
    ]


def test_checksum_mismatch_names_file_and_both_checksums(
    fresh_database: str, hand_batch
) -> None:
    batch = hand_batch()
    manifest = json.loads((batch / "manifest.json").read_text())
    expected = manifest["tables"]["campaigns"]["sha256"]
    with (batch / "campaigns.csv").open("a") as fh:
        fh.write("2,Tampered,email,email,5,10.00,2024-01-01,2024-01-02\n")
    with pytest.raises(LoadError) as info:
        load_batch(batch, fresh_database)
    message = str(info.value)
    assert (
        "checksum mismatch" in message
        and "campaigns.csv" in message
        and expected in message
    )
    assert hashlib.sha256((batch / "campaigns.csv").read_bytes()).hexdigest() in message
    assert _nothing_loaded(fresh_database)


def test_missing_file_is_refused(fresh_database: str, hand_batch) -> None:
    batch = hand_batch()
    (batch / "orders.csv").unlink()
    with pytest.raises(LoadError, match=r"orders\.csv for table 'orders' is missing"):
        load_batch(batch, fresh_database)
    assert _nothing_loaded(fresh_database)


def test_bad_manifest_is_a_load_error(fresh_database: str, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"manifest\.json is missing"):
        load_batch(tmp_path, fresh_database)


def test_header_must_match_manifest_columns(fresh_database: str, hand_batch) -> None:
    batch = hand_batch()
    manifest = json.loads((batch / "manifest.json").read_text())
    manifest["tables"]["brands"]["columns"][1]["name"] = "brand_title"
    (batch / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RawValidationError) as info:
        load_batch(batch, fresh_database)
    [finding] = info.value.report.failures
    assert (finding.table, finding.expectation, finding.rows) == (
        "brands",
        "manifest_matches_file",
        [1],
    )
    assert "brand_title" in finding.details
    assert _nothing_loaded(fresh_database)


def test_validation_failure_stops_the_load(
    fresh_database: str, hand_batch, good_rows
) -> None:
    good_rows["orders"][3]["order_total"] = "-24.99"
    with pytest.raises(RawValidationError) as info:
        load_batch(hand_batch(good_rows), fresh_database)
    [failure] = info.value.report.failures
    assert (failure.table, failure.column, failure.examples) == (
        "orders",
        "order_total",
        ["-24.99"],
    )
    assert _nothing_loaded(fresh_database)


def test_copy_failure_rolls_back_the_whole_batch(
    fresh_database: str, hand_batch, good_rows
) -> None:
    # orders is the last table: brands and campaigns are COPYed before the failure
    good_rows["orders"][4]["customer_id"] = "not-a-number"
    batch = hand_batch(good_rows)
    with pytest.raises(
        LoadError,
        match=r"orders\.customer_id: readable_as_contract_type .* line\(s\) \[6\].*not-a-number",
    ):
        load_batch(batch, fresh_database, validate=False)
    assert _nothing_loaded(fresh_database)
    # the same directory loads once fixed: nothing of the failed attempt is in the ledger
    good_rows["orders"][4]["customer_id"] = "105"
    assert not load_batch(hand_batch(good_rows), fresh_database, validate=False).skipped


def test_without_validation_contract_columns_are_still_enforced(
    fresh_database: str, hand_batch
) -> None:
    batch = hand_batch(
        columns={"brands": ["brand_id", "brand_title", "is_private_label"]}
    )
    with pytest.raises(
        LoadError,
        match=r"brands\.csv: missing required column\(s\) \['brand_name'\], unknown column\(s\) \['brand_title'\]",
    ):
        load_batch(batch, fresh_database, validate=False)
    assert _nothing_loaded(fresh_database)


def test_row_count_must_match_manifest(fresh_database: str, hand_batch) -> None:
    batch = hand_batch()
    manifest = json.loads((batch / "manifest.json").read_text())
    manifest["tables"]["orders"]["rows"] = 6
    (batch / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        LoadError, match=r"orders\.csv held 5 rows, the manifest says 6"
    ):
        load_batch(batch, fresh_database, validate=False)
    assert _nothing_loaded(fresh_database)


def test_raw_table_that_drifted_from_the_contract_is_reported(
    fresh_database: str, hand_batch
) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("create schema raw")
        conn.execute("create table raw.brands (brand_id bigint, name text)")
    with pytest.raises(
        LoadError, match=r"raw\.brands exists but does not match the contract"
    ):
        load_batch(hand_batch(), fresh_database)


def test_loaded_batches_on_an_empty_database(fresh_database: str) -> None:
    assert loaded_batches(fresh_database) == []


def test_direct_inserts_without_a_batch_fail_loudly(
    fresh_database: str, hand_batch
) -> None:
    load_batch(hand_batch(), fresh_database)
    with (
        psycopg.connect(fresh_database) as conn,
        pytest.raises(psycopg.errors.UndefinedObject),
    ):
        conn.execute("insert into raw.brands (brand_id) values (9)")


@pytest.mark.server
def test_load_into_the_server(
    server_url: str, hand_batch, fingerprint, good_rows
) -> None:
    batch = hand_batch()
    result = load_batch(batch, server_url)
    assert result.tables == {name: len(rows) for name, rows in good_rows.items()}
    before = fingerprint(server_url, "orders")
    assert load_batch(batch, server_url).skipped
    assert fingerprint(server_url, "orders") == before == (5, before[1])
    assert [b["batch_id"] for b in loaded_batches(server_url)] == ["hand-0001"]


def test_every_raw_table_gets_a_summarised_loaded_at_index(
    fresh_database: str, hand_batch
) -> None:
    """Incremental dbt models read `_loaded_at > watermark`: each raw table has a BRIN index
    on it, and the load leaves no page range unsummarised (an unsummarised range matches
    every scan, so the index would stop narrowing anything)."""
    from contracts.raw_tables import TABLES

    load_batch(hand_batch(), fresh_database)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        indexes = dict(
            conn.execute(
                "select index_class.relname, access_method.amname"
                " from pg_index"
                " join pg_class as index_class on index_class.oid = pg_index.indexrelid"
                " join pg_am as access_method on access_method.oid = index_class.relam"
                " join pg_class as table_class on table_class.oid = pg_index.indrelid"
                " join pg_namespace on pg_namespace.oid = table_class.relnamespace"
                " where pg_namespace.nspname = 'raw'"
                " and index_class.relname like '%\\_\\_loaded\\_at'"
            ).fetchall()
        )
        assert indexes == {f"{t.name}__loaded_at": "brin" for t in TABLES}
        still_unsummarised = {
            name: conn.execute(
                "select brin_summarize_new_values(%s::regclass)", (f"raw.{name}",)
            ).fetchone()[0]
            for name in indexes
        }
    assert set(still_unsummarised.values()) == {0}, still_unsummarised
