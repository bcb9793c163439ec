"""Shared page furniture: the error guard every page runs in, messages, number formats."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import streamlit as st

from app import coverage, db

ML_FIX = "ecom run        # or: make run"


def show_problem(problem: db.WarehouseProblem) -> None:
    """A warehouse problem as a readable error with the command that fixes it."""
    st.error(problem.message, icon=":material/error:")
    st.markdown("Fix it with:")
    st.code(problem.fix, language="bash")


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
