"""Validation checks generated from the raw contract, run in SQL on a batch's audit area.

Per staged table and column the contract implies: values present where required (`not_null`),
in the allowed set (`in_allowed_set`), within min/max (`between`), timestamps not after the end
of the manifest's window (`not_in_the_future`), unique primary keys (`unique_key`), and foreign
keys that resolve to the batch or to what `raw` already holds (`foreign_key_resolves`). Each
finding names the table, column, rule, the number of bad rows and the first few with their
file line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import psycopg
from psycopg import sql

from contracts.raw_tables import Column, Table, get_table
from warehouse.raw_validation.audit import LINE_COLUMN, AuditArea
from warehouse.raw_validation.report import ValidationFailure

EXAMPLES = 5
NO_JOIN = sql.SQL("")


def _finding(
    conn: psycopg.Connection,
    schema: str,
    table: Table,
    column: str,
    condition: sql.Composable,
    rule: str,
    check: str,
    join: sql.Composable = NO_JOIN,
) -> ValidationFailure | None:
    """The rows of the staged table `t` matching `condition` (after `join`) as one finding
    (None when there are none)."""
    query = sql.SQL(
        "select count(*), (array_agg(t.{line} order by t.{line}))[1:{n}],"
        " (array_agg(t.{col}::text order by t.{line}))[1:{n}]"
        " from {schema}.{table} as t {join} where {condition}"
    ).format(
        line=sql.Identifier(LINE_COLUMN),
        col=sql.Identifier(column),
        n=sql.Literal(EXAMPLES),
        schema=sql.Identifier(schema),
        table=sql.Identifier(table.name),
        join=join,
        condition=condition,
    )
    row = conn.execute(query).fetchone()
    assert row is not None  # an aggregate always returns a row
    count, lines, values = row
    if not count:
        return None
    return ValidationFailure(
        table=table.name,
        column=column,
        expectation=rule,
        examples=list(values or []),
        unexpected_count=int(count),
        check=check,
        rows=[int(x) for x in lines or []],
    )


def _column_conditions(
    column: Column, window_end: datetime
) -> Iterator[tuple[sql.Composable, str, str]]:
    name = sql.Identifier(column.name)
    if not column.accepts_null:
        yield sql.SQL("{} is null").format(name), "not_null", "a value in every row"
    if column.allowed is not None:
        yield (
            sql.SQL("{} is not null and {}::text <> all({})").format(
                name, name, sql.Literal(list(column.allowed))
            ),
            "in_allowed_set",
            f"one of {list(column.allowed)}",
        )
    if column.min is not None:
        yield (
            sql.SQL("{} < {}").format(name, sql.Literal(column.min)),
            "between",
            f">= {column.min:g}",
        )
    if column.max is not None:
        yield (
            sql.SQL("{} > {}").format(name, sql.Literal(column.max)),
            "between",
            f"<= {column.max:g}",
        )
    if column.type == "timestamp":
        yield (
            sql.SQL("{} >= {}").format(name, sql.Literal(window_end)),
            "not_in_the_future",
            f"before the end of the batch window ({window_end.isoformat()})",
        )


def _unique_key(
    conn: psycopg.Connection, schema: str, table: Table
) -> ValidationFailure | None:
    key = sql.Identifier(table.primary_key)
    repeated = sql.SQL(
        "{key} in (select {key} from {schema}.{table} group by {key} having count(*) > 1)"
    ).format(key=key, schema=sql.Identifier(schema), table=sql.Identifier(table.name))
    return _finding(
        conn,
        schema,
        table,
        table.primary_key,
        repeated,
        "unique_key",
        "unique in the batch",
    )


def _foreign_keys(
    conn: psycopg.Connection, area: AuditArea, table: Table, columns: list[str]
) -> Iterator[ValidationFailure]:
    for fk in table.foreign_keys:
        if fk.column not in columns:
            continue
        parents = [
            sql.SQL("select {} from raw.{}").format(
                sql.Identifier(fk.ref_column), sql.Identifier(fk.ref_table)
            )
        ]
        if fk.ref_table in area.tables and area.tables[fk.ref_table].rows is not None:
            parents.append(
                sql.SQL("select {} from {}.{}").format(
                    sql.Identifier(fk.ref_column),
                    sql.Identifier(area.schema),
                    sql.Identifier(fk.ref_table),
                )
            )
        # an anti-join against the distinct parent keys (hashable at any size)
        join = sql.SQL("left join ({}) as parents(key) on parents.key = t.{}").format(
            sql.SQL(" union ").join(parents), sql.Identifier(fk.column)
        )
        orphan = sql.SQL("t.{} is not null and parents.key is null").format(
            sql.Identifier(fk.column)
        )
        found = _finding(
            conn,
            area.schema,
            table,
            fk.column,
            orphan,
            "foreign_key_resolves",
            f"refers to an existing {fk.ref_table}.{fk.ref_column}",
            join,
        )
        if found:
            yield found


def run_checks(
    conn: psycopg.Connection, area: AuditArea, window_end: datetime
) -> list[ValidationFailure]:
    """Every contract check over every table that was staged without a finding of its own."""
    failed_tables = {f.table for f in area.failures}
    findings: list[ValidationFailure] = []
    for name, staged in area.tables.items():
        if staged.rows is None or name in failed_tables:
            continue
        table = get_table(name)
        for column in (table.column(c) for c in staged.columns):
            for condition, rule, check in _column_conditions(column, window_end):
                found = _finding(
                    conn, area.schema, table, column.name, condition, rule, check
                )
                if found:
                    findings.append(found)
        unique = _unique_key(conn, area.schema, table)
        if unique:
            findings.append(unique)
        findings.extend(_foreign_keys(conn, area, table, staged.columns))
    return findings
