"""The executive summary: one self-contained HTML file (Plotly's JavaScript inlined, no CDN)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from app.metrics import Kpi, Period

STYLE = """
body { font-family: -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif;
       margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2rem; } .muted { color: #666; }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem; margin: 1.5rem 0; }
.kpi { border: 1px solid #ddd; border-radius: 8px; padding: 0.8rem 1rem; }
.kpi .label { color: #555; font-size: 0.9rem; } .kpi .value { font-size: 1.6rem; font-weight: 600; }
.up { color: #1a7f37; } .down { color: #cf222e; }
table.data { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
table.data td, table.data th { border-bottom: 1px solid #eee; padding: 0.3rem 0.8rem; text-align: right; }
table.data th:first-child, table.data td:first-child { text-align: left; }
"""


def _kpi_card(kpi: Kpi) -> str:
    delta = kpi.formatted_delta()
    if delta is None:
        change = '<div class="delta muted">no comparison</div>'
    else:
        good = (kpi.delta or 0) >= 0
        if kpi.lower_is_better:
            good = not good
        change = (
            f'<div class="delta {"up" if good else "down"}">{html.escape(delta)} '
            "vs previous period</div>"
        )
    return (
        f'<div class="kpi" data-kpi="{html.escape(kpi.label)}">'
        f'<div class="label">{html.escape(kpi.label)}</div>'
        f'<div class="value">{html.escape(kpi.formatted())}</div>{change}</div>'
    )


def executive_summary_html(
    kpis: Sequence[Kpi],
    current: Period,
    previous: Period,
    figures: Sequence[tuple[str, go.Figure]],
    tables: Sequence[tuple[str, pd.DataFrame]] = (),
    *,
    generated_at: dt.datetime | None = None,
) -> str:
    """A standalone HTML report: KPI cards with deltas, interactive charts and small tables.

    Opens without network access: Plotly's JavaScript is embedded once in the page.
    """
    stamp = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    cards = "\n".join(_kpi_card(k) for k in kpis)
    charts = "\n".join(
        f'<section class="chart"><h2>{html.escape(title)}</h2>'
        f"{fig.to_html(full_html=False, include_plotlyjs=False, config={'displaylogo': False})}"
        "</section>"
        for title, fig in figures
    )
    table_html = "\n".join(
        f"<h2>{html.escape(title)}</h2>"
        + frame.to_html(
            index=False, classes="data", border=0, float_format=lambda v: f"{v:,.2f}"
        )
        for title, frame in tables
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Executive summary {html.escape(current.label())}</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<h1>Executive summary</h1>
<p class="muted">Period {html.escape(current.label())} compared with {html.escape(previous.label())}.
Generated {stamp}.</p>
<div class="kpis">
{cards}
</div>
{charts}
{table_html}
</body>
</html>
"""
