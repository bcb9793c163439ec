"""Group `warehouse`: every dbt model, snapshot and seed; dbt tests surface as asset checks."""

import json
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from pydantic import Field

from orchestration.dbt_project import ensure_manifest, get_dbt_project
from orchestration.resources import WarehouseResource

DBT_PROJECT = get_dbt_project()
DBT_PROJECT.prepare_if_dev()  # under `dagster dev`: re-parse on reload
ensure_manifest(DBT_PROJECT)  # otherwise: parse once when missing or stale


class EcomDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the `raw` tables the load produces; every dbt node is in group `warehouse`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return (
            dbt_resource_props.get("description")
            or f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}"
        )


class WarehouseBuildConfig(dg.Config):
    """How to build the warehouse. The ML cutoff plan is part of it: the churn model trains on
    whatever `ml_features.ml_cutoffs` this build produced and never runs dbt itself. Unset
    fields keep the dbt project's defaults (dbt_project.yml vars)."""

    full_refresh: bool = Field(
        default=False, description="rebuild incremental models from scratch"
    )
    churn_horizon_days: int | None = Field(
        default=None,
        description="churn label horizon in days (dbt var churn_horizon_days; default 90)",
    )
    ml_train_cutoff_count: int | None = Field(
        default=None,
        description="training cutoffs before the evaluation cutoff (dbt var; default 3)",
    )
    ml_cutoff_step_days: int | None = Field(
        default=None,
        description="days between training cutoffs (dbt var; default: the horizon)",
    )
    ml_cutoff_dates: list[str] = Field(
        default_factory=list,
        description="explicit ML cutoffs as YYYY-MM-DD (dbt var ml_cutoff_dates; "
        "overrides the default plan)",
    )

    def dbt_vars(self) -> dict[str, Any]:
        """The dbt --vars this config sets (only the fields that are set)."""
        values: dict[str, Any] = {
            "churn_horizon_days": self.churn_horizon_days,
            "ml_train_cutoff_count": self.ml_train_cutoff_count,
            "ml_cutoff_step_days": self.ml_cutoff_step_days,
            "ml_cutoff_dates": list(self.ml_cutoff_dates) or None,
        }
        return {k: v for k, v in values.items() if v is not None}

    def dbt_args(self) -> list[str]:
        """`build` plus --full-refresh and --vars as configured."""
        args = ["build", *(["--full-refresh"] if self.full_refresh else [])]
        if dbt_vars := self.dbt_vars():
            args += ["--vars", json.dumps(dbt_vars)]
        return args


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    name="warehouse_dbt",
    dagster_dbt_translator=EcomDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_code_references=True)
    ),
)
def warehouse_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: WarehouseBuildConfig,
):
    """`dbt build` (models, snapshots, tests) for the selected models, with row counts."""
    from orchestration.dbt_metadata import load_manifest_nodes, with_row_counts
    from warehouse.connection import dbt_env

    url = warehouse.url()
    os.environ.update(dbt_env(url))
    args = config.dbt_args()
    nodes = load_manifest_nodes(DBT_PROJECT.manifest_path)
    yield from with_row_counts(dbt.cli(args, context=context).stream(), url, nodes)
