"""Test scoping in incremental builds (dbt_project/macros/test_scope.sql): after a fully passing
build, row-level tests look only at rows loaded since, yet a key re-sent in a new batch still
fails `unique`, a failed build leaves the mark where it was, and `test_scope: all` re-tests
every row."""

from __future__ import annotations

import psycopg
import pytest

from warehouse.loader import load_batch

pytestmark = pytest.mark.slow

MARK = (
    "select count(*), max(raw_loaded_through) from analytics.dbt_tested_loads"
    " where complete"
)
PAYMENT_METHOD_TEST = "accepted_values_stg_shop__payments_payment_method"
EVENT_ID_TEST = "unique_stg_shop__web_events_event_id"


def _mark(url: str) -> tuple[int, object]:
    with psycopg.connect(url) as conn:
        return conn.execute(MARK).fetchone()


def _failed_tests(run) -> set[str]:
    return {n.split(".")[2] for n in run.with_status("fail")}


def test_full_build_records_the_tested_loads(dbt_built) -> None:
    count, through = _mark(dbt_built.url)
    with psycopg.connect(dbt_built.url) as conn:
        newest_load = conn.execute("select max(loaded_at) from raw._batches").fetchone()
    assert count >= 1 and through == newest_load[0]


def test_rows_tested_before_are_not_retested_unless_asked(
    dbt_built, clone_built_database, dbt_batches, dbt_runner, tmp_path
) -> None:
    url = clone_built_database()
    with psycopg.connect(url) as conn:
        # an already-tested row goes bad in place (its _loaded_at stays old)
        conn.execute(
            "update raw.payments set payment_method = 'barter'"
            " where payment_id = (select min(payment_id) from raw.payments)"
        )
    load_batch(dbt_batches.increment, url)

    scoped = dbt_runner(url, ["build"], tmp_path / "scoped")
    assert scoped.success, scoped.with_status("fail") | scoped.with_status("error")
    with psycopg.connect(url) as conn:
        increment_loaded_at = conn.execute(
            "select max(loaded_at) from raw._batches"
        ).fetchone()[0]
    count, through = _mark(url)
    assert through == increment_loaded_at

    everything = dbt_runner(
        url, ["build", "--vars", "{test_scope: all}"], tmp_path / "all"
    )
    assert not everything.success
    assert any(t.startswith(PAYMENT_METHOD_TEST) for t in _failed_tests(everything))
    assert _mark(url) == (count, through)  # a failed build does not move the mark


def test_a_key_resent_in_a_new_batch_fails_unique(
    dbt_built, clone_built_database, dbt_runner, tmp_path
) -> None:
    url = clone_built_database()
    before = _mark(url)
    with psycopg.connect(url) as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'raw' and table_name = 'web_events'"
                " and column_name <> '_loaded_at' order by ordinal_position"
            )
        ]
        listed = ", ".join(columns)
        # a later batch re-sends an event that was loaded (and tested) long ago
        conn.execute(
            f"insert into raw.web_events ({listed}, _loaded_at)"
            f" select {listed}, now() from raw.web_events"
            " where event_id = (select min(event_id) from raw.web_events)"
        )
        conn.execute(
            "insert into raw._batches (batch_id, manifest_sha256, source_dir, row_counts)"
            " values ('resent', 'x', 'x', '{}')"
        )

    run = dbt_runner(url, ["build"], tmp_path)
    assert not run.success
    assert any(t.startswith(EVENT_ID_TEST) for t in _failed_tests(run))
    assert _mark(url) == before


def test_a_combination_key_repeated_by_new_rows_fails_its_scoped_test(
    dbt_built, clone_built_database, dbt_runner, tmp_path
) -> None:
    """unique_combination_of_columns is scoped like unique: an old duplicate is left to
    `test_scope: all`, a duplicate of a key among the new rows fails the scoped run."""
    url = clone_built_database()
    copy_newest_cell = (
        "insert into marts.finance_revenue_daily"
        " select * from marts.finance_revenue_daily"
        " order by revenue_date desc, category_id, region, sales_channel limit 1"
    )
    with psycopg.connect(url) as conn:
        conn.execute(copy_newest_cell)  # an already-tested key, duplicated in place
    select = ["--select", "finance_revenue_daily,test_type:generic"]
    combination_test = "unique_combination_of_columns_finance_revenue_daily"

    scoped = dbt_runner(url, ["test", *select], tmp_path / "old")
    assert scoped.success, _failed_tests(scoped)
    everything = dbt_runner(
        url, ["test", *select, "--vars", "{test_scope: all}"], tmp_path / "all"
    )
    assert any(t.startswith(combination_test) for t in _failed_tests(everything))

    with psycopg.connect(url) as conn:  # the same key now arrives with new rows
        conn.execute(
            "update marts.finance_revenue_daily set loaded_at = now()"
            " where revenue_date = (select max(revenue_date)"
            " from marts.finance_revenue_daily)"
        )
    rescoped = dbt_runner(url, ["test", *select], tmp_path / "new")
    assert any(t.startswith(combination_test) for t in _failed_tests(rescoped))
