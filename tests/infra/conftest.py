"""Fixtures for the static deployment checks: parsed compose file, documented variables, tools."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"

_ENV_LINE = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=")


def _venv_tool(name: str) -> str:
    """Path of a console script next to this interpreter, else on PATH; fails clearly if absent."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"`{name}` is not installed (looked next to {sys.executable} and on PATH)"
        )
    return found


@pytest.fixture(scope="session")
def compose() -> dict:
    """docker-compose.yml as data."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def documented_vars() -> dict[str, str]:
    """Variables named in .env.example (set or commented out) -> their example value."""
    names: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ENV_LINE.match(line)
        if match:
            names[match.group(1)] = line.split("=", 1)[1].strip()
    return names


@pytest.fixture(scope="session")
def tool():
    """`tool(name)` -> path of an installed command-line tool (the test fails if it is missing)."""
    return _venv_tool
