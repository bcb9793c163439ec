"""Overview page on the real world warehouse: KPIs, period filter, live mode, downloads."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

KPI_LABELS = [
    "Revenue",
    "Orders",
    "Average order value",
    "Active customers",
    "Conversion (sessions → orders)",
    "Return rate (units)",
]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_kpis_with_deltas_and_period_filter(world_app, page):
    at = page("overview").run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = _metrics(at)
    assert list(metrics) == KPI_LABELS
    assert metrics["Revenue"].startswith("$") and metrics["Revenue"] != "$0"
    assert all(m.delta for m in at.metric), (
        "every KPI has a delta vs the previous period"
    )
    assert len(at.get("plotly_chart")) == 4

    at.radio(key="overview-period").set_value("7 days").run()
    assert not at.exception
    week = _metrics(at)
    assert week["Orders"] != metrics["Orders"]
    assert int(week["Orders"].replace(",", "")) < int(
        metrics["Orders"].replace(",", "")
    )


def test_live_mode_refreshes_kpis_in_a_fragment(world_app, page):
    at = page("overview").run()
    at.toggle(key="overview-live").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("live: refreshed" in c.value for c in at.caption)
    assert list(_metrics(at)) == KPI_LABELS


class _Report(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.kpis: dict[str, str] = {}
        self.external_scripts: list[str] = []
        self.plots = 0
        self._kpi: str | None = None
        self._value = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.external_scripts.append(a["src"])
        if a.get("data-kpi"):
            self._kpi = a["data-kpi"]
        if a.get("class") == "value" and self._kpi:
            self._value = True
        if a.get("class") == "plotly-graph-div":
            self.plots += 1

    def handle_data(self, data):
        if self._value:
            self.kpis[self._kpi] = data
            self._value = False


def test_executive_summary_is_self_contained_html_with_the_kpis(
    world_app, page, downloads
):
    at = page("overview").run()
    served = downloads.file(at, "dl-executive-summary")
    assert served.filename.startswith(
        "executive-summary-"
    ) and served.filename.endswith(".html")
    assert served.mimetype == "text/html"
    report = _Report()
    report.feed(served.content.decode("utf-8"))
    assert report.external_scripts == [], "the report must open offline"
    assert report.plots == 4
    assert report.kpis == _metrics(at), "the report shows the numbers the page shows"


def test_daily_table_downloads_as_csv_and_excel(world_app, page, downloads):
    at = page("overview").run()
    shown = at.dataframe[0].value
    csv = pd.read_csv(io.BytesIO(downloads.get(at, "dl-overview-daily-csv")))
    assert list(csv.columns) == ["day", "revenue", "orders", "average_order_value"]
    assert len(csv) == len(shown) == 30
    book = openpyxl.load_workbook(
        io.BytesIO(downloads.get(at, "dl-overview-daily-xlsx"))
    )
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("day", "revenue", "orders", "average_order_value")
    assert len(rows) - 1 == len(shown)
    assert sum(r[2] for r in rows[1:]) == shown["orders"].sum()
