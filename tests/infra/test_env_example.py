"""Every variable the platform's code reads is documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic_settings import BaseSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = (
    "contracts",
    "evaluation",
    "warehouse",
    "seeds_generator",
    "ml",
    "orchestration",
    "serving",
    "app",
    "dbt_project",
)
_NAME = re.compile(r"\b((?:ECOM|MLFLOW|DAGSTER)_[A-Z0-9_]*[A-Z0-9])\b(?!_)")


def _names_in_code() -> set[str]:
    names: set[str] = set()
    for folder in CODE_DIRS:
        for path in (REPO_ROOT / folder).rglob("*"):
            if (
                path.suffix in {".py", ".yml", ".yaml", ".sql"}
                and "target" not in path.parts
                and path.is_file()
            ):
                names |= set(_NAME.findall(path.read_text(errors="ignore")))
    return names


def _settings_names() -> set[str]:
    from app.config import AppSettings
    from serving.core.config import ServingSettings
    from warehouse.settings import WarehouseSettings

    names = set()
    settings_classes: tuple[type[BaseSettings], ...] = (
        AppSettings,
        ServingSettings,
        WarehouseSettings,
    )
    for cls in settings_classes:
        prefix = cls.model_config.get("env_prefix", "")
        names |= {f"{prefix}{field}".upper() for field in cls.model_fields}
    return names


def test_settings_fields_are_documented(documented_vars):
    missing = sorted(_settings_names() - documented_vars.keys())
    assert not missing, f"settings fields not documented in .env.example: {missing}"


def test_variables_read_in_code_are_documented(documented_vars):
    names = _names_in_code()
    assert "ECOM_DATABASE_URL" in names and "MLFLOW_TRACKING_URI" in names
    missing = sorted(n for n in names - documented_vars.keys() if n.startswith("ECOM_"))
    assert not missing, (
        f"ECOM_* variables read in code but not in .env.example: {missing}"
    )
    for name in ("MLFLOW_TRACKING_URI", "DAGSTER_HOME"):
        assert name in documented_vars, name


def test_example_sets_no_secret_values(documented_vars):
    for name, value in documented_vars.items():
        if any(word in name for word in ("PASSWORD", "KEY", "SECRET", "TOKEN")):
            assert value == "", (
                f".env.example gives {name} a value; leave secrets empty"
            )
