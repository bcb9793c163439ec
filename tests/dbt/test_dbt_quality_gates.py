"""Bad raw data that reaches dbt stops `dbt build` at staging: the failing test is named, every
mart downstream of it is skipped, and the marts of the previous good build stay as they were.
Bad data raw validation owns never gets that far: the load refuses it and the marts are those
of the last good build."""

from __future__ import annotations

import pytest

from seeds_generator import FAULT_CLASSES
from warehouse.loader import load_batch
from warehouse.raw_validation import RawValidationError

pytestmark = pytest.mark.slow

# fault class -> (test that must fail, marts that must be skipped)
GATES = {
    "orphan_foreign_keys": (
        "relationships_stg_shop__order_items_order_id__order_id__ref_stg_shop__orders_",
        [
            "fct_order_items",
            "fct_orders",
            "fct_returns",
            "finance_revenue_daily",
            "customer_360",
        ],
    ),
    "dates_before_signup": (
        "assert_orders_not_before_customer_signup",
        [
            "fct_orders",
            "fct_order_items",
            "fct_payments",
            "finance_orders_daily",
            "ml_customer_features",
        ],
    ),
}


def _failing_test_ids(statuses: dict[str, str], name: str) -> list[str]:
    return [
        n
        for n, s in statuses.items()
        if n.startswith("test.") and s == "fail" and n.split(".")[2].startswith(name)
    ]


@pytest.mark.parametrize("fault", sorted(GATES))
def test_fault_stops_the_build_before_the_marts(
    fault,
    dbt_built,
    clone_built_database,
    faulty_batch,
    dbt_runner,
    mart_checksums,
    swap_raw_data,
    tmp_path,
) -> None:
    failing_test, skipped_marts = GATES[fault]
    url = clone_built_database()
    before = mart_checksums(url)
    assert before == dbt_built.checksums
    batch_dir, manifest = faulty_batch(fault)
    assert [f["class"] for f in manifest["faults"]] == [fault]
    # orphans are refused by raw validation; dbt's relationships tests are the second line for
    # rows that reach raw around it (a load with validate=False)
    around_the_raw_gate = any(
        f["detected_by"] == "raw_validation" for f in manifest["faults"]
    )
    swap_raw_data(url, batch_dir, validate=not around_the_raw_gate)
    run = dbt_runner(url, ["build"], tmp_path)

    assert not run.success
    assert _failing_test_ids(run.statuses, failing_test), (
        f"{failing_test} did not fail: {run.with_status('fail')}"
    )
    for mart in skipped_marts:
        assert run.status_of(mart) == "skipped", mart
    # every mart downstream of the gate was skipped and kept the previous good build; marts
    # the gate does not guard (built from other tables) may have been rebuilt
    after = mart_checksums(url)
    changed = {t for t in before if before[t] != after.get(t)}
    status = {t: run.status_of(t.split(".")[1]) for t in before}
    skipped = {t for t in before if status[t] == "skipped"}
    assert {f"marts.{m}" for m in skipped_marts if f"marts.{m}" in before} <= skipped
    assert not changed & skipped, f"skipped marts changed: {changed & skipped}"
    assert all(status[t] == "success" for t in changed), {t: status[t] for t in changed}


def test_raw_gated_faults_never_reach_the_marts(
    dbt_built, clone_built_database, faulty_batch, dbt_runner, mart_checksums, tmp_path
) -> None:
    """Every fault class raw validation owns is refused at the load, so the next `dbt build`
    ends with exactly the marts of the last good build."""
    url = clone_built_database()
    refused = []
    for fault in FAULT_CLASSES:
        batch_dir, manifest = faulty_batch(fault)
        if any(f["detected_by"] != "raw_validation" for f in manifest["faults"]):
            continue  # dbt's to catch: the test above
        with pytest.raises(RawValidationError) as info:
            load_batch(batch_dir, url)
        named = {f.table for f in info.value.report.failures}
        assert {f["table"] for f in manifest["faults"]} <= named, fault
        refused.append(fault)
    assert set(refused) == set(FAULT_CLASSES) - {"dates_before_signup"}
    run = dbt_runner(url, ["build"], tmp_path)
    assert run.success, run.exception or run.with_status("fail")
    assert mart_checksums(url) == dbt_built.checksums
