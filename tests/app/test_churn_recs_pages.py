"""Churn risk and Recommendations pages on the real world warehouse."""

from __future__ import annotations

import io

import pandas as pd
import psycopg
import pytest

pytestmark = pytest.mark.slow


def _count(at, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_churn_page_filters_drivers_and_model_version(world_app, page):
    at = page("churn").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "version **1**" in at.info[0].value and "ecom-churn" in at.info[0].value
    selected = _count(at, "Selected at-risk customers")
    table = at.dataframe[0].value
    assert selected > 0 and len(table) == min(
        selected, 500
    )  # the page shows 500 at most
    assert set(table["risk_band"]) <= {"high", "medium"}
    if selected > 500:
        assert "Showing the 500 highest" in " ".join(c.value for c in at.caption)

    at.slider(key="churn-floor").set_value(0.8).run()
    high_only = _count(at, "Selected at-risk customers")
    assert high_only < selected
    assert (at.dataframe[0].value["churn_probability"] >= 0.8).all()

    at.multiselect(key="churn-bands").set_value(["low"]).run()
    assert _count(at, "Selected at-risk customers") == 0

    drivers = at.dataframe[-1].value
    assert {"feature", "correlation"} <= set(drivers.columns) and len(drivers) > 5
    assert "days_since_last_order" in set(drivers["feature"])


def test_churn_drivers_fall_back_when_mlflow_has_no_model(world_app, page):
    at = page("churn").run()
    at.radio(key="churn-drivers-source").set_value(
        "Model feature importance (MLflow)"
    ).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(
        "model importance unavailable" in w.value
        or "no MLflow tracking store" in w.value
        for w in at.warning
    )
    assert "correlation" in at.dataframe[-1].value.columns


def test_recommendations_fall_back_to_the_warehouse_and_follow_the_customer(
    world_app, page, downloads, app_world
):
    at = page("recommendations").run()
    assert not at.exception, [e.message for e in at.exception]
    source = next(c.value for c in at.caption if c.value.startswith("Source:"))
    assert "warehouse table ml.recommendations" in source and "not reachable" in source
    recs, history = at.dataframe[0].value, at.dataframe[1].value
    assert recs["rank"].tolist() == list(range(1, 11))
    assert len(history) > 0
    first = at.number_input(key="recs-customer").value

    csv = pd.read_csv(io.BytesIO(downloads.get(at, "dl-recs-items-csv")))
    assert csv["product_id"].tolist() == recs["product_id"].tolist()

    at.slider(key="recs-k").set_value(5).run()
    assert len(at.dataframe[0].value) == 5
    other = first + 1
    at.number_input(key="recs-customer").set_value(other).run()
    assert not at.exception
    with psycopg.connect(app_world.url) as conn:
        expected = [
            r[0]
            for r in conn.execute(
                "select product_id from ml.recommendations where customer_id = %s order by rank limit 5",
                (other,),
            )
        ]
    assert at.dataframe[0].value["product_id"].tolist() == expected
