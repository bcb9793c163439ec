"""Python reads marts, never staging or intermediate models (dbt's own tests excepted), and
production code never imports the generator (also an import-linter contract)."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCANNED = (
    "contracts",
    "warehouse",
    "ml",
    "evaluation",
    "serving",
    "app",
    "orchestration",
    "bench",
    "causal_notebooks",
    "tests",
)
EXEMPT = ("tests/dbt",)  # dbt's tests look at every layer on purpose
BELOW_THE_MARTS = re.compile(r"\b(staging|intermediate)\.[a-z_]+\b")
GENERATOR_IMPORT = re.compile(r"^\s*(from|import)\s+seeds_generator\b", re.MULTILINE)


def _python_files(*folders: str):
    for folder in folders:
        for path in (REPO_ROOT / folder).rglob("*.py"):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if not relative.startswith(EXEMPT):
                yield relative, path.read_text()


def test_no_python_reads_below_the_marts() -> None:
    offenders = [
        f"{name}: {match.group(0)}"
        for name, text in _python_files(*SCANNED)
        for match in BELOW_THE_MARTS.finditer(text)
        if name != "tests/contracts/test_marts_only.py"
    ]
    assert offenders == []


def test_production_code_never_imports_the_generator() -> None:
    offenders = [
        name
        for name, text in _python_files(
            "warehouse", "ml", "serving", "app", "contracts"
        )
        if GENERATOR_IMPORT.search(text)
    ]
    assert offenders == []
