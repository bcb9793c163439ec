"""After an increment batch, a plain `dbt build` processes only the new rows and ends with the
same marts as a `--full-refresh` build of the same data."""

from __future__ import annotations

import psycopg
import pytest

from warehouse.loader import load_batch

pytestmark = pytest.mark.slow


def test_incremental_build_equals_full_refresh(
    dbt_built, clone_built_database, dbt_batches, dbt_runner, mart_checksums, tmp_path
) -> None:
    url = clone_built_database()
    load_batch(dbt_batches.increment, url)
    new_rows = {
        t: v["rows"] for t, v in dbt_batches.increment_manifest["tables"].items()
    }
    assert new_rows["order_items"] > 0 and new_rows["web_sessions"] > 0

    incremental = dbt_runner(url, ["build"], tmp_path / "incremental")
    assert incremental.success, incremental.exception or incremental.with_status("fail")
    # only the increment's rows went through the incremental facts
    assert (
        incremental.rows_affected["model.ecom.fct_order_items"]
        == new_rows["order_items"]
    )
    assert (
        incremental.rows_affected["model.ecom.fct_sessions"] == new_rows["web_sessions"]
    )
    after_incremental = mart_checksums(url)
    # the pre-aggregated marts took the incremental path too: only the new day was rebuilt
    for mart in (
        "finance_sales_daily",
        "finance_sales_monthly",
        "marketing_sessions_daily",
    ):
        rebuilt = incremental.rows_affected[f"model.ecom.{mart}"]
        assert 0 < rebuilt < after_incremental[f"marts.{mart}"][0], mart
    assert after_incremental["marts.fct_order_items"][0] == (
        dbt_built.checksums["marts.fct_order_items"][0] + new_rows["order_items"]
    )
    with psycopg.connect(url) as conn:
        changed_products = conn.execute(
            "select count(*) from (select product_id from raw.products group by 1 having count(*) > 1) as p"
        ).fetchone()[0]
    assert after_incremental["marts.dim_products_history"][0] == (
        dbt_built.checksums["marts.dim_products_history"][0] + changed_products
    )

    full = dbt_runner(url, ["build", "--full-refresh"], tmp_path / "full")
    assert full.success, full.exception or full.with_status("fail")
    assert mart_checksums(url) == after_incremental
