"""Every BI page on a required-only warehouse: renders without an exception or a warehouse
problem, says which optional table a missing figure needs, and shows no 0 for an absent
source."""

from __future__ import annotations

import re

import pytest

from app.coverage import needs_message
from app.page_names import PAGE_NAMES
from contracts.raw_tables import TABLES

pytestmark = pytest.mark.slow

PAGES = PAGE_NAMES

# what each page must say it needs (app.coverage.needs_message, one wording everywhere)
NEEDS = {
    "overview": [
        ("Conversion (sessions → orders)", ["web_sessions"]),
        ("Return rate (units)", ["returns"]),
        ("Revenue by department", ["categories"]),
    ],
    "sales": [
        ("Revenue by category", ["categories"]),
        ("Revenue by brand", ["brands"]),
        ("Revenue by ship-to city", ["geography"]),
    ],
    "campaigns": [("Campaign performance", ["campaigns"])],
}
# metrics that depend on an optional source and must not show a number without it
UNKNOWN_METRICS = {
    "overview": ["Conversion (sessions → orders)", "Return rate (units)"],
    "sales": ["Gross margin"],  # products.unit_cost not delivered
}
ZERO = re.compile(r"^\$?0(\.0+)?%?$")


def _run(page_test, name: str):
    at = page_test(name).run()
    assert not at.exception, (name, [e.message for e in at.exception])
    assert not at.error, (name, [e.value for e in at.error])
    return at


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_and_says_what_it_needs(required_only_app, page_test, name):
    at = _run(page_test, name)
    infos = [i.value for i in at.info]
    for what, tables in NEEDS.get(name, []):
        assert needs_message(what, tables, tables) in infos, infos
    metrics = {m.label: m.value for m in at.metric}
    for label in UNKNOWN_METRICS.get(name, []):
        assert metrics[label] == "—", (label, metrics[label])
    zeros = {k: v for k, v in metrics.items() if ZERO.match(str(v))}
    assert not zeros, f"{name} shows 0 for {zeros}"


def test_headline_figures_are_real(
    required_only_app, page_test, required_only_warehouse
):
    """Revenue and orders come from the required tables: shown, and equal to the marts."""
    import psycopg

    at = _run(page_test, "sales")
    metrics = {m.label: m.value for m in at.metric}
    start, end = at.date_input(key="sales-dates").value
    with psycopg.connect(required_only_warehouse.url) as conn:
        revenue, orders = conn.execute(
            "select sum(gross_revenue), sum(order_count) from marts.finance_sales_daily"
            " where grain = 'total' and ordered_date between %s and %s",
            (start, end),
        ).fetchone()
    assert orders > 0
    assert metrics["Orders"] == f"{orders:,.0f}"
    assert metrics["Merchandise revenue"] == f"${revenue:,.0f}"
    # customers without a loyalty tier are a segment of their own, not filtered out
    assert at.multiselect(key="sales-segments").value == ["not recorded"]


def test_customers_without_region_or_tier_are_counted(
    required_only_app, page_test, required_only_warehouse
):
    import psycopg

    at = _run(page_test, "customers")
    with psycopg.connect(required_only_warehouse.url) as conn:
        (customers,) = conn.execute(
            "select count(*) from marts.customer_360"
        ).fetchone()
    assert {m.label: m.value for m in at.metric}["Customers"] == f"{customers:,.0f}"
    assert at.multiselect(key="customers-regions").value == ["not recorded"]


def test_data_quality_lists_every_contract_table(required_only_app, page_test):
    at = _run(page_test, "data_quality")
    sources = at.dataframe[0].value
    assert sorted(sources["source_table"]) == sorted(t.name for t in TABLES)
    delivered = set(sources.loc[sources["has_rows"], "source_table"])
    assert delivered == {t.name for t in TABLES if t.required}
    assert any("0 of 13 optional tables hold data" in c.value for c in at.caption)


def test_every_page_renders_from_the_entry_point(required_only_app):
    from streamlit.testing.v1 import AppTest

    from app.server import ENTRY

    at = AppTest.from_file(str(ENTRY), default_timeout=120).run()
    for name in PAGES:
        at.switch_page(f"pages/{name}.py").run()
        assert not at.exception, (name, [e.message for e in at.exception])
        assert not at.error, (name, [e.value for e in at.error])
