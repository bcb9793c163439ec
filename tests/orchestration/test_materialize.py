"""In-process materialization of raw + warehouse on a tiny scale with faults: the blocking
gates stop the job before the marts (the healthy full job is the shared test world,
tests/orchestration/test_platform_world.py)."""

from __future__ import annotations

import re

import dagster as dg
import pytest

from orchestration.definitions import defs

pytestmark = pytest.mark.slow

SCALE = 0.004


def _run(config: dict) -> dg.ExecuteInProcessResult:
    """The full_refresh job restricted to the raw and warehouse groups (ML has its own tests)."""
    job = defs.resolve_job_def("full_refresh")
    graph = defs.resolve_asset_graph()
    keys = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).group_name in ("raw", "warehouse")
    ]
    with dg.instance_for_test() as instance:
        return job.execute_in_process(
            run_config=config,
            instance=instance,
            raise_on_error=False,
            asset_selection=keys,
        )


def _config(faults: list[str] | None = None) -> dict:
    return {
        "ops": {
            "landed_batch": {
                "config": {
                    "mode": "initial",
                    "scale": SCALE,
                    "seed": 11,
                    "inject_faults": faults or [],
                }
            },
            "warehouse_dbt": {"config": {"full_refresh": True}},
        }
    }


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    out = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            # a failed WARN-severity check (soft anomaly) does not count as a failure
            out[f"{data.asset_key.to_user_string()}:{data.check_name}"] = (
                data.passed or (data.severity == dg.AssetCheckSeverity.WARN)
            )
    return out


@pytest.mark.parametrize("fault", ["null_keys", "orphan_foreign_keys"])
def test_raw_fault_stops_at_the_blocking_check(platform_env, fault) -> None:
    result = _run(_config([fault]))
    assert not result.success
    checks = _checks(result)
    failed = [k for k, v in checks.items() if not v]
    assert failed and all(k.endswith(":raw_expectations") for k in failed)
    done = _materialized(result)
    assert "landing/orders" in done
    assert not any(k.startswith("raw/") for k in done), (
        "the load must not run after a failed blocking check"
    )
    assert "marts/fct_orders" not in done


def test_dbt_fault_stops_before_the_marts(platform_env) -> None:
    result = _run(_config(["dates_before_signup"]))
    assert not result.success
    checks = _checks(result)
    assert all(v for k, v in checks.items() if k.endswith(":raw_expectations")), (
        "orders before signup pass raw validation (a cross-table rule for dbt)"
    )
    # a singular test spans several models, so it is not one asset's check: the dbt step
    # fails and names it
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "warehouse_dbt"
    assert re.search(
        r"FAIL [1-9]\d* assert_orders_not_before_customer_signup",
        str(failure.event_specific_data.error.message),
    )
    done = _materialized(result)
    assert "raw/orders" in done
    assert "marts/fct_orders" not in done, (
        "a mart downstream of the failing test must not be built"
    )
