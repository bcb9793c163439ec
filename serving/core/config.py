"""Settings of the prediction service (pydantic-settings; `ECOM_API_*` environment variables).

`ECOM_API_KEY` is the API key (the field `key` under the `ECOM_API_` prefix). The warehouse
is the read-only role's, `warehouse.connection.database_url(role="reader")` (ecom_reader on
the embedded server, else `ECOM_READER_DATABASE_URL`), unless `ECOM_API_DATABASE_URL`
overrides it; MLflow from `ECOM_API_TRACKING_URI`, else `MLFLOW_TRACKING_URI`, else the
embedded store under `<ECOM_HOME>/mlflow`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ml.churn.predict import DEFAULT_BAND_EDGES, MODEL_NAME


class ServingSettings(BaseSettings):
    """Everything the API process can be told from its environment (or a `.env` file)."""

    model_config = SettingsConfigDict(
        env_prefix="ECOM_API_", env_file=".env", extra="ignore"
    )

    key: SecretStr | None = Field(
        default=None,
        description="API key (env ECOM_API_KEY). Set: every /v1 route needs the X-API-Key "
        "header. Unset: /v1 is open but /v1/admin/* is disabled (503).",
    )
    host: str = Field(default="127.0.0.1", description="bind address")
    port: int = Field(default=8000, ge=1, le=65535, description="bind port")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="allowed CORS origins, comma-separated (empty: CORS off)",
    )
    database_url: str | None = Field(
        default=None,
        description="warehouse URL override; unset: the reader role's URL, "
        'warehouse.connection.database_url(role="reader")',
    )
    tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking/registry URI override; unset: MLFLOW_TRACKING_URI or "
        "the embedded store",
    )
    churn_model_name: str = Field(default=MODEL_NAME, min_length=1)
    model_alias: str = Field(default="champion", min_length=1)
    model_poll_seconds: float = Field(
        default=30.0,
        ge=0,
        description="how often the registry alias is checked; 0 turns polling off",
    )
    recommendations_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="how often the recommendation tables are checked for changes; 0: off",
    )
    max_batch_rows: int = Field(default=1000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    band_edges: tuple[float, float] = DEFAULT_BAND_EDGES
    pool_size: int = Field(default=8, ge=1, le=128, description="warehouse connections")
    pool_timeout_seconds: float = Field(default=2.0, gt=0)
    statement_timeout_ms: int = Field(default=5000, ge=0)
    log_level: str = Field(default="INFO")
    access_log: bool = Field(default=True, description="one JSON log line per request")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("band_edges")
    @classmethod
    def _check_edges(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 < low < high < 1:
            raise ValueError(f"band_edges must satisfy 0 < low < high < 1, got {value}")
        return value

    def warehouse_url(self) -> str:
        """`database_url`, else the warehouse's read-only role (starts the embedded server)."""
        if self.database_url:
            return self.database_url
        from warehouse.connection import database_url

        return database_url(role="reader")

    @property
    def api_key(self) -> str | None:
        """The configured key as text (None when unset or empty)."""
        if self.key is None or not self.key.get_secret_value():
            return None
        return self.key.get_secret_value()


def get_settings() -> ServingSettings:
    """Settings read from the environment now (not cached: tests build several apps)."""
    return ServingSettings()
