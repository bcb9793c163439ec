"""The BI app's pages by name (`app/pages/<name>.py`), for the tests and benchmarks that visit
every page; read from the folder, so a new page is visited without editing a list."""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "pages"
PAGE_NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in PAGES_DIR.glob("*.py")))
