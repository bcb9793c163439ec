"""Fault injection: corrupt a few rows of a sensible table and record their keys.

Faults are bad data, not corrupt files: the CSVs stay well-formed and the manifest's checksums
are of the faulty files as written. Each fault picks rows no other fault has touched.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seeds_generator.arrow_tables import money_array, timestamp_strings
from seeds_generator.calendar import SECONDS_PER_DAY

FAULT_CLASSES: tuple[str, ...] = (
    "duplicate_keys",
    "null_keys",
    "orphan_foreign_keys",
    "negative_amounts",
    "future_dates",
    "dates_before_signup",
    "unparseable_values",
    "renamed_column",
    "missing_column",
)
ROWS_PER_FAULT = 3
RENAMED = ("orders", "order_total", "total_amount")
MISSING = ("payments", "amount")  # a required column (optional ones may be left out)


def validate_faults(faults: Sequence[str]) -> tuple[str, ...]:
    if isinstance(faults, str):
        faults = [f for f in faults.split(",") if f]
    unknown = [f for f in faults if f not in FAULT_CLASSES]
    if unknown:
        raise ValueError(
            f"unknown fault class(es) {unknown}; known: {', '.join(FAULT_CLASSES)}"
        )
    return tuple(dict.fromkeys(faults))


def _record(
    cls: str, table: str, column: str | None, keys: list, detected_by: str, note: str
) -> dict:
    return {
        "class": cls,
        "table": table,
        "column": column,
        "row_keys": [int(k) for k in keys],
        "detected_by": detected_by,
        "description": note,
    }


def _set(table: pa.Table, column: str, rows: np.ndarray, values: pa.Array) -> pa.Table:
    arr = table.column(column).combine_chunks()
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    idx = np.full(table.num_rows, -1)
    idx[rows] = np.arange(rows.size)
    replacement = pc.take(values, pa.array(np.maximum(idx, 0)))
    new = pc.if_else(pa.array(mask), replacement, arr)
    return table.set_column(table.column_names.index(column), column, new)


def _set_text(
    table: pa.Table, column: str, rows: np.ndarray, text: list[str]
) -> pa.Table:
    arr = table.column(column).combine_chunks().cast(pa.string())
    table = table.set_column(table.column_names.index(column), column, arr)
    return _set(table, column, rows, pa.array(text, type=pa.string()))


def inject(
    tables: dict[str, pa.Table],
    faults: Sequence[str],
    rng: np.random.Generator,
    window_start_s: int,
    window_end_s: int,
    signup_ids: np.ndarray,
    signup_s: np.ndarray,
) -> list[dict]:
    """Apply `faults` to `tables` in place; returns the manifest fault records.

    `signup_ids`/`signup_s` (sorted by id) give every customer's signed_up_at for dates_before_signup.
    Structural faults (renamed/missing column) are applied last so the value faults can find their columns.
    """
    structural = ("renamed_column", "missing_column")
    faults = [f for f in faults if f not in structural] + [
        f for f in faults if f in structural
    ]
    records: list[dict] = []
    orders = tables["orders"]
    n = orders.num_rows
    if faults and n < 40:
        raise ValueError(f"too few orders ({n}) to inject faults; use a larger scale")
    pool = list(rng.permutation(n))
    used_items: set[int] = set()

    def take(k: int, ok: np.ndarray | None = None) -> np.ndarray:
        picked = [i for i in pool if ok is None or ok[i]][:k]
        for i in picked:
            pool.remove(i)
        return np.array(sorted(picked), dtype=np.int64)

    oid = orders.column("order_id").to_numpy()
    for cls in faults:
        orders = tables["orders"]
        if cls == "duplicate_keys":
            rows = take(ROWS_PER_FAULT)
            tables["orders"] = pa.concat_tables([orders, orders.take(pa.array(rows))])
            records.append(
                _record(
                    cls,
                    "orders",
                    "order_id",
                    oid[rows],
                    "raw_validation",
                    "order rows written twice",
                )
            )
        elif cls == "null_keys":
            rows = take(ROWS_PER_FAULT)
            tables["orders"] = _set(
                orders, "customer_id", rows, pa.nulls(rows.size, pa.int64())
            )
            records.append(
                _record(
                    cls,
                    "orders",
                    "customer_id",
                    oid[rows],
                    "raw_validation",
                    "customer_id is empty",
                )
            )
        elif cls == "orphan_foreign_keys":
            items = tables["order_items"]
            cand = [
                i
                for i in rng.permutation(items.num_rows)[: 10 * ROWS_PER_FAULT]
                if i not in used_items
            ][:ROWS_PER_FAULT]
            rows = np.array(sorted(cand), dtype=np.int64)
            used_items.update(cand)
            bogus = pa.array(
                int(oid.max()) + 1_000_000 + np.arange(rows.size), type=pa.int64()
            )
            tables["order_items"] = _set(items, "order_id", rows, bogus)
            keys = items.column("order_item_id").to_numpy()[rows]
            records.append(
                _record(
                    cls,
                    "order_items",
                    "order_id",
                    keys,
                    "raw_validation",
                    "order_id points to no order",
                )
            )
        elif cls == "negative_amounts":
            rows = take(ROWS_PER_FAULT)
            vals = orders.column("order_total").take(pa.array(rows)).to_pylist()
            cents = np.array([round(float(v) * 100) for v in vals], dtype=np.int64)
            tables["orders"] = _set(
                orders, "order_total", rows, money_array(-np.maximum(cents, 1))
            )
            records.append(
                _record(
                    cls,
                    "orders",
                    "order_total",
                    oid[rows],
                    "raw_validation",
                    "order_total negated",
                )
            )
        elif cls == "future_dates":
            rows = take(ROWS_PER_FAULT)
            when = window_end_s + rng.integers(30, 90, rows.size) * SECONDS_PER_DAY
            tables["orders"] = _set(orders, "ordered_at", rows, timestamp_strings(when))
            records.append(
                _record(
                    cls,
                    "orders",
                    "ordered_at",
                    oid[rows],
                    "raw_validation",
                    "ordered_at after window_end",
                )
            )
        elif cls == "dates_before_signup":
            ocust = pc.fill_null(orders.column("customer_id"), 0).to_numpy()
            pos = np.clip(np.searchsorted(signup_ids, ocust), 0, signup_ids.size - 1)
            su = np.where(signup_ids[pos] == ocust, signup_s[pos], 0)
            ok = su > window_start_s + 2 * SECONDS_PER_DAY
            rows = take(ROWS_PER_FAULT, ok)
            lo = np.maximum(window_start_s, su[rows] - 60 * SECONDS_PER_DAY)
            when = lo + (rng.random(rows.size) * (su[rows] - lo - 3600)).astype(
                np.int64
            )
            tables["orders"] = _set(orders, "ordered_at", rows, timestamp_strings(when))
            records.append(
                _record(
                    cls,
                    "orders",
                    "ordered_at",
                    oid[rows],
                    "dbt",
                    "ordered_at before the customer's signed_up_at (inside the window)",
                )
            )
        elif cls == "unparseable_values":
            rows = take(2)
            tables["orders"] = _set_text(
                orders, "items_subtotal", rows, ["n/a", "twelve"]
            )
            records.append(
                _record(
                    cls,
                    "orders",
                    "items_subtotal",
                    oid[rows],
                    "raw_validation",
                    "non-numeric text in a money column",
                )
            )
            ship = tables["shipments"]
            srows = np.sort(rng.choice(ship.num_rows, 2, replace=False))
            tables["shipments"] = _set_text(
                ship, "shipped_at", srows, ["2024-13-45 25:61:00Z", "yesterday"]
            )
            keys = ship.column("shipment_id").to_numpy()[srows]
            records.append(
                _record(
                    cls,
                    "shipments",
                    "shipped_at",
                    keys,
                    "raw_validation",
                    "unparseable timestamps",
                )
            )
        elif cls == "renamed_column":
            t, old, new = RENAMED
            tab = tables[t]
            tables[t] = tab.rename_columns(
                [new if c == old else c for c in tab.column_names]
            )
            records.append(
                _record(
                    cls,
                    t,
                    old,
                    [],
                    "raw_validation",
                    f"header {old!r} renamed to {new!r}",
                )
            )
        elif cls == "missing_column":
            t, col = MISSING
            tables[t] = tables[t].drop_columns([col])
            records.append(
                _record(
                    cls,
                    t,
                    col,
                    [],
                    "raw_validation",
                    f"column {col!r} dropped from the file",
                )
            )
    return records
