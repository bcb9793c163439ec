"""Recommendations for one customer: from the prediction API when it answers quickly, else
from the warehouse table `ml.recommendations` (the API's own source)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pandas as pd
import streamlit as st

from app import db
from app.config import AppSettings
from contracts.ml_outputs import RECOMMENDATIONS

WAREHOUSE_SQL = f"""
select recs.rank, recs.product_id, products.product_name, products.category_name,
    products.brand_name, products.unit_price, recs.score, recs.is_cold_start,
    recs.model_version
from {RECOMMENDATIONS.qualified_name} as recs
left join marts.dim_products as products on recs.product_id = products.product_id
where recs.customer_id = %(customer_id)s
order by recs.rank
limit %(k)s
"""


@dataclass(frozen=True)
class Recommendations:
    items: pd.DataFrame
    source: str  # "api" or "warehouse"
    detail: str


@st.cache_data(ttl=30, show_spinner=False)
def _from_api(
    api_url: str, api_key: str | None, timeout: float, customer_id: int, k: int
) -> tuple[pd.DataFrame | None, str]:
    """(items or None, detail). Cached briefly so a down API costs one timeout per 30 s."""
    headers = {"X-API-Key": api_key} if api_key else {}
    url = f"{api_url.rstrip('/')}/v1/customers/{customer_id}/recommendations"
    try:
        response = httpx.get(url, params={"k": k}, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return None, f"API at {api_url} not reachable ({type(exc).__name__})"
    if response.status_code != 200:
        return None, f"API at {api_url} answered HTTP {response.status_code}"
    body = response.json()
    items = pd.DataFrame(body.get("items") or [])
    detail = (
        f"prediction API at {api_url} · {body.get('source')} · model version "
        f"{body.get('model_version') or '—'}"
    )
    if body.get("is_fallback"):
        detail += f" · fallback: {body.get('fallback_reason')}"
    return items, detail


def recommendations(
    url: str, settings: AppSettings, customer_id: int, k: int = 10
) -> Recommendations:
    """Top-k for `customer_id`: the API first, then `ml.recommendations`."""
    items, detail = _from_api(
        settings.api_url, settings.api_key, settings.api_timeout_seconds, customer_id, k
    )
    if items is not None:
        return Recommendations(items, "api", detail)
    rows = db.query(url, WAREHOUSE_SQL, {"customer_id": customer_id, "k": k})
    return Recommendations(
        rows,
        "warehouse",
        f"warehouse table {RECOMMENDATIONS.qualified_name} ({detail})",
    )
