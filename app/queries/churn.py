"""SQL behind the Churn risk page: scores joined to customer attributes, model versions, and
the association of each numeric feature with the score."""

from __future__ import annotations

import pandas as pd
from psycopg import sql

from app import db
from contracts.ml_outputs import CHURN_SCORES

SCORES = f"""
select
    scores.customer_id,
    scores.churn_probability,
    scores.risk_band,
    customers.loyalty_tier,
    customers.region,
    customers.rfm_segment,
    customers.purchase_count,
    customers.total_spend,
    customers.last_purchase_date,
    customers.recency_days
from {CHURN_SCORES.qualified_name} as scores
left join marts.customer_360 as customers on scores.customer_id = customers.customer_id
"""

MODELS = f"""
select model_name, model_version, cutoff_date, max(scored_at) as scored_at, count(*) as customers
from {CHURN_SCORES.qualified_name}
group by model_name, model_version, cutoff_date
order by scored_at desc
"""

NUMERIC_FEATURES = """
select column_name
from information_schema.columns
where table_schema = 'ml_features' and table_name = 'ml_customer_features'
    and data_type in ('integer', 'bigint', 'numeric', 'double precision', 'real', 'smallint')
    and column_name not in ('customer_id')
order by ordinal_position
"""


def scores(url: str) -> pd.DataFrame:
    """Every scored customer with tier, region, segment and spend (RelationMissing if unscored)."""
    return db.query(url, SCORES)


def models(url: str) -> pd.DataFrame:
    """The model name/version(s), cutoff and scoring time behind the scores."""
    return db.query(url, MODELS)


def feature_association(url: str) -> pd.DataFrame:
    """Pearson correlation of each numeric feature (ml_customer_features at the scores'
    cutoff) with the churn probability, strongest first."""
    names = db.query(url, NUMERIC_FEATURES)["column_name"].tolist()
    if not names:
        return pd.DataFrame(columns=["feature", "correlation"])
    columns = sql.SQL(", ").join(
        sql.SQL(
            "corr(features.{}::double precision, scores.churn_probability) as {}"
        ).format(sql.Identifier(name), sql.Identifier(name))
        for name in names
    )
    statement = sql.SQL(
        "select {} from " + CHURN_SCORES.qualified_name + " as scores"
        " inner join ml_features.ml_customer_features as features"
        " on scores.customer_id = features.customer_id and scores.cutoff_date = features.cutoff_date"
    ).format(columns)
    row = db.query(url, statement.as_string(None)).iloc[0]
    frame = pd.DataFrame(
        {"feature": row.index, "correlation": row.to_numpy(dtype=float)}
    )
    frame = frame.dropna()
    frame["strength"] = frame["correlation"].abs()
    return frame.sort_values("strength", ascending=False, ignore_index=True).drop(
        columns="strength"
    )
