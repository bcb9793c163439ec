"""Every fault class of the real generator: raw validation (in the database) catches exactly
the ones it should, naming the injected table and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seeds_generator import FAULT_CLASSES
from warehouse.raw_validation import validate_batch

#: what one batch cannot show on its own: a rule across tables in time, left to dbt
LEFT_FOR_DBT = {"dates_before_signup"}


def _injected(batch: Path, fault: str) -> list[dict]:
    manifest = json.loads((batch / "manifest.json").read_text())
    entries = [f for f in manifest["faults"] if f["class"] == fault]
    assert entries, f"the generator recorded no {fault} fault in the manifest"
    return entries


def test_clean_generated_batch_passes(clean_batch: Path, fresh_database) -> None:
    report = validate_batch(clean_batch, fresh_database)
    assert report.success, report.to_text()
    assert len(report.per_table) == 16  # every contract table but stores


def test_the_dbt_gated_faults_are_exactly_the_expected_ones(faulty_batch) -> None:
    for fault in FAULT_CLASSES:
        gates = {f["detected_by"] for f in _injected(faulty_batch(fault), fault)}
        assert gates == ({"dbt"} if fault in LEFT_FOR_DBT else {"raw_validation"}), (
            fault
        )


@pytest.mark.slow
@pytest.mark.parametrize("fault", [f for f in FAULT_CLASSES if f not in LEFT_FOR_DBT])
def test_raw_validation_names_the_faulty_table_and_column(
    faulty_batch, fault: str, fresh_database
) -> None:
    batch = faulty_batch(fault)
    injected = _injected(batch, fault)
    report = validate_batch(batch, fresh_database)
    assert not report.success
    named = {(f.table, f.column) for f in report.failures}
    expected = {(f["table"], f["column"]) for f in injected}
    assert expected <= named, report.to_text()
    # nothing else is flagged: the rest of the batch is clean
    assert {table for table, _ in named} == {table for table, _ in expected}, (
        report.to_text()
    )
    assert all(not report.per_table[t] for t, _ in expected)
    for failure in report.failures:
        assert failure.rows, (
            failure.to_text()
        )  # file lines (the header, line 1, included)
    text = report.to_text()
    assert all(f"{t}.{c}" in text for t, c in expected)


@pytest.mark.slow
def test_duplicate_key_examples_are_the_injected_keys(
    faulty_batch, fresh_database
) -> None:
    batch = faulty_batch("duplicate_keys")
    [injected] = _injected(batch, "duplicate_keys")
    [failure] = validate_batch(batch, fresh_database).failures
    assert failure.expectation == "unique_key"
    assert {int(v) for v in failure.examples} <= set(injected["row_keys"])
    assert failure.unexpected_count == 2 * len(injected["row_keys"])


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(LEFT_FOR_DBT))
def test_relational_faults_pass_raw_validation(
    faulty_batch, fault: str, fresh_database
) -> None:
    batch = faulty_batch(fault)
    _injected(batch, fault)
    report = validate_batch(batch, fresh_database)
    assert report.success, report.to_text()
