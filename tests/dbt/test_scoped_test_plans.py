"""Every scoped dbt test (macros/test_scope.sql) reads only the new rows' neighbourhood.

On a copy of the shared world (its build passed, so every row is "already tested"), `dbt test`
runs the tests that scoping applies to: generic row-level tests on models with `loaded_at` and
singular tests calling `loaded_since_tested_build`. Each one whose compiled SQL carries the
scope's mark is EXPLAINed there, and its plan may not read a large table that dbt builds
(intermediate tables, marts, ML features) whole: no Seq Scan (nor an index scan without a
condition) on such a table of more than LARGE_ROWS rows (planner statistics), except

- under a one-time filter: a branch the executor runs only when its gate (a check on the new
  rows) passes, e.g. the rows with a null key, read only when a new row has a null key;
- on finance_sales_monthly: its neighbourhood is whole months, about 1 row in 20 of it, which
  the planner rightly reads in one pass.

A scan of the whole table once hid in the `unique_combination_of_columns` test on
finance_sales_daily (`key in (new keys) or a key column is null`: the `or` kept the planner
from a semi-join, and most rows have a null category, brand or ship-to).

Not checked: the raw tables under the staging views. raw is append-only with a BRIN index on
`_loaded_at` and no key indexes, so `unique` and the parent side of `relationships` on staging
read raw whole, and so does every scoped test of stg_shop__order_items (its line_number window
keeps the `loaded_at` filter from reaching raw). See docs/quality-gates.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from warehouse.databases import admin_url, create_database, drop_database

pytestmark = pytest.mark.slow

SCOPED_GENERIC_TESTS = {
    "unique",
    "unique_combination_of_columns",
    "not_null",
    "accepted_values",
    "relationships",
    "not_negative",
    "expression_is_true",
}
SINGULAR_SCOPE_MACRO = "macro.ecom.loaded_since_tested_build"
LARGE_ROWS = 20_000
READ_BY_WHOLE_MONTHS = {"marts.finance_sales_monthly"}
MARK = (
    "select coalesce(max(raw_loaded_through), '-infinity')::text"
    " from analytics.dbt_tested_loads where complete"
)


def scope_candidates(manifest: dict) -> list[str]:
    """Names of the tests the scope applies to, from a parsed manifest."""
    nodes = manifest["nodes"]
    names = []
    for node in nodes.values():
        if node["resource_type"] != "test":
            continue
        metadata = node.get("test_metadata")
        if metadata:
            tested = nodes.get(node.get("attached_node") or "")
            if (
                metadata["name"] in SCOPED_GENERIC_TESTS
                and tested
                and "loaded_at" in tested["columns"]
            ):
                names.append(node["name"])
        elif SINGULAR_SCOPE_MACRO in node["depends_on"]["macros"]:
            names.append(node["name"])
    return sorted(names)


def _plan_nodes(plan: dict, gated: bool = False) -> Iterator[tuple[dict, bool]]:
    """Every node of a JSON plan with whether a one-time filter above (or on) it gates it."""
    gated = gated or "One-Time Filter" in plan
    yield plan, gated
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child, gated)


def built_tables(manifest: dict) -> set[str]:
    """schema.name of every model dbt builds as a table (incremental or not)."""
    return {
        f"{node['schema']}.{node['alias'] or node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] in ("table", "incremental")
    }


def whole_table_reads(
    conn: psycopg.Connection, statement: str, tables: set[str]
) -> list[str]:
    """The large tables of `tables` the plan of `statement` reads whole (module docstring)."""
    (explained,) = conn.execute(
        "explain (format json, verbose) " + statement
    ).fetchone()
    found = []
    for node, gated in _plan_nodes(explained[0]["Plan"]):
        kind = node["Node Type"]
        full_index = (
            kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
        )
        if gated or not (kind in ("Seq Scan", "Parallel Seq Scan") or full_index):
            continue
        relation = f"{node['Schema']}.{node['Relation Name']}"
        if relation not in tables or relation in READ_BY_WHOLE_MONTHS:
            continue
        (rows,) = conn.execute(
            "select reltuples from pg_class where oid = %s::regclass", (relation,)
        ).fetchone()
        if rows > LARGE_ROWS:
            found.append(f"{kind} on {relation} ({rows:,.0f} rows)")
    return found


@pytest.fixture(scope="module")
def scoped_run(platform_world, embedded_url: str, dbt_runner, tmp_path_factory):
    """(url, mark, candidate names, the run's manifest, the run) for `dbt test` of the scoped
    tests on a copy of the world."""
    admin = admin_url(embedded_url)
    name, url = create_database(admin, "plans", template=platform_world.template)
    try:
        parsed = json.loads(
            (platform_world.dbt_target_dir / "manifest.json").read_text()
        )
        candidates = scope_candidates(parsed)
        work = tmp_path_factory.mktemp("scoped-plans")
        run = dbt_runner(url, ["test", "--select", *candidates], work)
        manifest = json.loads((Path(work) / "target" / "manifest.json").read_text())
        with psycopg.connect(url) as conn:
            (mark,) = conn.execute(MARK).fetchone()
        yield url, mark, candidates, manifest, run
    finally:
        drop_database(admin, name)


def _scoped_tests(manifest: dict, mark: str) -> dict[str, str]:
    """name -> compiled SQL of every test whose SQL carries the scope's mark."""
    literal = f"cast('{mark}' as timestamptz)"
    return {
        node["name"]: node["compiled_code"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and literal in (node.get("compiled_code") or "")
    }


def test_every_candidate_is_scoped_and_passes(scoped_run) -> None:
    _, mark, candidates, manifest, run = scoped_run
    assert run.success, run.with_status("fail") | run.with_status("error")
    assert mark != "-infinity", "the world's build left no tested-loads mark"
    scoped = _scoped_tests(manifest, mark)
    assert sorted(scoped) == candidates
    assert (
        len(candidates) > 300
    )  # the generic tests of every fact, plus the singular ones


def test_no_scoped_test_reads_a_large_table_whole(scoped_run) -> None:
    url, mark, _, manifest, _ = scoped_run
    scoped = _scoped_tests(manifest, mark)
    tables = built_tables(manifest)
    with psycopg.connect(url, autocommit=True) as conn:
        bad = {
            name: reads
            for name, statement in sorted(scoped.items())
            if (reads := whole_table_reads(conn, statement, tables))
        }
    assert not bad, json.dumps(bad, indent=1)


def test_combination_key_on_sales_daily_is_fetched_by_date(scoped_run) -> None:
    """The test that once read finance_sales_daily whole now reaches it by its date index."""
    url, mark, _, manifest, _ = scoped_run
    (statement,) = [
        sql
        for name, sql in _scoped_tests(manifest, mark).items()
        if name.startswith("unique_combination_of_columns_finance_sales_daily")
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        (explained,) = conn.execute("explain (format json) " + statement).fetchone()
    conditions = [
        node.get("Index Cond", "") + node.get("Recheck Cond", "")
        for node, gated in _plan_nodes(explained[0]["Plan"])
        if node.get("Relation Name") == "finance_sales_daily" and not gated
    ]
    assert any("ordered_date = " in c for c in conditions), conditions
