"""`ecom contract json-schema`: the source contract as JSON Schema accepts what the loader
accepts and refuses what it refuses, naming the column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from typer.testing import CliRunner

from contracts.json_schema import row_schema, source_contract_schema
from contracts.manifest import table_entry
from contracts.raw_tables import TABLES, TABLES_BY_NAME
from orchestration.cli.main import app

SCHEMA = source_contract_schema()


def _validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _row_errors(table: str, row: dict) -> list[str]:
    return [
        ".".join(map(str, e.absolute_path)) or e.message
        for e in _validator(row_schema(TABLES_BY_NAME[table])).iter_errors(row)
    ]


ORDER = {
    "order_id": 1,
    "customer_id": 101,
    "ordered_at": "2024-05-01T10:11:00Z",
    "order_total": 24.99,
}


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert set(SCHEMA["$defs"]) == {t.name for t in TABLES}


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_each_table_lists_every_column_and_requires_the_required_ones(table) -> None:
    contract = TABLES_BY_NAME[table]
    schema = SCHEMA["$defs"][table]
    assert list(schema["properties"]) == contract.column_names
    assert schema["required"] == contract.required_columns
    assert schema["additionalProperties"] is False


def test_a_required_only_row_is_valid_and_optional_columns_may_be_null() -> None:
    assert _row_errors("orders", ORDER) == []
    assert _row_errors("orders", {**ORDER, "status": None, "store_id": None}) == []


@pytest.mark.parametrize(
    "change,column",
    [
        ({"order_total": -1}, "order_total"),  # below the contract's minimum
        ({"status": "lost_in_space"}, "status"),  # outside the allowed set
        ({"ordered_at": "yesterday"}, "ordered_at"),  # not a timestamp
        ({"customer_id": "abc"}, "customer_id"),  # not an integer
        ({"order_total": None}, "order_total"),  # a required column is never null
    ],
)
def test_a_bad_value_is_refused_naming_its_column(change, column) -> None:
    assert _row_errors("orders", {**ORDER, **change}) == [column]


def test_missing_required_and_unknown_columns_are_refused() -> None:
    row = {k: v for k, v in ORDER.items() if k != "ordered_at"} | {"colour": "red"}
    messages = [
        e.message
        for e in _validator(row_schema(TABLES_BY_NAME["orders"])).iter_errors(row)
    ]
    assert any("'ordered_at' is a required property" in m for m in messages)
    assert any("'colour' was unexpected" in m for m in messages)


def _manifest(**tables: dict) -> dict:
    return {"batch_id": "shop-1", "window_end": "2024-12-31", "tables": tables}


def test_manifests_written_by_the_platform_validate() -> None:
    entry = table_entry("orders", 5, "a" * 64, columns=list(ORDER))
    assert list(_validator(SCHEMA).iter_errors(_manifest(orders=entry))) == []
    parquet = table_entry("customers", 0, "b" * 64, file="customers.parquet")
    assert list(_validator(SCHEMA).iter_errors(_manifest(customers=parquet))) == []


def test_a_manifest_outside_the_contract_is_refused() -> None:
    no_key = table_entry("orders", 5, "a" * 64, columns=["customer_id", "order_total"])
    unknown_table = table_entry("orders", 5, "a" * 64) | {}
    errors = list(
        _validator(SCHEMA).iter_errors(_manifest(orders=no_key, coupons=unknown_table))
    )
    assert {tuple(e.absolute_path)[:2] for e in errors} >= {("tables", "orders")}
    assert any("'coupons' was unexpected" in e.message for e in errors)


def test_the_generators_manifest_validates(tmp_path: Path) -> None:
    from seeds_generator import generate

    manifest = generate(tmp_path / "b", scale=0.002, seed=3, progress=False)
    assert list(_validator(SCHEMA).iter_errors(manifest)) == []


def test_cli_prints_the_schema() -> None:
    result = CliRunner().invoke(app, ["contract", "json-schema"])
    assert result.exit_code == 0 and json.loads(result.output) == json.loads(
        json.dumps(SCHEMA)
    )
    one = CliRunner().invoke(app, ["contract", "json-schema", "--table", "stores"])
    assert json.loads(one.output)["required"] == ["store_id"]
    bad = CliRunner().invoke(app, ["contract", "json-schema", "--table", "coupons"])
    assert bad.exit_code == 2 and "unknown table 'coupons'" in bad.output
