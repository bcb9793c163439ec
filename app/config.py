"""Settings of the BI app (pydantic-settings, read from `ECOM_*` variables or `.env`)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class AppSettings(BaseSettings):
    """Where the app finds the prediction API and dbt's artifacts, and how often it refreshes.

    The warehouse itself comes from `warehouse.settings` (ECOM_DATABASE_URL or the embedded
    server).
    """

    model_config = SettingsConfigDict(
        env_prefix="ECOM_", env_file=".env", extra="ignore"
    )

    api_url: str = Field(
        default="http://127.0.0.1:8000", description="base URL of the prediction API"
    )
    api_key: str | None = Field(
        default=None, description="sent as X-API-Key to the prediction API when set"
    )
    api_timeout_seconds: float = Field(
        default=1.0, gt=0, description="give up on the API after this long"
    )
    app_live_interval_seconds: int = Field(
        default=30, ge=2, description="refresh interval of the Overview's live mode"
    )
    dbt_target_dir: Path | None = Field(
        default=None,
        description="dbt's target directory (run_results.json, sources.json). Unset: "
        "$DBT_TARGET_PATH, else dbt_project/target.",
    )

    def resolved_dbt_target_dir(self) -> Path:
        """The directory holding dbt's run artifacts."""
        if self.dbt_target_dir is not None:
            return self.dbt_target_dir
        if os.environ.get("DBT_TARGET_PATH"):
            return Path(os.environ["DBT_TARGET_PATH"])
        return REPO_ROOT / "dbt_project" / "target"


def get_app_settings() -> AppSettings:
    """Fresh settings (cheap; the environment may change between reruns)."""
    return AppSettings()
