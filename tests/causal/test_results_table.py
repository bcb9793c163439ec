"""analytics.campaign_effects: created on first write, replaced atomically afterwards."""

from __future__ import annotations

import threading

import psycopg
import pytest

from ml.causal.batch import COLUMNS, read_campaign_effects, write_campaign_effects

pytestmark = pytest.mark.slow


def test_write_creates_the_table_and_round_trips(
    campaign_effects, fresh_database
) -> None:
    campaign_effects = campaign_effects[list(COLUMNS)]
    assert write_campaign_effects(fresh_database, campaign_effects) == len(
        campaign_effects
    )
    back = read_campaign_effects(fresh_database)
    assert list(back.columns) == list(COLUMNS)
    assert len(back) == len(campaign_effects)
    psm_row = back[back["method"] == "psm_att"].iloc[0]
    expected = campaign_effects[campaign_effects["method"] == "psm_att"].iloc[0]
    assert psm_row["estimate"] == pytest.approx(expected["estimate"])
    assert psm_row["ci_low"] == pytest.approx(expected["ci_low"])
    assert psm_row["diagnostics"]["max_abs_smd_after"] == pytest.approx(
        expected["diagnostics"]["max_abs_smd_after"]
    )
    dowhy = back[back["method"] == "dowhy_linear_regression"].iloc[0]
    assert (
        dowhy["ci_low"] is None or dowhy["ci_low"] != dowhy["ci_low"]
    )  # NULL -> None/NaN


def test_rewrite_replaces_rows_and_a_failed_write_keeps_the_old_ones(
    campaign_effects, fresh_database
) -> None:
    write_campaign_effects(fresh_database, campaign_effects)
    first = campaign_effects[campaign_effects["analysis"] == "campaign"]
    assert write_campaign_effects(fresh_database, first) == len(first)
    assert len(read_campaign_effects(fresh_database)) == len(first)

    broken = first.copy()
    broken.loc[broken.index[-1], "method"] = (
        None  # violates "method not null" mid-insert
    )
    with pytest.raises(psycopg.errors.NotNullViolation):
        write_campaign_effects(fresh_database, broken)
    after = read_campaign_effects(fresh_database)
    assert len(after) == len(first)
    assert after["method"].notna().all()

    with pytest.raises(ValueError, match=r"missing column\(s\) \['estimate'\]"):
        write_campaign_effects(fresh_database, first.drop(columns=["estimate"]))


def test_readers_never_see_an_empty_table_during_a_rewrite(
    campaign_effects, fresh_database
) -> None:
    write_campaign_effects(fresh_database, campaign_effects)
    counts: list[int] = []
    stop = threading.Event()

    def read_loop() -> None:
        with psycopg.connect(fresh_database, autocommit=True) as conn:
            while not stop.is_set():
                counts.append(
                    conn.execute(
                        "select count(*) from analytics.campaign_effects"
                    ).fetchone()[0]
                )

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for _ in range(5):
            write_campaign_effects(fresh_database, campaign_effects)
    finally:
        stop.set()
        reader.join()
    assert counts and set(counts) == {len(campaign_effects)}


def test_non_finite_diagnostics_are_stored_as_null() -> None:
    """A refuter can return a NaN p-value; jsonb cannot hold NaN, so it becomes null."""
    from warehouse.tables import _finite

    cleaned = _finite(
        {"p": float("nan"), "nested": [1.0, float("inf"), {"x": -float("inf")}]}
    )
    assert cleaned == {"p": None, "nested": [1.0, None, {"x": None}]}
