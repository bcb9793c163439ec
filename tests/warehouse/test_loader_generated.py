"""The raw load with batches from the real generator: clean, incremental and faulty."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from seeds_generator import FAULT_CLASSES, generate_increment
from warehouse.loader import load_batch, loaded_batches
from warehouse.raw_validation import RawValidationError

LEFT_FOR_DBT = {"dates_before_signup"}


def _manifest(batch: Path) -> dict:
    return json.loads((batch / "manifest.json").read_text())


def _raw_counts(url: str, tables) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in tables
        }


def test_clean_batch_loads_completely(
    fresh_database: str, clean_batch: Path, fingerprint
) -> None:
    manifest = _manifest(clean_batch)
    expected = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    result = load_batch(clean_batch, fresh_database)
    assert not result.skipped and result.batch_id == manifest["batch_id"]
    assert result.tables == expected
    assert _raw_counts(fresh_database, expected) == expected
    before = {
        t: fingerprint(fresh_database, t) for t in ("orders", "web_events", "customers")
    }
    assert load_batch(clean_batch, fresh_database).skipped
    assert {t: fingerprint(fresh_database, t) for t in before} == before
    assert [b["batch_id"] for b in loaded_batches(fresh_database)] == [
        manifest["batch_id"]
    ]


def test_increment_appends_after_its_parent(
    fresh_database: str, clean_batch: Path, tmp_path: Path
) -> None:
    increment = tmp_path / "increment"
    generate_increment(clean_batch, increment, days=1)
    base = load_batch(clean_batch, fresh_database)
    step = load_batch(increment, fresh_database)
    assert not step.skipped and sum(step.tables.values()) > 0
    ledger = loaded_batches(fresh_database)
    assert [(b["batch_id"], b["parent_batch_id"]) for b in ledger] == [
        (base.batch_id, None),
        (step.batch_id, base.batch_id),
    ]
    totals = _raw_counts(fresh_database, base.tables)
    assert totals == {t: base.tables[t] + step.tables.get(t, 0) for t in base.tables}
    with psycopg.connect(fresh_database) as conn:
        per_batch = dict(
            conn.execute(
                "select _batch_id, count(*) from raw.orders group by 1"
            ).fetchall()
        )
    assert per_batch == {
        base.batch_id: base.tables["orders"],
        step.batch_id: step.tables["orders"],
    } or (
        step.tables["orders"] == 0
        and per_batch == {base.batch_id: base.tables["orders"]}
    )


@pytest.mark.slow
@pytest.mark.parametrize("fault", [f for f in FAULT_CLASSES if f not in LEFT_FOR_DBT])
def test_faulty_batch_is_refused_and_nothing_is_loaded(
    fresh_database: str, faulty_batch, fault: str
) -> None:
    batch = faulty_batch(fault)
    injected = {(f["table"], f["column"]) for f in _manifest(batch)["faults"]}
    with pytest.raises(RawValidationError) as info:
        load_batch(batch, fresh_database)
    assert injected <= {(f.table, f.column) for f in info.value.report.failures}
    assert loaded_batches(fresh_database) == []
    assert set(_raw_counts(fresh_database, _manifest(batch)["tables"]).values()) == {0}


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(LEFT_FOR_DBT))
def test_relational_faults_are_loaded_for_dbt_to_catch(
    fresh_database: str, faulty_batch, fault: str
) -> None:
    batch = faulty_batch(fault)
    result = load_batch(batch, fresh_database)
    [entry] = [f for f in _manifest(batch)["faults"] if f["class"] == fault]
    assert (
        result.tables[entry["table"]]
        == _manifest(batch)["tables"][entry["table"]]["rows"]
    )
    key = {"order_items": "order_item_id"}.get(entry["table"], "order_id")
    with psycopg.connect(fresh_database) as conn:
        found = conn.execute(
            f"select count(*) from raw.{entry['table']} where {key} = any(%s)",
            (entry["row_keys"],),
        ).fetchone()[0]
    assert found == len(entry["row_keys"])
