"""Where the project's non-Python parts live (dbt project, landing directory, Dagster home)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def dbt_project_dir() -> Path:
    return Path(os.environ.get("ECOM_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project"))


def ecom_home() -> Path:
    from warehouse.settings import get_settings

    return get_settings().home


def landing_dir() -> Path:
    """Where batches land (one sub-directory per batch): ECOM_LANDING_DIR or <home>/landing."""
    from warehouse.settings import get_settings

    return get_settings().landing
