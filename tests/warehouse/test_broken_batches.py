"""`ecom load` on broken batches, through the real command line: every class of broken input is
refused with exit 1 and a message naming the file, the line and the column (a manifest problem
names the manifest and its field), never a Python traceback, and raw is left exactly as it was.

One warehouse for the module: the hand-made batch `hand-0001` is loaded once, then each test
hands `ecom load` a second batch carrying one fault and compares every raw table (and the
ledger) before and after. A class the in-process tests (test_loader.py, test_raw_validation.py)
already cover is marked slow here: each case costs a CLI start (2-5 s on a busy machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from contracts.manifest import sha256_file
from contracts.raw_tables import TABLES
from warehouse.databases import admin_url, create_database, drop_database
from warehouse.loader import load_batch
from warehouse.raw_validation import RawValidationError
from warehouse.raw_validation.audit import MAX_FIELD_BYTES

ECOM = str(Path(sys.executable).with_name("ecom"))
BASE_ID = "hand-0001"


@dataclass
class Warehouse:
    url: str
    loaded: bool = False


@pytest.fixture(scope="module")
def _module_warehouse(embedded_url: str) -> Iterator[Warehouse]:
    admin = admin_url(embedded_url)
    name, url = create_database(admin, "broken")
    yield Warehouse(url)
    drop_database(admin, name)


@pytest.fixture
def warehouse(_module_warehouse: Warehouse, hand_batch) -> str:
    """The module's warehouse with the good hand-made batch loaded (on first use)."""
    if not _module_warehouse.loaded:
        load_batch(hand_batch(), _module_warehouse.url)
        _module_warehouse.loaded = True
    return _module_warehouse.url


def raw_state(url: str) -> dict[str, tuple[int, str]]:
    """(rows, md5 of every row in order) of each raw table and of the batch ledger."""
    names = [t.name for t in TABLES] + ["_batches"]
    out = {}
    with psycopg.connect(url) as conn:
        for name in names:
            row = conn.execute(
                sql.SQL(
                    "select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
                    " from raw.{} as t"
                ).format(sql.Identifier(name))
            ).fetchone()
            assert row is not None
            out[name] = (int(row[0]), str(row[1]))
    return out


def ecom_load(url: str, batch: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ECOM, "load", str(batch)],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, ECOM_DATABASE_URL=url),
    )


def restamp(batch: Path, table: str, damage: Callable[[bytes], bytes]) -> None:
    """Damage a table file and record its new sha256, so only the damage itself is wrong."""
    path = batch / f"{table}.csv"
    path.write_bytes(damage(path.read_bytes()))
    edit_manifest(batch, lambda m: m["tables"][table].update(sha256=sha256_file(path)))


