"""Every table in the app is shown through `table`: a dataframe plus CSV and Excel downloads.

Files are produced only when the user clicks (Streamlit's deferred download data), so pages
render fast however large the table is.
"""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import streamlit as st

CSV_MIME = "text/csv"
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV without the index."""
    return df.to_csv(index=False).encode("utf-8")


def _excel_cell(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return value


def excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    """A copy Excel can store: timezone-aware timestamps as naive UTC, nested values as JSON."""
    out = df.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            out[name] = column.dt.tz_convert("UTC").dt.tz_localize(None)
        elif column.dtype == object:
            converted = column.map(_excel_cell)
            if converted.map(lambda v: getattr(v, "tzinfo", None) is not None).any():
                converted = pd.to_datetime(converted, utc=True).dt.tz_localize(None)
            out[name] = converted
    return out


def sheet_name(name: str) -> str:
    """An Excel-legal sheet name (<= 31 characters, none of []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "data"


def to_excel_bytes(df: pd.DataFrame, name: str = "data") -> bytes:
    """An .xlsx workbook (openpyxl) with `df` on one sheet named after `name`."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        excel_ready(df).to_excel(writer, sheet_name=sheet_name(name), index=False)
    return buffer.getvalue()


def download_buttons(df: pd.DataFrame, name: str, key: str | None = None) -> None:
    """CSV and Excel download buttons for `df`; files are named `<name>.csv|.xlsx`."""
    key = key or name
    left, right, _ = st.columns([1, 1, 6])
    with left:
        st.download_button(
            "⬇ CSV",
            data=lambda: to_csv_bytes(df),
            file_name=f"{name}.csv",
            mime=CSV_MIME,
            key=f"dl-{key}-csv",
            on_click="ignore",
        )
    with right:
        st.download_button(
            "⬇ Excel",
            data=lambda: to_excel_bytes(df, name),
            file_name=f"{name}.xlsx",
            mime=EXCEL_MIME,
            key=f"dl-{key}-xlsx",
            on_click="ignore",
        )


def table(
    df: pd.DataFrame,
    name: str,
    *,
    key: str | None = None,
    height: int | None = None,
    column_config: dict | None = None,
    full: pd.DataFrame | None = None,
) -> None:
    """Show `df` (no index) with CSV/Excel download buttons underneath; the files hold `full`
    when given (e.g. all rows of a table shown truncated)."""
    st.dataframe(
        df,
        hide_index=True,
        height=height or "auto",
        column_config=column_config,
    )
    download_buttons(df if full is None else full, name, key)
