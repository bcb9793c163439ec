"""Sales and Customers & CLV pages on the real world warehouse: filters change the data."""

from __future__ import annotations

import io

import openpyxl
import pytest

pytestmark = pytest.mark.slow


def _money(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_sales_filters_change_the_data(world_app, page):
    at = page("sales").run()
    assert not at.exception, [e.message for e in at.exception]
    everything = _money(_metrics(at)["Merchandise revenue"])
    assert everything > 0
    assert len(at.get("plotly_chart")) == 4  # trend, treemap, brands, map
    brands_all = at.dataframe[1].value["revenue"].sum()

    at.multiselect(key="sales-channels").set_value(["web"]).run()
    web = _money(_metrics(at)["Merchandise revenue"])
    assert 0 < web < everything

    at.multiselect(key="sales-segments").set_value(["platinum"]).run()
    assert not at.exception
    platinum_web = _money(_metrics(at)["Merchandise revenue"])
    assert 0 < platinum_web < web
    assert 0 < at.dataframe[1].value["revenue"].sum() < brands_all


def test_sales_date_range_and_empty_selection(world_app, page):
    at = page("sales").run()
    _, end = at.date_input(key="sales-dates").value
    year = _money(_metrics(at)["Merchandise revenue"])
    at.date_input(key="sales-dates").set_value((end.replace(day=1), end)).run()
    assert not at.exception
    assert 0 < _money(_metrics(at)["Merchandise revenue"]) < year
    at.multiselect(key="sales-channels").set_value([]).run()
    assert [w.value for w in at.warning] == [
        "Pick at least one sales channel and one customer segment."
    ]


def test_sales_brand_table_exports_to_excel(world_app, page, downloads):
    at = page("sales").run()
    shown = at.dataframe[1].value
    book = openpyxl.load_workbook(io.BytesIO(downloads.get(at, "dl-sales-brands-xlsx")))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == tuple(shown.columns)
    assert [r[0] for r in rows[1:]] == shown["brand_name"].tolist()
    assert book.sheetnames == ["sales-by-brand"]


def test_customers_page_cohorts_segments_clv_and_filters(world_app, page):
    at = page("customers").run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = _metrics(at)
    assert set(metrics) == {"Customers", "Lifetime spend", "Predicted 12-month CLV"}
    assert len(at.get("plotly_chart")) == 5  # cohorts, 2 x RFM, 2 x CLV
    assert any("by predicted CLV" in s.value for s in at.subheader)
    cohorts, segments, top = (d.value for d in at.dataframe)
    assert (cohorts["month_0"] == 1.0).all() and (
        cohorts["month_1"].dropna() <= 1.0
    ).all()
    assert segments["customers"].sum() == int(metrics["Customers"].replace(",", ""))
    assert top["clv_12m"].is_monotonic_decreasing

    at.multiselect(key="customers-tiers").set_value(["gold"]).run()
    assert not at.exception
    gold = _metrics(at)
    assert int(gold["Customers"].replace(",", "")) < int(
        metrics["Customers"].replace(",", "")
    )
    assert set(at.dataframe[2].value["loyalty_tier"]) == {"gold"}
