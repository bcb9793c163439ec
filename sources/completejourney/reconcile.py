"""Check a written batch against totals computed straight from the source Parquet files.

`source_totals` reads transactions.parquet itself (not through the mappers): households,
baskets, lines, units, Σ sales_value and Σ discounts (retail_disc + coupon_match_disc) for the
same households the batch holds. `reconcile` compares them with the batch's files.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from contracts.manifest import read_manifest
from sources.completejourney.read import data_dir
from sources.completejourney.subsample import choose_households

Totals = dict[str, int | Decimal]


class ReconcileError(AssertionError):
    """The batch's counts or amounts differ from the source's."""


def _dollars(values: np.ndarray) -> Decimal:
    return Decimal(int(np.round(values * 100).astype(np.int64).sum())) / 100


def source_totals(households: int | None = None, seed: int = 0) -> Totals:
    """Counts and amounts of the source, for the subsample `write_batch` draws with the same
    arguments (the whole source when households is None)."""
    frame = pq.read_table(
        data_dir() / "transactions.parquet",
        columns=[
            "household_id",
            "basket_id",
            "quantity",
            "sales_value",
            "retail_disc",
            "coupon_match_disc",
        ],
    ).to_pandas()
    if households is not None:
        keep = choose_households(frame["household_id"].to_numpy(), households, seed)
        frame = frame[frame["household_id"].isin(keep)]
    return {
        "households": int(frame["household_id"].nunique()),
        "baskets": int(frame["basket_id"].nunique()),
        "lines": len(frame),
        "units": int(frame["quantity"].sum()),
        "sales_value": _dollars(frame["sales_value"].to_numpy()),
        "discounts": _dollars(frame["retail_disc"].to_numpy())
        + _dollars(frame["coupon_match_disc"].to_numpy()),
    }


def batch_totals(batch_dir: Path) -> dict[str, int | Decimal]:
    """The same quantities read from a written batch (keys as in `reconcile`)."""
    manifest = read_manifest(Path(batch_dir))

    def column_sum(table: str, column: str):
        values = pq.read_table(manifest.path(table), columns=[column])[column]
        return pc.sum(values).as_py() or 0

    return {
        "customers": manifest.tables["customers"].rows,
        "orders": manifest.tables["orders"].rows,
        "order_items": manifest.tables["order_items"].rows,
        "units": int(column_sum("order_items", "quantity")),
        "order_total": Decimal(column_sum("orders", "order_total")),
        "line_total": Decimal(column_sum("order_items", "line_total")),
        "order_discount": Decimal(column_sum("orders", "discount_amount")),
        "line_discount": Decimal(column_sum("order_items", "discount_amount")),
    }


#: batch quantity -> the source total it must equal
EXPECTED_FROM = {
    "customers": "households",
    "orders": "baskets",
    "order_items": "lines",
    "units": "units",
    "order_total": "sales_value",
    "line_total": "sales_value",
    "order_discount": "discounts",
    "line_discount": "discounts",
}


def reconcile(batch_dir: Path) -> dict[str, tuple[int | Decimal, int | Decimal]]:
    """(expected from the source, actual in the batch) per quantity; ReconcileError naming
    every mismatch. The subsample comes from the manifest's `households` and `seed`."""
    raw = read_manifest(Path(batch_dir)).raw
    households = raw.get("households")
    expected = source_totals(households, int(raw.get("seed") or 0))
    actual = batch_totals(batch_dir)
    result = {key: (expected[src], actual[key]) for key, src in EXPECTED_FROM.items()}
    wrong = {key: pair for key, pair in result.items() if pair[0] != pair[1]}
    if wrong:
        detail = "; ".join(f"{k}: source {e}, batch {a}" for k, (e, a) in wrong.items())
        raise ReconcileError(
            f"batch {batch_dir} does not reconcile with the source: {detail}"
        )
    return result
