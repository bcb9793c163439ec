"""ml.scoring.replace_table: batch outputs replace the previous ones atomically."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pytest

from ml.churn.batch import SCORES_COLUMNS, SCORES_TABLE
from ml.scoring import replace_table


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
    kw = {"primary_key": ("customer_id",)}
    assert (
        replace_table(
            fresh_database, SCORES_TABLE, _scores(5, "1"), SCORES_COLUMNS, **kw
        )
        == 5
    )
    assert _rows(fresh_database) == [("1", 5)]
    replace_table(fresh_database, SCORES_TABLE, _scores(3, "2"), SCORES_COLUMNS, **kw)
    assert _rows(fresh_database) == [("2", 3)]


def test_failed_write_leaves_previous_scores(fresh_database):
    replace_table(fresh_database, SCORES_TABLE, _scores(4, "1"), SCORES_COLUMNS)
    bad = _scores(4, "2")
    bad.loc[2, "risk_band"] = None  # violates NOT NULL halfway through the COPY
    with pytest.raises(psycopg.errors.NotNullViolation):
        replace_table(fresh_database, SCORES_TABLE, bad, SCORES_COLUMNS)
    assert _rows(fresh_database) == [("1", 4)]


def test_missing_column_is_named(fresh_database):
    with pytest.raises(KeyError, match="risk_band"):
        replace_table(
            fresh_database,
            SCORES_TABLE,
            _scores(2, "1").drop(columns="risk_band"),
            SCORES_COLUMNS,
        )


def test_changed_columns_recreate_the_table(fresh_database):
    replace_table(fresh_database, "t", pd.DataFrame({"a": [1]}), [("a", "int")])
    replace_table(
        fresh_database,
        "t",
        pd.DataFrame({"a": [2], "b": ["x"]}),
        [("a", "int"), ("b", "text")],
    )
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("select a, b from ml.t").fetchall() == [(2, "x")]
