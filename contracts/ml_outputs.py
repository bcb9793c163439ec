"""The ML output contract: the tables batch jobs write back and the API and BI app read.

One definition per table (schema, name, columns with PostgreSQL types, primary key, meaning).
The writers (`warehouse.tables.replace_table`), the readers (serving, app) and the tests all
take layouts from here, so a table has exactly one shape wherever it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

ML_SCHEMA = "ml"
ANALYTICS_SCHEMA = "analytics"


@dataclass(frozen=True)
class OutputTable:
    """One output table: where it lives, its columns in order, its key and what a row means."""

    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL type) in table order
    primary_key: tuple[str, ...]
    description: str

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


CHURN_SCORES = OutputTable(
    ML_SCHEMA,
    "churn_scores",
    (
        ("customer_id", "bigint not null"),
        ("churn_probability", "double precision not null"),
        ("risk_band", "text not null"),
        ("model_name", "text not null"),
        ("model_version", "text not null"),
        ("scored_at", "timestamptz not null"),
        ("cutoff_date", "date not null"),
    ),
    primary_key=("customer_id",),
    description="Churn probability per active customer (>= 1 order by cutoff_date), "
    "from the registered model version named in each row.",
)

CUSTOMER_CLV = OutputTable(
    ML_SCHEMA,
    "customer_clv",
    (
        ("customer_id", "bigint not null"),
        ("frequency", "integer not null"),
        ("recency_weeks", "double precision not null"),
        ("tenure_weeks", "double precision not null"),
        ("monetary_value", "double precision not null"),
        ("p_alive", "double precision not null"),
        ("expected_purchases_90d", "double precision not null"),
        ("expected_avg_order_value", "double precision not null"),
        ("clv_12m", "double precision not null"),
        ("bgnbd_r", "double precision not null"),
        ("bgnbd_alpha", "double precision not null"),
        ("bgnbd_a", "double precision not null"),
        ("bgnbd_b", "double precision not null"),
        ("gamma_gamma_p", "double precision not null"),
        ("gamma_gamma_q", "double precision not null"),
        ("gamma_gamma_gamma", "double precision not null"),
        ("observation_end", "date not null"),
        ("fitted_at", "timestamptz not null"),
    ),
    primary_key=("customer_id",),
    description="BG/NBD + Gamma-Gamma CLV per customer with >= 1 purchase by observation_end "
    "(time unit: weeks; clv_12m discounted over 52 weeks).",
)

RECOMMENDATIONS = OutputTable(
    ML_SCHEMA,
    "recommendations",
    (
        ("customer_id", "bigint not null"),
        ("rank", "integer not null"),
        ("product_id", "bigint not null"),
        ("score", "double precision not null"),
        ("is_cold_start", "boolean not null"),
        ("model_name", "text not null"),
        ("model_version", "text not null"),
        ("generated_at", "timestamptz not null"),
    ),
    primary_key=("customer_id", "rank"),
    description="Top-k product recommendations per customer (version in each row); "
    "is_cold_start rows come from loyalty-tier popularity.",
)

SIMILAR_PRODUCTS = OutputTable(
    ML_SCHEMA,
    "similar_products",
    (
        ("product_id", "bigint not null"),
        ("rank", "integer not null"),
        ("similar_product_id", "bigint not null"),
        ("score", "double precision not null"),
        ("model_version", "text not null"),
        ("generated_at", "timestamptz not null"),
    ),
    primary_key=("product_id", "rank"),
    description="Top-k similar products per product from the recommender (version in each row).",
)

CAMPAIGN_EFFECTS = OutputTable(
    ANALYTICS_SCHEMA,
    "campaign_effects",
    (
        ("analysis", "text not null"),
        ("method", "text not null"),
        ("estimand", "text not null"),
        ("subgroup", "text"),
        ("estimate", "double precision"),
        ("std_error", "double precision"),
        ("ci_low", "double precision"),
        ("ci_high", "double precision"),
        ("p_value", "double precision"),
        ("n", "integer"),
        ("n_treated", "integer"),
        ("runtime_seconds", "double precision"),
        ("diagnostics", "jsonb"),
        ("data_batch_id", "text"),
        ("computed_at", "timestamptz not null"),
    ),
    primary_key=(),
    description="One row per causal estimate (campaign: naive, PSM, DoWhy, per-tier; rollout: "
    "DiD, TWFE, event study) with CI, n, run time and the data batch it saw.",
)

OUTPUT_TABLES: tuple[OutputTable, ...] = (
    CHURN_SCORES,
    CUSTOMER_CLV,
    RECOMMENDATIONS,
    SIMILAR_PRODUCTS,
    CAMPAIGN_EFFECTS,
)
