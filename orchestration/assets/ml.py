"""Group `ml`: churn model (tuned, tracked, registered, gated), churn scores, CLV, recommender.

Every asset reads marts that `warehouse_dbt` built (its deps say which) and none runs dbt: the
churn cutoffs are configuration of the warehouse build (`WarehouseBuildConfig`).
"""

import dagster as dg
from pydantic import Field

from orchestration.resources import WarehouseResource

OWNER = "team:ml-engineering"
FEATURES = dg.AssetKey(["ml_features", "ml_customer_features"])
LABELS = dg.AssetKey(["ml_features", "ml_churn_labels"])
CUTOFFS = dg.AssetKey(["ml_features", "ml_cutoffs"])
INTERACTIONS_DAILY = dg.AssetKey(["ml_features", "ml_interactions_daily"])
RATINGS = dg.AssetKey(["ml_features", "ml_ratings"])
FCT_ORDERS = dg.AssetKey(["marts", "fct_orders"])
DIM_CUSTOMERS = dg.AssetKey(["marts", "dim_customers"])
DIM_PRODUCTS = dg.AssetKey(["marts", "dim_products"])


class TrainingConfig(dg.Config):
    n_trials: int = Field(
        default=10, description="optuna trials (each a nested MLflow run)"
    )
    margin: float = Field(
        default=0.0, description="improvement over the champion needed to promote"
    )


class RecommenderConfig(TrainingConfig):
    protocol: str = Field(
        default="new_items",
        description="primary evaluation protocol: 'new_items' (discovery, seen items never "
        "recommended) or 'all_items' (next purchases, repeats included: grocery); selection "
        "and the gate use it, so under 'all_items' a repeat-aware champion can ship",
    )


class ClvConfig(dg.Config):
    holdout_days: int = Field(
        default=90,
        description="days at the end of the data held out to validate the CLV fit",
    )


@dg.asset(
    key=["ml", "churn_model"],
    group_name="ml",
    deps=[FEATURES, LABELS, CUTOFFS],
    kinds={"xgboost", "mlflow"},
    owners=[OWNER],
    description="Churn model `ecom-churn`: optuna-tuned XGBoost pipeline on the point-in-time "
    "features of the training cutoffs in `ml_cutoffs`, evaluated on its evaluation cutoff "
    "against a recency/frequency logistic baseline, registered in MLflow; alias `champion` "
    "only when it passes the quality bar and beats the current champion (else `challenger`).",
    check_specs=[
        dg.AssetCheckSpec(
            "quality_bar",
            asset=["ml", "churn_model"],
            blocking=True,
            description="ROC AUC >= 0.6 and >= the recency/frequency baseline's on the "
            "evaluation cutoff (time-based holdout)",
        )
    ],
)
def churn_model(warehouse: WarehouseResource, config: TrainingConfig):
    from ml.churn.train import train_and_register

    result = train_and_register(
        warehouse.url(), n_trials=config.n_trials, margin=config.margin
    )
    m = result.metrics
    yield dg.MaterializeResult(
        asset_key=["ml", "churn_model"],
        metadata={
            "model_version": result.version,
            "alias": result.alias,
            "gate": result.gate_reason,
            "roc_auc": m.get("roc_auc"),
            "accuracy": m.get("accuracy"),
            "baseline_roc_auc": result.baseline_metrics.get("roc_auc"),
            "mlflow_run_id": result.run_id,
            "train_cutoffs": ", ".join(result.train_cutoffs),
            "eval_cutoff": result.eval_cutoff,
            "n_train": result.n_train,
            "n_eval": result.n_eval,
        },
    )
    bar = result.quality_bar
    yield dg.AssetCheckResult(
        asset_key=["ml", "churn_model"],
        check_name="quality_bar",
        passed=bool(bar.get("passed")),
        metadata={
            k: v for k, v in bar.items() if isinstance(v, int | float | str | bool)
        },
    )


