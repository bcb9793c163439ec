"""The shared test world is the platform's own `full_refresh` job: every group materialized,
every check passed, the graph's lineage as declared (raw -> warehouse -> ml -> evaluation)."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.slow


def test_full_refresh_materializes_every_group(platform_world) -> None:
    done = platform_world.materialized
    assert {
        "landing/orders",
        "raw/orders",
        "staging/stg_shop__orders",
        "marts/fct_orders",
        "marts/dim_customers",
        "ml_features/ml_cutoffs",
        "ml_features/ml_interactions_daily",
        "ml/churn_model",
        "ml/churn_scores",
        "ml/customer_clv",
        "ml/recommender_model",
        "ml/recommendations",
        "analytics/campaign_effects",
    } <= done
    # generated data ships planted truth, so the evaluation group ran too
    assert {
        "evaluation/churn_vs_oracle",
        "evaluation/recommender_vs_planted",
        "evaluation/clv_vs_planted",
        "evaluation/causal_effects_vs_planted",
    } <= done


def test_every_check_passed_or_only_warned(platform_world) -> None:
    checks = platform_world.checks
    assert len(checks) > 500
    assert checks["landing/orders:raw_expectations"]
    assert checks["ml/churn_model:quality_bar"]
    assert [k for k, ok in checks.items() if not ok] == []


def test_raw_and_marts_agree(platform_world) -> None:
    with psycopg.connect(platform_world.url) as conn:
        raw_orders = conn.execute("select count(*) from raw.orders").fetchone()[0]
        fact_orders = conn.execute("select count(*) from marts.fct_orders").fetchone()[
            0
        ]
        scored = conn.execute("select count(*) from ml.churn_scores").fetchone()[0]
        customers = conn.execute("select count(*) from marts.dim_customers").fetchone()[
            0
        ]
    assert raw_orders > 10_000 and fact_orders == raw_orders
    assert 0 < scored <= customers
