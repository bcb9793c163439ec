"""Plotly figures used by the pages and the executive report (pure: frame in, figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

HEIGHT = 360
TEMPLATE = "plotly_white"


def _style(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title=title,
        template=TEMPLATE,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend_title_text="",
    )
    return fig


def period_trend(daily: pd.DataFrame, value: str, title: str) -> go.Figure:
    """`value` per day of the current period against the same day of the previous period."""
    fig = px.line(
        daily,
        x="day_index",
        y=value,
        color="period",
        hover_data={"day": "|%d %b %Y", "day_index": False},
        color_discrete_map={"current": "#1f77b4", "previous": "#b0b0b0"},
        labels={"day_index": "day of period", value: value.replace("_", " ")},
    )
    return _style(fig, title)


def time_series(frame: pd.DataFrame, x: str, y: str, title: str) -> go.Figure:
    fig = px.area(frame, x=x, y=y, labels={x: "", y: y.replace("_", " ")})
    return _style(fig, title)


def bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    *,
    horizontal: bool = False,
    color: str | None = None,
) -> go.Figure:
    if horizontal:
        fig = px.bar(frame, x=y, y=x, color=color, orientation="h")
        fig.update_yaxes(autorange="reversed", title="")
    else:
        fig = px.bar(frame, x=x, y=y, color=color)
        fig.update_xaxes(title="")
    return _style(fig, title)


#: Label of a hierarchy level a row has no value for (a product without a category).
MISSING_LEVEL = "not recorded"


def treemap(frame: pd.DataFrame, path: list[str], value: str, title: str) -> go.Figure:
    """Nested rectangles along `path`; a missing level is labelled, not dropped (plotly
    refuses rows whose path stops early)."""
    frame = frame.assign(**{c: frame[c].fillna(MISSING_LEVEL) for c in path})
    fig = px.treemap(frame, path=[px.Constant("all"), *path], values=value)
    fig.update_traces(root_color="#f4f4f4")
    return _style(fig, title, height=420)


def geo_bubbles(frame: pd.DataFrame, value: str, hover: str, title: str) -> go.Figure:
    """Bubbles at latitude/longitude sized by `value`, on a plain lat/lon map of the USA.

    No base-map tiles or topojson (the app runs offline): the axes are longitude and latitude.
    """
    fig = px.scatter(
        frame,
        x="longitude",
        y="latitude",
        size=value,
        color=value,
        hover_name=hover,
        color_continuous_scale="Blues",
        size_max=40,
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1.25, title="latitude")
    fig.update_xaxes(title="longitude")
    return _style(fig, title, height=460)


def heatmap(matrix: pd.DataFrame, title: str, *, percent: bool = True) -> go.Figure:
    fig = px.imshow(
        matrix,
        text_auto=".0%" if percent else True,
        aspect="auto",
        color_continuous_scale="Blues",
        labels={
            "x": matrix.columns.name or "",
            "y": matrix.index.name or "",
            "color": "",
        },
    )
    return _style(fig, title, height=max(HEIGHT, 28 * len(matrix) + 120))


def histogram(
    frame: pd.DataFrame,
    x: str,
    title: str,
    *,
    color: str | None = None,
    colors: dict[str, str] | None = None,
    nbins: int = 40,
) -> go.Figure:
    """Counts of `x`; `colors` maps each value of `color` to a colour (and fixes their order)."""
    fig = px.histogram(
        frame,
        x=x,
        color=color,
        nbins=nbins,
        color_discrete_map=colors or {},
        category_orders={color: list(colors)} if color and colors else {},
    )
    fig.update_layout(bargap=0.05)
    return _style(fig, title)


def forest(frame: pd.DataFrame, label: str, title: str) -> go.Figure:
    """Point estimates with confidence intervals (ci_low/ci_high), one row per `label`."""
    low = (frame["estimate"] - frame["ci_low"]).fillna(0)
    high = (frame["ci_high"] - frame["estimate"]).fillna(0)
    fig = go.Figure(
        go.Scatter(
            x=frame["estimate"],
            y=frame[label],
            mode="markers",
            marker={"size": 11, "color": "#1f77b4"},
            error_x={"type": "data", "array": high, "arrayminus": low, "thickness": 2},
            name="estimate (95% CI)",
        )
    )
    fig.add_vline(x=0, line_color="#999999")
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, height=max(260, 48 * len(frame) + 120))


def event_study(frame: pd.DataFrame, title: str) -> go.Figure:
    """Effects by week relative to the rollout with their confidence band."""
    fig = go.Figure(
        [
            go.Scatter(
                x=list(frame["week"]) + list(frame["week"])[::-1],
                y=list(frame["ci_high"]) + list(frame["ci_low"])[::-1],
                fill="toself",
                fillcolor="rgba(31,119,180,0.15)",
                line={"width": 0},
                name="95% CI",
            ),
            go.Scatter(
                x=frame["week"],
                y=frame["estimate"],
                mode="lines+markers",
                name="estimate",
            ),
        ]
    )
    fig.add_vline(x=-0.5, line_dash="dot", line_color="#999999")
    fig.add_hline(y=0, line_color="#999999")
    fig.update_xaxes(title="weeks relative to rollout")
    return _style(fig, title)