@dg.asset_check(
    asset=FEATURES,
    name="no_information_after_cutoff",
    blocking=True,
    description="Every date in the feature mart is on or before its row's cutoff_date.",
)
def features_point_in_time(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from orchestration.ml_checks import dates_after_cutoff

    violations = dates_after_cutoff(
        warehouse.url(), "ml_features", "ml_customer_features"
    )
    return dg.AssetCheckResult(
        passed=not violations, metadata={"violations": str(violations or "none")}
    )


@dg.asset(
    key=["ml", "churn_scores"],
    group_name="ml",
    deps=[dg.AssetKey(["ml", "churn_model"]), FEATURES],
    kinds={"postgres"},
    owners=[OWNER],
    description="`ml.churn_scores`: churn probability and risk band per active customer from "
    "`models:/ecom-churn@champion` at the scoring cutoff (model version and scored_at on "
    "every row).",
)
def churn_scores(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml.churn.batch import score_customers

    rows = score_customers(warehouse.url())
    return dg.MaterializeResult(
        metadata={"dagster/row_count": dg.MetadataValue.int(rows)}
    )


@dg.asset(
    key=["ml", "customer_clv"],
    group_name="ml",
    deps=[FCT_ORDERS],
    kinds={"scipy", "postgres"},
    owners=[OWNER],
    description="`ml.customer_clv`: BG/NBD + Gamma-Gamma fitted on the purchase log — P(alive), "
    "expected purchases and discounted 12-month CLV per customer; the fit is validated on a "
    "time-based holdout against a same-rate baseline (metadata).",
)
def customer_clv(
    warehouse: WarehouseResource, config: ClvConfig
) -> dg.MaterializeResult:
    import datetime as dt

    from ml.clv.batch import score_clv
    from ml.clv.evaluate import holdout_evaluation
    from ml.clv.marts import purchase_log
    from ml.clv.report import log_holdout_evaluation

    url = warehouse.url()
    rows = score_clv(url)
    transactions, end = purchase_log(url)
    calibration_end = end - dt.timedelta(days=config.holdout_days)
    evaluation = holdout_evaluation(transactions, calibration_end, end)
    run_id = log_holdout_evaluation(
        evaluation, calibration_end=calibration_end, holdout_end=end, url=url
    )
    holdout = evaluation.metrics
    curve = evaluation.cumulative
    weekly = curve.iloc[:: max(1, len(curve) // 6)]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "observation_end": end.isoformat(),
            "calibration_end": calibration_end.isoformat(),
            "mlflow_run_id": run_id,
            "holdout_beats_same_rate": bool(holdout["mae"] < holdout["naive_mae"]),
            "cumulative_curve": dg.MetadataValue.md(
                "| week | predicted | actual |\n|---|---|---|\n"
                + "\n".join(
                    f"| {w} | {p:,.0f} | {a:,.0f} |"
                    for w, p, a in weekly[["week", "predicted", "actual"]].itertuples(
                        index=False
                    )
                )
            ),
            **{f"holdout_{k}": float(v) for k, v in holdout.items()},
        }
    )


@dg.asset(
    key=["ml", "recommender_model"],
    group_name="ml",
    deps=[INTERACTIONS_DAILY, RATINGS, DIM_CUSTOMERS],
    kinds={"implicit", "mlflow"},
    owners=[OWNER],
    description="Recommender `ecom-recommender`: candidates (ALS, item-kNN, their repeat-aware "
    "blends, popularity, buy-again) tuned on a validation split, selected under the configured "
    "protocol (new items or all items), evaluated on a temporal holdout under both (NDCG@10 vs "
    "popularity and buy-again), registered with the same champion/challenger gate.",
)
def recommender_model(
    warehouse: WarehouseResource, config: RecommenderConfig
) -> dg.MaterializeResult:
    from ml.recommender.train import train_and_register

    result = train_and_register(
        warehouse.url(),
        n_trials=config.n_trials,
        margin=config.margin,
        protocol=config.protocol,
    )
    flat = {k: v for k, v in result.metrics.items() if isinstance(v, int | float | str)}
    return dg.MaterializeResult(
        metadata={
            "model_version": result.version,
            "alias": result.alias,
            "gate": result.gate_reason,
            "method": str(result.recipe.get("method")),
            "mlflow_run_id": result.run_id,
            **flat,
        }
    )


@dg.asset(
    key=["ml", "recommendations"],
    group_name="ml",
    deps=[dg.AssetKey(["ml", "recommender_model"]), DIM_CUSTOMERS, DIM_PRODUCTS],
    kinds={"postgres"},
    owners=[OWNER],
    description="`ml.recommendations` (top-10 per customer, cold-start flagged) and "
    "`ml.similar_products` (top-10 per product) from `models:/ecom-recommender@champion`.",
)
def recommendations(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml.recommender.batch import write_batch_outputs

    rows = write_batch_outputs(warehouse.url())
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows["recommendations"]),
            "similar_products_rows": dg.MetadataValue.int(rows["similar_products"]),
        }
    )
