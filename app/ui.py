"""Shared page furniture: the error guard every page runs in, messages, number formats."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import psycopg
import streamlit as st

from app import coverage, db

ML_FIX = "ecom run        # or: make run"
#: Nothing loaded: the demo end to end, or a batch of one's own then the build.
FIX_LOAD = "ecom run        # or: ecom load <batch dir> && ecom dbt build"
#: Raw batches loaded, marts never built: build them from what is there.
FIX_BUILD_LOADED = "ecom dbt build        # or: ecom run"
LOADED_BATCHES = "select count(*) as batches from raw._batches"


def show_problem(problem: db.WarehouseProblem) -> None:
    """A warehouse problem as a readable error with the command that fixes it."""
    st.error(problem.message, icon=":material/error:")
    st.markdown("Fix it with:")
    st.code(problem.fix, language="bash")


def loaded_batch_count(url: str) -> int | None:
    """Batches in the load ledger (raw._batches): 0 when there is no ledger, None when it
    cannot be read (then nothing is claimed about what was loaded)."""
    try:
        if not db.relation_exists(url, "raw._batches"):
            return 0
        return int(db.query(url, LOADED_BATCHES)["batches"].iloc[0])
    except (db.WarehouseProblem, psycopg.Error):
        return None


def unbuilt_problem(url: str, problem: db.WarehouseEmpty) -> db.WarehouseProblem:
    """`problem` (no marts) made specific: nothing loaded yet (load or run the demo), or raw
    batches loaded but never built (build them). Other emptiness is returned as it is."""
    try:
        if db.relation_exists(url, "marts.fct_orders"):
            return problem  # built, but holds no orders
    except (db.WarehouseProblem, psycopg.Error):
        return problem
    batches = loaded_batch_count(url)
    if batches == 0:
        return db.WarehouseProblem(
            f"No data loaded yet: {problem.message}, and raw holds no loaded batch.",
            FIX_LOAD,
        )
    if batches:
        noun = "batch" if batches == 1 else "batches"
        return db.WarehouseProblem(
            f"{problem.message}; raw holds {batches} loaded {noun}: build the marts from "
            f"{'it' if batches == 1 else 'them'}.",
            FIX_BUILD_LOADED,
        )
    return problem


def run_page(
    title: str,
    render: Callable[[str], None],
    *,
    needs_marts: bool = True,
    needs_sources: Sequence[str] = (),
) -> None:
    """Title, then `render(url)`; warehouse problems become a message instead of a traceback.

    `needs_sources`: optional source tables without which the whole page means nothing; when
    one was not delivered the page says so (app.coverage) instead of rendering."""
    st.title(title)
    try:
        url = db.warehouse_url()
        if needs_marts:
            db.require_marts(url)
        if needs_sources and not coverage.has_sources(url, title, needs_sources):
            return
        render(url)
    except db.WarehouseEmpty as problem:
        show_problem(unbuilt_problem(url, problem))
    except db.WarehouseProblem as problem:
        show_problem(problem)


def table_ready(url: str, relation: str, what: str) -> bool:
    """True when `relation` exists; otherwise shows that `what` is not available yet."""
    if db.relation_exists(url, relation):
        return True
    st.info(
        f"{what} not available yet: `{relation}` does not exist in the warehouse. "
        f"Run the pipeline to compute it: `{ML_FIX.split('#')[0].strip()}` (or `make run`).",
        icon=":material/hourglass_empty:",
    )
    return False


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None) -> str:
    """$1,234 (no cents) or '—' (unknown: None or NaN)."""
    return "—" if _missing(value) else f"${value:,.0f}"


def count(value: float | None) -> str:
    return "—" if _missing(value) else f"{value:,.0f}"


def percent(value: float | None, digits: int = 1) -> str:
    """0.1234 -> '12.3%'."""
    return "—" if value is None else f"{value:.{digits}%}"
