"""Fixtures for the raw load and raw validation tests: hand-written and generated batches."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from contracts.raw_tables import get_table

# A small, contract-valid batch written by hand: the four required tables (customers, products,
# orders, order_items) and three optional ones they refer to, values as they appear in a CSV.
GOOD_ROWS: dict[str, list[dict[str, str]]] = {
    "geography": [{"geography_id": "7", "country_code": "US", "region": "west"}],
    "brands": [
        {"brand_id": "1", "brand_name": "Acme", "is_private_label": "true"},
        {"brand_id": "2", "brand_name": "Bolt, Inc.", "is_private_label": "false"},
    ],
    "campaigns": [
        {
            "campaign_id": "1",
            "campaign_name": "Spring",
            "campaign_type": "email",
            "channel": "email",
            "discount_pct": "10.5",
            "budget": "1000.00",
            "start_date": "2024-03-01",
            "end_date": "2024-03-31",
        },
    ],
    "customers": [
        {
            "customer_id": str(100 + i),
            "geography_id": "7",
            "signed_up_at": f"2024-01-0{i} 09:00:00Z",
        }
        for i in range(1, 6)
    ],
    "products": [
        {"product_id": "1", "brand_id": "1", "unit_price": "10.00"},
        {"product_id": "2", "brand_id": "2", "unit_price": "5.00"},
    ],
    "orders": [
        {
            "order_id": str(i),
            "customer_id": str(100 + i),
            "ordered_at": f"2024-05-0{i} 10:1{i}:00Z",
            "status": "paid",
            "channel": "web",
            "shipping_geography_id": "7",
            "campaign_id": "1" if i % 2 else "",
            "currency": "USD",
            "items_subtotal": "20.00",
            "discount_amount": "0.00",
            "shipping_amount": "4.99",
            "order_total": "24.99",
        }
        for i in range(1, 6)
    ],
    "order_items": [
        {
            "order_item_id": str(10 + i),
            "order_id": str(i),
            "product_id": "1",
            "quantity": "2",
            "unit_price": "10.00",
            "line_total": "20.00",
        }
        for i in range(1, 6)
    ],
}

BatchWriter = Callable[..., Path]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_batch(
    out_dir: Path,
    rows: dict[str, list[dict[str, str]]] | None = None,
    *,
    batch_id: str = "hand-0001",
    parent_batch_id: str | None = None,
    window_end: str = "2024-12-31",
    columns: dict[str, list[str]] | None = None,
) -> Path:
    """Write CSVs (header = the columns of the table's first row unless overridden in
    `columns`) and a manifest."""
    rows = GOOD_ROWS if rows is None else rows
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {}
    for name, table_rows in rows.items():
        header = (columns or {}).get(name) or [
            c
            for c in get_table(name).column_names
            if (
                c in table_rows[0]
                if table_rows
                else c in get_table(name).required_columns
            )
        ]
        path = out_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            for row in table_rows:
                writer.writerow([row.get(c, "") for c in header])
        tables[name] = {
            "file": path.name,
            "rows": len(table_rows),
            "sha256": sha256_of(path),
            "columns": [{"name": c, "type": "text"} for c in header],
        }
    manifest = {
        "generator_version": "test",
        "batch_id": batch_id,
        "parent_batch_id": parent_batch_id,
        "seed": 0,
        "scale": 0,
        "window_start": "2024-01-01",
        "window_end": window_end,
        "tables": tables,
        "faults": [],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return out_dir


@pytest.fixture
def hand_batch(tmp_path: Path) -> BatchWriter:
    """Write a hand-made batch: hand_batch(rows=None, **manifest_overrides) -> batch dir."""
    counter = iter(range(1000))

    def make(rows: dict[str, list[dict[str, str]]] | None = None, **kwargs) -> Path:
        return write_batch(tmp_path / f"batch{next(counter)}", rows, **kwargs)

    return make


def _table_fingerprint(url: str, table: str) -> tuple[int, str]:
    """(row count, md5 of all rows in a stable order) of raw.<table>."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f"select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from raw.{table} t"
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


@pytest.fixture
def good_rows() -> dict[str, list[dict[str, str]]]:
    """A fresh copy of the hand-made batch's rows, to spoil on purpose."""
    return copy.deepcopy(GOOD_ROWS)


@pytest.fixture
def fingerprint() -> Callable[[str, str], tuple[int, str]]:
    return _table_fingerprint


# ---- batches from the real generator (seeds_generator) ---------------------------------------

TINY_SCALE = 0.002


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


@pytest.fixture(scope="session")
def clean_batch(generated_root: Path) -> Path:
    """A clean generated batch at tiny scale (generated once per session)."""
    from seeds_generator import generate

    out = generated_root / "clean"
    generate(out, scale=TINY_SCALE, seed=42)
    return out


@pytest.fixture(scope="session")
def faulty_batch(generated_root: Path) -> Iterator[Callable[[str], Path]]:
    """faulty_batch(fault_class) -> a tiny generated batch with that one fault injected."""
    from seeds_generator import generate

    made: dict[str, Path] = {}

    def make(fault: str) -> Path:
        if fault not in made:
            out = generated_root / f"fault_{fault}"
            generate(out, scale=TINY_SCALE, seed=42, inject_faults=(fault,))
            made[fault] = out
        return made[fault]

    yield make
    for path in made.values():
        shutil.rmtree(path, ignore_errors=True)
