"""Unit tests of the app's pure helpers: KPI periods and deltas, exports, dbt artifacts,
the executive report and the server command."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import plotly.express as px
import pytest

from app import dbt_artifacts, exports
from app.metrics import Kpi, overview_kpis, periods
from app.report import executive_summary_html
from app.server import ENTRY, command


def test_periods_are_adjacent_and_equal_length():
    current, previous = periods(dt.date(2025, 3, 31), 30)
    assert (current.start, current.end) == (dt.date(2025, 3, 2), dt.date(2025, 3, 31))
    assert previous.end == current.start - dt.timedelta(days=1)
    assert previous.days == current.days == 30
    with pytest.raises(ValueError, match="at least one day"):
        periods(dt.date(2025, 3, 31), 0)


def test_kpi_deltas_relative_for_amounts_points_for_rates():
    assert Kpi("Revenue", 110.0, 100.0, "money").formatted_delta() == "+10.0%"
    assert Kpi("Conversion", 0.25, 0.20, "rate").formatted_delta() == "+5.00 pp"
    assert Kpi("Orders", 5, 0, "count").delta is None
    assert Kpi("Orders", None, 3, "count").formatted() == "—"


def test_overview_kpis_from_a_row():
    row = {
        "cur_revenue": 1000.0,
        "prev_revenue": 800.0,
        "cur_orders": 10,
        "prev_orders": 8,
        "cur_active_customers": 7,
        "prev_active_customers": 7,
        "cur_sessions": 100,
        "prev_sessions": 100,
        "cur_converted_sessions": 10,
        "prev_converted_sessions": 8,
        "cur_units": 50,
        "prev_units": 40,
        "cur_returned_units": 5,
        "prev_returned_units": 2,
    }
    kpis = {k.label: k for k in overview_kpis(row)}
    assert kpis["Average order value"].value == 100.0
    assert kpis["Conversion (sessions → orders)"].value == pytest.approx(0.10)
    assert kpis["Return rate (units)"].lower_is_better
    assert kpis["Return rate (units)"].delta == pytest.approx(0.10 - 0.05)


def test_excel_export_handles_timezones_and_nested_values():
    frame = pd.DataFrame(
        {
            "at": pd.to_datetime(["2025-01-01 12:00"], utc=True),
            "meta": [{"a": 1}],
            "n": [3],
        }
    )
    book = openpyxl.load_workbook(
        io.BytesIO(exports.to_excel_bytes(frame, "weird:name/ok"))
    )
    sheet = book["weird_name_ok"]
    assert [c.value for c in sheet[1]] == ["at", "meta", "n"]
    assert sheet["A2"].value == dt.datetime(2025, 1, 1, 12, 0)
    assert json.loads(sheet["B2"].value) == {"a": 1}
    assert exports.to_csv_bytes(frame).decode().splitlines()[0] == "at,meta,n"


def test_dbt_artifacts_absent_or_invalid(tmp_path):
    assert dbt_artifacts.load_run_results(tmp_path) is None
    assert dbt_artifacts.load_freshness(tmp_path) is None
    (tmp_path / "run_results.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"run_results\.json is not valid JSON"):
        dbt_artifacts.load_run_results(tmp_path)


def test_dbt_run_results_table(tmp_path):
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"generated_at": "2025-01-01T00:00:00Z"},
                "elapsed_time": 3.5,
                "args": {"which": "build"},
                "results": [
                    {
                        "unique_id": "model.ecom.fct_orders",
                        "status": "success",
                        "execution_time": 1.2,
                    },
                    {
                        "unique_id": "test.ecom.not_null_x.abc",
                        "status": "fail",
                        "failures": 3,
                    },
                    {"unique_id": "test.ecom.unique_y.def", "status": "pass"},
                ],
            }
        )
    )
    run = dbt_artifacts.load_run_results(tmp_path)
    assert run.command == "build" and run.elapsed_seconds == 3.5
    summary = dbt_artifacts.status_summary(run.results).set_index("resource_type")
    assert summary.loc["test", "fail"] == 1 and summary.loc["test", "pass"] == 1
    assert summary.loc["model", "success"] == 1


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("src"):
            self.external.append(dict(attrs)["src"])


def test_executive_report_embeds_plotly_and_no_external_scripts():
    current, previous = periods(dt.date(2025, 1, 31), 7)
    fig = px.bar(pd.DataFrame({"x": ["a"], "y": [1]}), x="x", y="y")
    page = executive_summary_html(
        [Kpi("Revenue", 10.0, 5.0, "money")], current, previous, [("Chart", fig)]
    )
    parser = _Scripts()
    parser.feed(page)
    assert parser.external == []
    assert len(page) > 1_000_000  # plotly.js itself is inline
    assert page.count("Plotly.newPlot") == 1
    assert 'data-kpi="Revenue"' in page and "+100.0%" in page


def test_server_command():
    cmd = command(port=8765)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert cmd[4] == str(ENTRY) and ENTRY.is_file()
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    with pytest.raises(ValueError, match="port"):
        command(port=0)


def test_treemap_labels_rows_without_a_category_instead_of_failing():
    from app import charts

    frame = pd.DataFrame(
        {
            "department_name": ["GROCERY", "GROCERY", None],
            "category_name": ["SOFT DRINKS", "BREAD", None],
            "revenue": [10.0, 5.0, 2.0],
        }
    )
    with pytest.raises(ValueError, match="Non-leaves rows"):  # what plotly does alone
        px.treemap(frame, path=[px.Constant("all"), "department_name", "category_name"])
    figure = charts.treemap(
        frame, ["department_name", "category_name"], "revenue", "Revenue"
    )
    (trace,) = figure.data
    labels = dict(zip(trace.ids, trace.values, strict=True))
    assert labels[f"all/{charts.MISSING_LEVEL}/{charts.MISSING_LEVEL}"] == 2.0
    assert labels["all/GROCERY"] == 15.0 and labels["all"] == 17.0
