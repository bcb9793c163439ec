"""Expectation suites built from the raw data contract (contracts.raw_tables).

Each table gets two suites, run against two views of the same CSV:

* the *text* suite sees every value as the string in the file: column names and order, values
  that parse as their contract type (regular expressions that mirror the PostgreSQL input
  formats and ranges of the raw column types), primary key not null and unique, non-nullable
  columns not null, enum columns within their allowed values;
* the *typed* suite sees numbers and timestamps parsed from that text (unparseable values become
  nulls and are left to the text suite): numeric min/max bounds and timestamps not after the
  manifest's window_end.
"""

from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from great_expectations.expectations import Expectation

from contracts.raw_tables import Column, Table
from warehouse.raw_validation.expectations import (
    ExpectColumnValuesToParseAsContractType,
)
from warehouse.raw_validation.types import TYPE_PATTERNS

BOOL_VALUES = ("true", "false")
NUMERIC_TYPES = frozenset({"int", "money", "float"})


def _check(label: str) -> dict[str, str]:
    return {"check": label}


def _type_expectation(column: Column) -> Expectation | None:
    if column.type == "bool":
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column=column.name, value_set=list(BOOL_VALUES), meta=_check("type bool")
        )
    if column.type not in TYPE_PATTERNS:  # text: anything goes
        return None
    return ExpectColumnValuesToParseAsContractType(
        column=column.name,
        contract_type=column.type,
        meta=_check(f"type {column.type}"),
    )


def text_suite(table: Table, present: set[str]) -> gx.ExpectationSuite:
    """Structure, types, keys, nullability and enums, over the CSV read as strings.

    Column-level expectations are only added for columns present in the file; a missing or
    renamed column is reported by the column-list expectation instead.
    """
    suite = gx.ExpectationSuite(name=f"raw.{table.name}.text")
    suite.add_expectation(
        gx.expectations.ExpectTableColumnsToMatchOrderedList(
            column_list=table.column_names, meta=_check("columns present and ordered")
        )
    )
    for column in table.columns:
        if column.name not in present:
            continue
        if column.name == table.primary_key:
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeUnique(
                    column=column.name, meta=_check("primary key unique")
                )
            )
        if not column.nullable:
            label = (
                "primary key not null"
                if column.name == table.primary_key
                else "not null"
            )
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToNotBeNull(
                    column=column.name, meta=_check(label)
                )
            )
        type_check = _type_expectation(column)
        if type_check is not None:
            suite.add_expectation(type_check)
        if column.allowed is not None:
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeInSet(
                    column=column.name,
                    value_set=list(column.allowed),
                    meta=_check("allowed values"),
                )
            )
    return suite


def typed_columns(table: Table, present: set[str]) -> list[Column]:
    """The columns the typed suite looks at: bounded numerics and timestamps."""
    return [
        c
        for c in table.columns
        if c.name in present
        and (
            (c.type in NUMERIC_TYPES and (c.min is not None or c.max is not None))
            or c.type == "timestamp"
        )
    ]


def typed_suite(
    table: Table, present: set[str], future_bound: datetime
) -> gx.ExpectationSuite:
    """Numeric ranges and no timestamps after the batch window, over parsed values."""
    suite = gx.ExpectationSuite(name=f"raw.{table.name}.typed")
    for column in typed_columns(table, present):
        if column.type == "timestamp":
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=column.name,
                    max_value=future_bound,
                    strict_max=True,
                    meta=_check(f"not after window_end (< {future_bound.isoformat()})"),
                )
            )
        else:
            bounds = f"[{'' if column.min is None else column.min}, {'' if column.max is None else column.max}]"
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=column.name,
                    min_value=column.min,
                    max_value=column.max,
                    meta=_check(f"range {bounds}"),
                )
            )
    return suite
