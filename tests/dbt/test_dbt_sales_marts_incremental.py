"""The incremental sales marts follow a customer version that arrives late: old orders move to
the tier that was in force when they were placed, exactly as a `--full-refresh` has them."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.slow

SALES_MARTS = ["finance_sales_daily", "finance_sales_monthly"]

# A copy of the customer's row with another tier, valid from just before their second purchase,
# loaded now (after every load the marts have seen).
LATE_VERSION = """
insert into raw.customers
select (
    jsonb_populate_record(
        null::raw.customers,
        to_jsonb(customers) || jsonb_build_object(
            'loyalty_tier', case when customers.loyalty_tier = 'platinum' then 'bronze' else 'platinum' end,
            'updated_at', cast(%(valid_from)s as text),
            '_batch_id', 'late-customer-version',
            '_loaded_at', now(),
            '_source_file', 'customers.csv'
        )
    )
).*
from raw.customers as customers
where customers.customer_id = %(customer_id)s
"""


def _sales_checksums(mart_checksums, url: str) -> dict[str, tuple[int, str]]:
    every = mart_checksums(url)
    return {mart: every[f"marts.{mart}"] for mart in SALES_MARTS}


def test_late_customer_version_retiers_old_orders_like_a_full_refresh(
    dbt_built, clone_built_database, dbt_runner, mart_checksums, tmp_path
) -> None:
    url = clone_built_database()
    with psycopg.connect(url) as conn:
        customer_id, second_purchase_at = conn.execute(
            "select customer_id, (array_agg(ordered_at order by ordered_at))[2]"
            " from marts.fct_orders where is_purchase group by customer_id"
            " having count(distinct ordered_date) >= 2 order by customer_id limit 1"
        ).fetchone()
        conn.execute(
            LATE_VERSION,
            {"customer_id": customer_id, "valid_from": second_purchase_at.isoformat()},
        )
    before = _sales_checksums(mart_checksums, url)

    incremental = dbt_runner(url, ["run", "--select", *SALES_MARTS], tmp_path / "inc")
    assert incremental.success, incremental.exception
    after = _sales_checksums(mart_checksums, url)
    assert after["finance_sales_daily"] != before["finance_sales_daily"]
    # only the dates of that customer's re-tiered orders were rebuilt
    rebuilt = incremental.rows_affected["model.ecom.finance_sales_daily"]
    assert 0 < rebuilt < after["finance_sales_daily"][0] / 10

    full = dbt_runner(
        url, ["run", "--full-refresh", "--select", *SALES_MARTS], tmp_path / "full"
    )
    assert full.success, full.exception
    assert _sales_checksums(mart_checksums, url) == after
