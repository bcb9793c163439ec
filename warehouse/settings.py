"""Warehouse settings: which PostgreSQL to use and where project-local state lives."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    """`var/` in the source checkout when running from one, else `./var` under the cwd."""
    repo_root = Path(__file__).resolve().parents[1]
    if (repo_root / "pyproject.toml").exists():
        return repo_root / "var"
    return Path.cwd() / "var"


class WarehouseSettings(BaseSettings):
    """Read from `ECOM_*` environment variables or a `.env` file.

    `database_url` unset means: use the embedded PostgreSQL (pgserver) under `home/pgdata`.
    """

    model_config = SettingsConfigDict(
        env_prefix="ECOM_", env_file=".env", extra="ignore"
    )

    database_url: str | None = Field(
        default=None,
        description="libpq URL of a PostgreSQL server, e.g. postgresql://user@127.0.0.1:5432/ecom. "
        "Unset: the embedded server is used.",
    )
    reader_database_url: str | None = Field(
        default=None,
        description="server mode: libpq URL of the read-only role (ecom_reader) used by the API "
        "and the BI app. Unset: ECOM_DATABASE_URL (not least-privilege; a warning is logged). "
        "Ignored in embedded mode, where the reader is ecom_reader over the socket.",
    )
    home: Path = Field(
        default_factory=_default_home, description="project-local state directory"
    )
    embedded_database: str = Field(
        default="ecom", description="database created in the embedded server"
    )
    landing_dir: Path | None = Field(
        default=None,
        description="where source batches land, one sub-directory per batch "
        "(default: <home>/landing)",
    )
    ground_truth_dir: Path | None = Field(
        default=None,
        description="extra place the evaluation layer looks for batches with planted truth "
        "(besides the landing directory)",
    )

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def landing(self) -> Path:
        """The landing directory: `landing_dir`, else `<home>/landing`."""
        return self.landing_dir or self.home / "landing"

    @property
    def is_embedded(self) -> bool:
        return not self.database_url


@lru_cache(maxsize=1)
def get_settings() -> WarehouseSettings:
    return WarehouseSettings()