def edit_manifest(batch: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((batch / "manifest.json").read_text())
    change(manifest)
    (batch / "manifest.json").write_text(json.dumps(manifest, indent=2))


def _line(data: bytes, number: int) -> bytes:
    """Line `number` of a file (1 = the header), without its newline."""
    return data.split(b"\n")[number - 1]


def _replace_line(data: bytes, number: int, new: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[number - 1] = new
    return b"\n".join(lines)


def assert_refused(url: str, batch: Path, *expected: str) -> str:
    """`ecom load batch` exits 1 with each of `expected` in its output, no traceback, and
    raw unchanged; returns the output."""
    before = raw_state(url)
    out = ecom_load(url, batch)
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "Traceback" not in text, text
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"
    assert raw_state(url) == before, "a refused batch changed raw"
    return text


def broken(hand_batch, rows=None, **kwargs) -> Path:
    """A second batch after hand-0001 (its rows by default) to break on purpose."""
    return hand_batch(rows, batch_id="broken-0002", parent_batch_id=BASE_ID, **kwargs)


# ---------------------------------------------------------------- columns


@pytest.mark.slow
def test_renamed_column(warehouse: str, hand_batch) -> None:
    batch = broken(
        hand_batch, columns={"brands": ["brand_id", "brand_title", "is_private_label"]}
    )
    assert_refused(
        warehouse,
        batch,
        "brands.brand_name: columns_match_contract",
        "line(s) [1]",
        "brands.csv: missing required column(s) ['brand_name'], unknown column(s) ['brand_title']",
    )


@pytest.mark.slow
def test_missing_column(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch, columns={"brands": ["brand_id", "is_private_label"]})
    assert_refused(
        warehouse,
        batch,
        "brands.brand_name: columns_match_contract",
        "line(s) [1]",
        "brands.csv: missing required column(s) ['brand_name']",
    )


@pytest.mark.slow
def test_extra_column(warehouse: str, hand_batch) -> None:
    batch = broken(
        hand_batch,
        columns={"brands": ["brand_id", "brand_name", "is_private_label", "colour"]},
    )
    assert_refused(
        warehouse,
        batch,
        "brands.colour: columns_match_contract",
        "line(s) [1]",
        "brands.csv: missing required column(s) [], unknown column(s) ['colour']",
    )


# ---------------------------------------------------------------- values and rows


def test_bad_number(warehouse: str, hand_batch, good_rows) -> None:
    good_rows["orders"][2]["order_total"] = "24.x9"
    assert_refused(
        warehouse,
        broken(hand_batch, good_rows),
        "orders.order_total: readable_as_contract_type",
        "orders.csv line 4, column order_total",
        'invalid input syntax for type numeric: "24.x9"',
    )


@pytest.mark.slow
def test_bad_date(warehouse: str, hand_batch, good_rows) -> None:
    good_rows["campaigns"][0]["end_date"] = "2024-02-31"
    assert_refused(
        warehouse,
        broken(hand_batch, good_rows),
        "campaigns.end_date: readable_as_contract_type",
        "campaigns.csv line 2, column end_date",
        '"2024-02-31"',
    )


def test_non_utf8_byte(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    restamp(batch, "brands", lambda b: b.replace(b"Bolt", b"B\xf6lt"))  # latin-1 'ö'
    assert_refused(
        warehouse,
        batch,
        "brands.brand_name: readable_as_contract_type",
        "brands.csv line 3, column brand_name",
        'invalid byte sequence for encoding "UTF8"',
    )


def test_truncated_row(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    # line 4 is order 3; cut it after its customer_id: every later field is missing
    restamp(batch, "orders", lambda b: _replace_line(b, 4, _line(b, 4)[:5]))
    assert _line((batch / "orders.csv").read_bytes(), 4) == b"3,103"
    assert_refused(
        warehouse,
        batch,
        "orders.ordered_at: readable_as_contract_type",
        "orders.csv line 4, column ordered_at",
        'missing data for column "ordered_at"',
    )


@pytest.mark.slow
def test_row_with_too_many_fields(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    restamp(batch, "order_items", lambda b: _replace_line(b, 3, _line(b, 3) + b",9"))
    assert_refused(
        warehouse,
        batch,
        "order_items: readable_as_contract_type",
        "order_items.csv line 3",
        "extra data after last expected column",
    )


@pytest.mark.slow
def test_empty_file(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    restamp(batch, "brands", lambda b: b"")
    assert_refused(
        warehouse,
        batch,
        "brands: readable_file",
        "line(s) [1]",
        "brands.csv: empty file, no header line",
    )


def test_header_only_file_where_the_manifest_promises_rows(
    warehouse: str, hand_batch
) -> None:
    batch = broken(hand_batch)
    restamp(batch, "brands", lambda b: _line(b, 1) + b"\n")
    assert_refused(
        warehouse,
        batch,
        "brands: row_count_matches_manifest",
        "brands.csv held 0 rows, the manifest says 2 (manifest.json tables.brands.rows)",
    )


def test_oversized_field(warehouse: str, hand_batch, good_rows) -> None:
    good_rows["brands"][1]["brand_name"] = "x" * 20_000_000  # 20 MB in one field
    assert_refused(
        warehouse,
        broken(hand_batch, good_rows),
        "brands.brand_name: field_within_size_cap",
        "brands.csv line 3, column brand_name: a value of 20,000,000 bytes",
        f"the loader's cap is {MAX_FIELD_BYTES:,} bytes",
    )


def test_field_cap_is_bytes_not_characters(fresh_database: str, hand_batch) -> None:
    # fast, in-process: a value at the cap loads; one byte more (a two-byte character) does not
    at_cap = {"brand_id": "3", "brand_name": "é" * (MAX_FIELD_BYTES // 2)}
    over = {"brand_id": "4", "brand_name": "é" * (MAX_FIELD_BYTES // 2) + "x"}
    rows = {"brands": [{**at_cap, "is_private_label": "false"}]}
    load_batch(hand_batch(), fresh_database)
    assert not load_batch(
        hand_batch(rows, batch_id="b2", parent_batch_id=BASE_ID), fresh_database
    ).skipped
    rows = {"brands": [{**over, "is_private_label": "false"}]}
    with pytest.raises(RawValidationError, match="field_within_size_cap"):
        load_batch(
            hand_batch(rows, batch_id="b3", parent_batch_id="b2"), fresh_database
        )


# ---------------------------------------------------------------- the manifest


@pytest.mark.slow
def test_missing_manifest(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    (batch / "manifest.json").unlink()
    assert_refused(
        warehouse, batch, f"{batch / 'manifest.json'} is missing: not a batch directory"
    )


@pytest.mark.slow
def test_manifest_row_count_disagrees(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    edit_manifest(batch, lambda m: m["tables"]["orders"].update(rows=6))
    assert_refused(
        warehouse,
        batch,
        "orders.csv held 5 rows, the manifest says 6 (manifest.json tables.orders.rows)",
    )


def test_manifest_checksum_disagrees(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    with (batch / "brands.csv").open("a") as fh:
        fh.write("9,Tampered,false\n")
    assert_refused(
        warehouse,
        batch,
        f"checksum mismatch for {batch / 'brands.csv'}",
        f"{batch / 'manifest.json'} tables.brands.sha256",
    )


@pytest.mark.slow
def test_file_listed_in_the_manifest_is_absent(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    (batch / "orders.csv").unlink()
    assert_refused(
        warehouse,
        batch,
        f"{batch / 'orders.csv'} for table 'orders' is missing",
        f"{batch / 'manifest.json'} lists it as tables.orders.file",
    )


@pytest.mark.slow
def test_manifest_that_is_not_json(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    (batch / "manifest.json").write_text('{"batch_id": "broken-0002", ')
    assert_refused(warehouse, batch, f"{batch / 'manifest.json'} is not valid JSON")


@pytest.mark.slow
def test_manifest_without_a_required_field(warehouse: str, hand_batch) -> None:
    batch = broken(hand_batch)
    edit_manifest(batch, lambda m: m.pop("window_end"))
    assert_refused(
        warehouse,
        batch,
        f"{batch / 'manifest.json'}: required key 'window_end' is missing",
    )


# ---------------------------------------------------------------- the same batch again


def test_identical_reload_is_a_no_op(warehouse: str, hand_batch) -> None:
    before = raw_state(warehouse)
    out = ecom_load(warehouse, hand_batch())  # the same files in another directory
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"batch {BASE_ID} already loaded; nothing changed" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    assert raw_state(warehouse) == before


@pytest.mark.slow
def test_same_batch_id_with_changed_content_is_refused(
    warehouse: str, hand_batch, good_rows
) -> None:
    good_rows["brands"][1]["brand_name"] = "Bolt, Ltd."
    assert_refused(
        warehouse,
        hand_batch(good_rows),  # batch_id hand-0001, a new manifest
        f"batch {BASE_ID} is already loaded with a different manifest",
        "a changed batch needs a new batch_id",
    )


def test_same_manifest_with_a_changed_file_is_refused(
    warehouse: str, hand_batch
) -> None:
    batch = hand_batch()
    (batch / "brands.csv").write_bytes(
        (batch / "brands.csv").read_bytes().replace(b"Acme", b"Acne")
    )
    assert_refused(
        warehouse,
        batch,
        f"batch {BASE_ID} is already loaded, but its directory no longer matches",
        f"checksum mismatch for {batch / 'brands.csv'}",
    )
