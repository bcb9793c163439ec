"""The layer rules (import-linter contracts in pyproject.toml) hold, and they do catch a
forbidden import when one is added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = (
    "contracts",
    "warehouse",
    "seeds_generator",
    "ml",
    "evaluation",
    "orchestration",
    "serving",
    "app",
)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_tree(target: Path) -> None:
    shutil.copy(REPO_ROOT / "pyproject.toml", target / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )


def test_the_project_keeps_its_layer_contracts() -> None:
    result = _lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_a_forbidden_import_breaks_the_contracts(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    clean = _lint_imports(tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    offender = tmp_path / "ml" / "churn" / "batch.py"
    offender.write_text(
        offender.read_text() + "\nfrom orchestration import steps  # noqa: E402\n"
    )
    generator = tmp_path / "warehouse" / "loader.py"
    generator.write_text(
        generator.read_text() + "\nimport seeds_generator  # noqa: E402\n"
    )
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "ml.churn.batch -> orchestration.steps" in broken.stdout
    assert "warehouse.loader -> seeds_generator" in broken.stdout
