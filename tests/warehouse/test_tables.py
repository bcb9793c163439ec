"""warehouse.tables.replace_table: output tables replace the previous rows atomically, in the
contract's layout."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import psycopg
import pytest

from contracts.ml_outputs import CAMPAIGN_EFFECTS, CHURN_SCORES, OutputTable
from warehouse.tables import replace_table


def _scores(n: int, version: str, prob: float = 0.5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": range(1, n + 1),
            "churn_probability": prob,
            "risk_band": "medium",
            "model_name": "ecom-churn",
            "model_version": version,
            "scored_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            "cutoff_date": dt.date(2024, 12, 31),
        }
    )


def _rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select model_version, count(*) from ml.churn_scores group by 1 order by 1"
        ).fetchall()


def test_replace_creates_then_replaces(fresh_database):
    assert replace_table(fresh_database, CHURN_SCORES, _scores(5, "1")) == 5
    assert _rows(fresh_database) == [("1", 5)]
    replace_table(fresh_database, CHURN_SCORES, _scores(3, "2"))
    assert _rows(fresh_database) == [("2", 3)]
    with psycopg.connect(fresh_database) as conn:
        columns = conn.execute(
            "select column_name from information_schema.columns where table_schema = 'ml'"
            " and table_name = 'churn_scores' order by ordinal_position"
        ).fetchall()
        key = conn.execute(
            "select a.attname from pg_index i join pg_attribute a"
            " on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
            " where i.indrelid = 'ml.churn_scores'::regclass and i.indisprimary"
        ).fetchall()
    assert [c for (c,) in columns] == CHURN_SCORES.column_names
    assert [k for (k,) in key] == list(CHURN_SCORES.primary_key)


def test_failed_write_leaves_previous_scores(fresh_database):
    replace_table(fresh_database, CHURN_SCORES, _scores(4, "1"))
    bad = _scores(4, "2")
    bad.loc[2, "risk_band"] = None  # violates NOT NULL halfway through the COPY
    with pytest.raises(psycopg.errors.NotNullViolation):
        replace_table(fresh_database, CHURN_SCORES, bad)
    assert _rows(fresh_database) == [("1", 4)]


def test_missing_column_is_named(fresh_database):
    with pytest.raises(KeyError, match="risk_band"):
        replace_table(
            fresh_database, CHURN_SCORES, _scores(2, "1").drop(columns="risk_band")
        )


def test_changed_columns_recreate_the_table(fresh_database):
    old = OutputTable("ml", "t", (("a", "int"),), (), "a test table")
    new = dataclasses.replace(old, columns=(("a", "int"), ("b", "text")))
    replace_table(fresh_database, old, pd.DataFrame({"a": [1]}))
    replace_table(fresh_database, new, pd.DataFrame({"a": [2], "b": ["x"]}))
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("select a, b from ml.t").fetchall() == [(2, "x")]


def test_json_and_missing_values(fresh_database):
    row = {c: None for c in CAMPAIGN_EFFECTS.column_names}
    row.update(
        analysis="campaign",
        method="naive",
        estimand="ATT",
        estimate=float("nan"),
        n=pd.NA,
        diagnostics={"smd": [0.1, float("inf")], "note": "x"},
        computed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    frame = pd.DataFrame([row]).astype({"n": "Int64"})
    replace_table(fresh_database, CAMPAIGN_EFFECTS, frame)
    with psycopg.connect(fresh_database) as conn:
        estimate, n, diagnostics = conn.execute(
            "select estimate, n, diagnostics from analytics.campaign_effects"
        ).fetchone()
    assert estimate is None and n is None
    assert diagnostics == {"smd": [0.1, None], "note": "x"}
