"""Which source data this warehouse holds, and the one way a page says what it is missing.

A shop must deliver customers, products, orders and order_items; every other source table is
optional (contracts/raw_tables.py). `marts.source_coverage` lists every contract table and
whether it holds rows. A page (or a part of one) that needs an optional table asks `has_sources`
first: when a table is missing it shows the same plain message everywhere, e.g. "Return rate
needs the optional returns table; this shop's batches did not deliver it." and draws no figure,
so an absent source never shows as a 0 that looks real. docs/required-only.md lists what each
optional table unlocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app import db

COVERAGE_TABLE = "marts.source_coverage"
DELIVERED = f"select source_table from {COVERAGE_TABLE} where has_rows"
COVERAGE_ROWS = f"""
select source_table, is_required, has_rows, row_count, batch_count, first_event_at,
    last_event_at, last_loaded_at
from {COVERAGE_TABLE}
order by not is_required, not has_rows, source_table
"""
#: How a missing descriptive value (an optional column a shop did not send) is shown and filtered.
NOT_RECORDED = "not recorded"


def delivered_sources(url: str) -> frozenset[str] | None:
    """Source tables holding rows; None when the warehouse has no source_coverage mart (built
    before it existed): then nothing is known to be missing and pages behave as before."""
    if not db.relation_exists(url, COVERAGE_TABLE):
        return None
    return frozenset(db.query(url, DELIVERED)["source_table"])


def missing_sources(url: str, tables: Sequence[str]) -> list[str]:
    """The tables of `tables` this warehouse holds no rows of (in the order given)."""
    present = delivered_sources(url)
    if present is None:
        return []
    return [t for t in tables if t not in present]


def _names(tables: Sequence[str]) -> str:
    quoted = [f"`{t}`" for t in tables]
    return (
        quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    )


def needs_message(what: str, tables: Sequence[str], missing: Sequence[str]) -> str:
    """'<what> needs the optional <tables> table(s); this shop's batches did not deliver ...'."""
    noun = "table" if len(tables) == 1 else "tables"
    if list(missing) == list(tables):
        gone = "it" if len(tables) == 1 else "them"
    else:
        gone = _names(missing)
    return (
        f"{what} needs the optional {_names(tables)} {noun}; "
        f"this shop's batches did not deliver {gone}."
    )


def has_sources(url: str, what: str, tables: Sequence[str]) -> bool:
    """True when every table in `tables` holds rows; otherwise shows which data `what` needs
    (one info box) and returns False: the caller then draws nothing for it."""
    missing = missing_sources(url, tables)
    if not missing:
        return True
    st.info(needs_message(what, tables, missing), icon=":material/info:")
    return False


def coverage_rows(url: str):
    """Every contract source table with its rows, batches and event span (a DataFrame)."""
    return db.query(url, COVERAGE_ROWS)
