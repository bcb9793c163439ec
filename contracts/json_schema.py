"""The source contract as JSON Schema (draft 2020-12), for tools outside the platform.

`source_contract_schema()` describes a batch: `manifest.json` (its keys, and table entries keyed
by the contract's table names) and, under `$defs`, one row schema per table (a row as a JSON
object: required columns, types, allowed values, bounds). A shop can check its exports with any
JSON Schema validator before sending them; the loader's own checks (warehouse.raw_validation)
are generated from the same contract, so the two cannot disagree on what a table holds.

Printed by `ecom contract json-schema`.
"""

from __future__ import annotations

from typing import Any

from contracts.manifest import FORMATS
from contracts.raw_tables import REQUIRED_TABLES, TABLES, Column, Table

SCHEMA_ID = (
    "https://github.com/ecom-platform/ecom-platform/contracts/source-contract.json"
)

# A value as it appears in a JSON row; CSV/Parquet carry the same values in their own types.
_TYPES: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "text": {"type": "string"},
    "money": {"type": "number", "description": "an amount with at most two decimals"},
    "float": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "timestamp": {"type": "string", "format": "date-time"},
    "bool": {"type": "boolean"},
}


def column_schema(column: Column) -> dict[str, Any]:
    """The JSON Schema of one column's values (null allowed where the contract accepts it)."""
    schema: dict[str, Any] = dict(_TYPES[column.type])
    if column.allowed is not None:
        schema["enum"] = list(column.allowed)
    if column.min is not None:
        schema["minimum"] = column.min
    if column.max is not None:
        schema["maximum"] = column.max
    if column.accepts_null:
        schema = {"anyOf": [schema, {"type": "null"}]}
    kind = "Required column" if column.required else "Optional column"
    if column.required and column.nullable:
        kind += " (may be null)"
    schema["description"] = f"{kind}. {column.description}".strip()
    return schema


def row_schema(table: Table) -> dict[str, Any]:
    """A row of `table` as a JSON object."""
    return {
        "title": table.name,
        "description": f"{'Required' if table.required else 'Optional'} table; key "
        f"{table.primary_key}. {table.description}",
        "type": "object",
        "properties": {c.name: column_schema(c) for c in table.columns},
        "required": table.required_columns,
        "additionalProperties": False,
        "x-primary-key": table.primary_key,
        "x-foreign-keys": [
            {"column": fk.column, "references": f"{fk.ref_table}.{fk.ref_column}"}
            for fk in table.foreign_keys
        ],
    }


def _table_entry_schema(table: Table) -> dict[str, Any]:
    suffixes = "|".join(s.lstrip(".") for s in FORMATS)
    return {
        "type": "object",
        "required": ["file", "rows", "sha256", "columns"],
        "properties": {
            "file": {
                "type": "string",
                "pattern": rf"^[^/\\]+\.({suffixes})$",
                "description": "a bare file name inside the batch directory",
            },
            "rows": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
            "columns": {
                "type": "array",
                "description": "the file's columns in file order: every required column, "
                "any optional ones",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"enum": table.column_names},
                        "type": {"type": ["string", "null"]},
                    },
                },
                "allOf": [
                    {"contains": {"properties": {"name": {"const": name}}}}
                    for name in table.required_columns
                ],
            },
        },
    }


def manifest_schema() -> dict[str, Any]:
    """`manifest.json`: batch identity, window, and one entry per delivered table."""
    return {
        "type": "object",
        "required": ["batch_id", "window_end", "tables"],
        "properties": {
            "batch_id": {"type": "string", "minLength": 1},
            "parent_batch_id": {"type": ["string", "null"]},
            "window_start": {"type": ["string", "null"]},
            "window_end": {
                "type": "string",
                "description": "a date (events up to the end of that day, UTC) or a "
                "timestamp (events up to it)",
            },
            "tables": {
                "type": "object",
                "minProperties": 1,
                "properties": {t.name: _table_entry_schema(t) for t in TABLES},
                "additionalProperties": False,
                "description": "required tables come with the first batch; optional ones "
                f"may be left out (required: {', '.join(REQUIRED_TABLES)})",
            },
            "faults": {"type": "array"},
        },
    }


def source_contract_schema() -> dict[str, Any]:
    """The whole source contract: the manifest as the document, table rows under `$defs`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecom-platform source contract: manifest.json",
        "description": "A batch is a directory (or S3 prefix) with manifest.json and one CSV "
        "or Parquet file per table. This schema validates the manifest; "
        "`$defs/<table>` validates one row of a table as a JSON object.",
        **manifest_schema(),
        "$defs": {t.name: row_schema(t) for t in TABLES},
    }
