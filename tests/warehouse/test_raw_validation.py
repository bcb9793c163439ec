"""Raw validation on hand-made batches, in the database: each kind of contract violation is
named by table, column, rule and file line, and a failed audit loads nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from warehouse.raw_validation import (
    ManifestError,
    RawValidationError,
    ValidationReport,
    validate_batch,
)
from warehouse.raw_validation.audit import audit_schema

_TYPE = "readable_as_contract_type"


def _with(
    rows: dict, table: str, index: int, **values: str
) -> dict[str, list[dict[str, str]]]:
    rows[table][index].update(values)
    return rows


def _only_failure(report: ValidationReport):
    assert not report.success
    assert len(report.failures) == 1, report.to_text()
    return report.failures[0]


def test_clean_batch_passes(hand_batch, fresh_database) -> None:
    report = validate_batch(hand_batch(), fresh_database)
    assert report.success, report.to_text()
    assert set(report.per_table) == {
        "geography",
        "brands",
        "campaigns",
        "customers",
        "products",
        "orders",
        "order_items",
    }
    assert all(report.per_table.values())
    assert report.batch_id == "hand-0001"
    assert "passed" in report.to_text()


@pytest.mark.parametrize(
    ("table", "column", "bad", "message"),
    [
        ("orders", "customer_id", "12x", 'invalid input syntax for type bigint: "12x"'),
        ("orders", "ordered_at", "2024-13-01 10:00:00Z", "out of range"),
        ("orders", "ordered_at", "2023-02-29 10:00:00Z", "out of range"),
        ("campaigns", "end_date", "2024-04-31", "out of range"),
        ("orders", "customer_id", "99999999999999999999", "out of range"),
        ("campaigns", "start_date", "32/01/2024", "out of range"),
        ("campaigns", "discount_pct", "ten", "invalid input syntax"),
        (
            "brands",
            "is_private_label",
            "maybe",
            "invalid input syntax for type boolean",
        ),
    ],
)
def test_unreadable_value_is_named_with_its_line(
    hand_batch, good_rows, fresh_database, table, column, bad, message
) -> None:
    batch = hand_batch(_with(good_rows, table, 0, **{column: bad}))
    failure = _only_failure(validate_batch(batch, fresh_database))
    assert (failure.table, failure.column, failure.expectation) == (
        table,
        column,
        _TYPE,
    )
    assert failure.rows == [2]  # the first data row is line 2
    assert message in failure.details and f"{table}.csv" in failure.details


@pytest.mark.parametrize(
    ("table", "column", "bad", "rule"),
    [
        ("orders", "status", "teleported", "in_allowed_set"),
        ("orders", "order_total", "-5.00", "between"),
        ("campaigns", "discount_pct", "120", "between"),
        ("orders", "ordered_at", "", "not_null"),
        ("order_items", "product_id", "99", "foreign_key_resolves"),
        ("orders", "shipping_geography_id", "8", "foreign_key_resolves"),
    ],
)
def test_rule_violation_is_named(
    hand_batch, good_rows, fresh_database, table, column, bad, rule
) -> None:
    report = validate_batch(
        hand_batch(_with(good_rows, table, 0, **{column: bad})), fresh_database
    )
    failure = _only_failure(report)
    assert (failure.table, failure.column, failure.expectation) == (table, column, rule)
    assert failure.unexpected_count == 1
    assert failure.examples == ([None] if bad == "" else [bad])
    assert failure.rows == [2]
    assert report.per_table[table] is False
    assert all(ok for name, ok in report.per_table.items() if name != table)


def test_an_optional_column_may_be_empty_or_absent(
    hand_batch, good_rows, fresh_database
) -> None:
    rows = _with(good_rows, "orders", 0, status="", channel="")
    assert validate_batch(hand_batch(rows), fresh_database).success
    columns = {"orders": ["order_id", "customer_id", "ordered_at", "order_total"]}
    assert validate_batch(hand_batch(columns=columns), fresh_database).success


def test_future_timestamp_is_caught_against_window_end(
    hand_batch, good_rows, fresh_database
) -> None:
    rows = _with(good_rows, "orders", 2, ordered_at="2025-01-01 00:00:00Z")
    report = validate_batch(hand_batch(rows, window_end="2024-12-31"), fresh_database)
    failure = _only_failure(report)
    assert (failure.table, failure.column) == ("orders", "ordered_at")
    assert failure.expectation == "not_in_the_future" and failure.rows == [4]
    # the last second of the window_end day is still inside the window
    rows = _with(good_rows, "orders", 2, ordered_at="2024-12-31 23:59:59Z")
    assert validate_batch(
        hand_batch(rows, window_end="2024-12-31"), fresh_database
    ).success


def test_duplicate_and_null_primary_keys(hand_batch, good_rows, fresh_database) -> None:
    rows = good_rows
    rows["orders"][1]["order_id"] = "1"
    rows["orders"][3]["order_id"] = ""
    report = validate_batch(hand_batch(rows), fresh_database)
    by_rule = {f.expectation: f for f in report.failures if f.table == "orders"}
    assert {"unique_key", "not_null"} <= set(by_rule), report.to_text()
    assert by_rule["unique_key"].column == "order_id"
    assert by_rule["unique_key"].examples == ["1", "1"]
    assert by_rule["unique_key"].rows == [2, 3]
    assert by_rule["not_null"].rows == [5]


def test_renamed_missing_extra_and_repeated_columns(
    hand_batch, good_rows, fresh_database
) -> None:
    columns = list(good_rows["orders"][0])
    renamed = ["total_amount" if c == "order_total" else c for c in columns]
    failure = _only_failure(
        validate_batch(hand_batch(columns={"orders": renamed}), fresh_database)
    )
    assert (failure.table, failure.expectation) == ("orders", "columns_match_contract")
    assert (
        failure.rows == [1]
        and "missing required column(s) ['order_total']" in failure.details
    )
    assert "unknown column(s) ['total_amount']" in failure.details

    extra = [*columns, "coupon"]
    failure = _only_failure(
        validate_batch(hand_batch(columns={"orders": extra}), fresh_database)
    )
    assert "unknown column(s) ['coupon']" in failure.details

    repeated = [*columns, "status"]
    failure = _only_failure(
        validate_batch(hand_batch(columns={"orders": repeated}), fresh_database)
    )
    assert "repeated column(s) ['status']" in failure.details


def test_columns_may_come_in_any_order(hand_batch, good_rows, fresh_database) -> None:
    columns = list(good_rows["orders"][0])[::-1]
    assert validate_batch(
        hand_batch(columns={"orders": columns}), fresh_database
    ).success


def test_a_missing_required_table_is_named(
    hand_batch, good_rows, fresh_database
) -> None:
    del good_rows["order_items"]
    failure = _only_failure(validate_batch(hand_batch(good_rows), fresh_database))
    assert (failure.table, failure.expectation) == (
        "order_items",
        "required_table_present",
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (b"11,1,1,2,10.00,20.00,surplus\n", "extra data after last expected column"),
        (b"12,1\n", "missing data for column"),
        (b"13,1,1,2,\xff\xfe,20.00\n", "invalid byte sequence for encoding"),
    ],
)
def test_broken_rows_are_named_with_their_line(
    hand_batch, fresh_database, damage, message
) -> None:
    batch = hand_batch()
    with (batch / "order_items.csv").open("ab") as fh:
        fh.write(damage)
    import json

    from contracts.manifest import sha256_file

    manifest = json.loads((batch / "manifest.json").read_text())
    entry = manifest["tables"]["order_items"]
    entry["rows"] += 1
    entry["sha256"] = sha256_file(batch / "order_items.csv")
    (batch / "manifest.json").write_text(json.dumps(manifest))
    failure = _only_failure(validate_batch(batch, fresh_database))
    assert failure.table == "order_items" and failure.rows == [7]
    assert message in failure.details


def test_an_empty_file_is_named(hand_batch, fresh_database) -> None:
    batch = hand_batch()
    (batch / "products.csv").write_bytes(b"")
    failure = _only_failure(validate_batch(batch, fresh_database))
    assert (failure.table, failure.expectation) == ("products", "readable_file")
    assert "empty file" in failure.details


def test_a_failed_audit_keeps_its_area_for_inspection(
    hand_batch, good_rows, fresh_database
) -> None:
    batch = hand_batch(_with(good_rows, "orders", 1, order_total="-2.00"))
    assert not validate_batch(batch, fresh_database).success
    schema = audit_schema("hand-0001")
    with psycopg.connect(fresh_database) as conn:
        bad = conn.execute(
            f'select _line, order_total from "{schema}".orders where order_total < 0'
        ).fetchall()
        raw = conn.execute("select count(*) from raw.orders").fetchone()[0]
    assert [(line, float(total)) for line, total in bad] == [(3, -2.0)]
    assert raw == 0


def test_report_text_and_error(hand_batch, good_rows, fresh_database) -> None:
    report = validate_batch(
        hand_batch(_with(good_rows, "orders", 4, order_total="-1.00")), fresh_database
    )
    text = report.to_text()
    assert (
        "FAILED" in text
        and "orders.order_total" in text
        and "'-1.00'" in text
        and "line(s) [6]" in text
    )
    error = RawValidationError(report)
    assert error.report is report and "orders.order_total" in str(error)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "manifest.json is missing"),
        ("{not json", "not valid JSON"),
        (
            '{"batch_id": "x", "window_end": "2024-12-31", "tables": {"nope": {}}}',
            "not in the raw contract",
        ),
        ('{"batch_id": "x", "tables": {}}', "'tables' must be a non-empty object"),
        (
            '{"window_end": "2024-12-31", "tables": {"brands": {}}}',
            "'batch_id' is missing",
        ),
    ],
)
def test_bad_manifest_is_explained(
    tmp_path: Path, fresh_database, content, message
) -> None:
    if content is not None:
        (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(ManifestError, match=message):
        validate_batch(tmp_path, fresh_database)
