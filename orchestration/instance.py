"""The project-local Dagster instance (DAGSTER_HOME)."""

from __future__ import annotations

import os
from pathlib import Path


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME from the environment, else `<ECOM_HOME>/dagster`; created with a dagster.yaml."""
    from orchestration.paths import ecom_home

    home = Path(os.environ.get("DAGSTER_HOME") or ecom_home() / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home
