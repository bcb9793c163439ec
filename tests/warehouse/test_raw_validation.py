"""Raw validation on hand-made batches: each kind of contract violation is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.raw_validation import (
    ManifestError,
    RawValidationError,
    ValidationReport,
    validate_batch,
    validate_table,
)

_PARSE = "expect_column_values_to_parse_as_contract_type"


def _with(
    rows: dict, table: str, index: int, **values: str
) -> dict[str, list[dict[str, str]]]:
    rows[table][index].update(values)
    return rows


def _only_failure(report: ValidationReport):
    assert not report.success
    assert len(report.failures) == 1, report.to_text()
    return report.failures[0]


def test_clean_batch_passes(hand_batch) -> None:
    report = validate_batch(hand_batch())
    assert report.success, report.to_text()
    assert report.per_table == {"brands": True, "campaigns": True, "orders": True}
    assert report.batch_id == "hand-0001"
    assert "passed" in report.to_text()


@pytest.mark.parametrize(
    ("table", "column", "bad", "expectation", "check"),
    [
        (
            "orders",
            "customer_id",
            "12x",
            _PARSE,
            "type int",
        ),
        (
            "orders",
            "order_total",
            "24.999",
            _PARSE,
            "type money",
        ),
        (
            "orders",
            "ordered_at",
            "2024-13-01 10:00:00Z",
            _PARSE,
            "type timestamp",
        ),
        (
            "orders",
            "ordered_at",
            "2024-05-01 10:00:00",
            _PARSE,
            "type timestamp",
        ),
        ("orders", "ordered_at", "2023-02-29 10:00:00Z", _PARSE, "type timestamp"),
        ("campaigns", "end_date", "2024-04-31", _PARSE, "type date"),
        ("orders", "customer_id", "99999999999999999999", _PARSE, "type int"),
        (
            "campaigns",
            "start_date",
            "03/01/2024",
            _PARSE,
            "type date",
        ),
        (
            "campaigns",
            "discount_pct",
            "ten",
            _PARSE,
            "type float",
        ),
        (
            "brands",
            "is_private_label",
            "yes",
            "expect_column_values_to_be_in_set",
            "type bool",
        ),
        (
            "orders",
            "status",
            "teleported",
            "expect_column_values_to_be_in_set",
            "allowed values",
        ),
        (
            "orders",
            "order_total",
            "-5.00",
            "expect_column_values_to_be_between",
            "range [0, ]",
        ),
        (
            "campaigns",
            "discount_pct",
            "120",
            "expect_column_values_to_be_between",
            "range [0, 100]",
        ),
        ("orders", "channel", "", "expect_column_values_to_not_be_null", "not null"),
    ],
)
def test_bad_value_is_named(
    hand_batch, good_rows, table, column, bad, expectation, check
) -> None:
    report = validate_batch(hand_batch(_with(good_rows, table, 0, **{column: bad})))
    failure = _only_failure(report)
    assert (failure.table, failure.column, failure.expectation, failure.check) == (
        table,
        column,
        expectation,
        check,
    )
    assert failure.unexpected_count == 1
    assert failure.examples == ([None] if bad == "" else [bad])
    assert failure.rows == [2]  # first data row is CSV line 2
    assert report.per_table[table] is False
    assert all(ok for name, ok in report.per_table.items() if name != table)


def test_future_timestamp_is_caught_against_window_end(hand_batch, good_rows) -> None:
    rows = _with(good_rows, "orders", 2, ordered_at="2025-01-01 00:00:00Z")
    failure = _only_failure(validate_batch(hand_batch(rows, window_end="2024-12-31")))
    assert (failure.table, failure.column) == ("orders", "ordered_at")
    assert failure.expectation == "expect_column_values_to_be_between"
    assert failure.check.startswith("not after window_end")
    assert failure.examples == ["2025-01-01 00:00:00Z"] and failure.rows == [4]
    # the last second of the window_end day is still inside the window
    rows = _with(good_rows, "orders", 2, ordered_at="2024-12-31 23:59:59Z")
    assert validate_batch(hand_batch(rows, window_end="2024-12-31")).success


def test_duplicate_and_null_primary_keys(hand_batch, good_rows) -> None:
    rows = good_rows
    rows["orders"][1]["order_id"] = "1"
    rows["orders"][3]["order_id"] = ""
    report = validate_batch(hand_batch(rows))
    by_check = {f.check: f for f in report.failures}
    assert set(by_check) == {"primary key unique", "primary key not null"}, (
        report.to_text()
    )
    assert by_check["primary key unique"].column == "order_id"
    assert by_check["primary key unique"].examples == ["1", "1"]
    assert by_check["primary key unique"].rows == [2, 3]
    assert by_check["primary key not null"].rows == [5]


def test_renamed_and_missing_columns(hand_batch, good_rows) -> None:
    columns = list(good_rows["brands"][0])
    renamed = [*columns[:1], "brand_title", *columns[2:]]
    report = validate_batch(hand_batch(columns={"brands": renamed}))
    failure = _only_failure(report)
    assert (failure.table, failure.column) == ("brands", "brand_name")
    assert failure.expectation == "expect_table_columns_to_match_ordered_list"
    assert failure.examples == ["brand_name", "brand_title"]
    assert "missing column(s) ['brand_name']" in failure.details

    dropped = [c for c in columns if c != "is_private_label"]
    failure = _only_failure(validate_batch(hand_batch(columns={"brands": dropped})))
    assert (failure.table, failure.column) == ("brands", "is_private_label")


def test_reordered_columns(hand_batch, good_rows) -> None:
    columns = list(good_rows["brands"][0])
    failure = _only_failure(
        validate_batch(hand_batch(columns={"brands": columns[::-1]}))
    )
    assert failure.column is None and "out of order" in failure.details


def test_malformed_csv_is_a_failure_not_a_crash(hand_batch) -> None:
    batch = hand_batch()
    with (batch / "brands.csv").open("a") as fh:
        fh.write("3,Extra,true,surplus\n")
    failure = _only_failure(validate_batch(batch))
    assert (failure.table, failure.expectation) == ("brands", "csv_parses")
    assert "brands.csv" in failure.examples[0]


def test_missing_file_is_a_failure(hand_batch) -> None:
    batch = hand_batch()
    (batch / "campaigns.csv").unlink()
    failure = _only_failure(validate_batch(batch))
    assert (failure.table, failure.expectation) == ("campaigns", "file_exists")


def test_validate_table_checks_only_that_table(hand_batch, good_rows) -> None:
    batch = hand_batch(_with(good_rows, "orders", 0, status="teleported"))
    assert validate_table(batch, "brands").success
    report = validate_table(batch, "orders")
    assert report.per_table == {"orders": False}
    with pytest.raises(ManifestError, match="not in the manifest"):
        validate_table(batch, "reviews")


def test_report_text_and_error(hand_batch, good_rows) -> None:
    report = validate_batch(
        hand_batch(_with(good_rows, "orders", 4, order_total="-1.00"))
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
def test_bad_manifest_is_explained(tmp_path: Path, content, message) -> None:
    if content is not None:
        (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(ManifestError, match=message):
        validate_batch(tmp_path)
