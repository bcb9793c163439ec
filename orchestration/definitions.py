"""The one Dagster `Definitions` for the platform (`dagster dev` loads it via pyproject)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.analytics import campaign_effects
from orchestration.assets.evaluation import EVALUATION_ASSETS, EVALUATION_CHECKS
from orchestration.assets.ml import (
    churn_model,
    churn_scores,
    customer_clv,
    features_point_in_time,
    recommendations,
    recommender_model,
)
from orchestration.assets.raw import landed_batch, raw_expectations, raw_tables
from orchestration.assets.warehouse import DBT_PROJECT, warehouse_dbt
from orchestration.dbt_runner import dbt_executable
from orchestration.jobs import daily_incremental_job, full_refresh_job, load_landed_job
from orchestration.resources import WarehouseResource
from orchestration.schedules import daily_incremental_schedule
from orchestration.sensors import landed_batch_sensor, run_failure_reporter

defs = dg.Definitions(
    assets=[
        landed_batch,
        raw_tables,
        warehouse_dbt,
        churn_model,
        churn_scores,
        customer_clv,
        recommender_model,
        recommendations,
        campaign_effects,
        *EVALUATION_ASSETS,
    ],
    asset_checks=[raw_expectations, features_point_in_time, *EVALUATION_CHECKS],
    jobs=[full_refresh_job, daily_incremental_job, load_landed_job],
    schedules=[daily_incremental_schedule],
    sensors=[landed_batch_sensor, run_failure_reporter],
    resources={
        "warehouse": WarehouseResource(),  # ECOM_DATABASE_URL or the embedded server
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    },
)
