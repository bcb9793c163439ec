"""Helpers shared by the benchmarks: cached generated batches and cached bench databases."""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1] / "var" / "bench"


def ensure_batch(scale: float, seed: int, name: str | None = None) -> Path:
    """var/bench/<name or scale_S>: generated once, reused afterwards."""
    out = BENCH_DIR / (name or f"scale_{scale:g}")
    if not (out / "manifest.json").exists():
        from seeds_generator import generate

        generate(out, scale=scale, seed=seed, progress=False)
    return out


def ensure_bench_database(prefix: str, scale: float) -> str:
    """The cached database `<prefix>_<scale>` on the embedded server (created when missing)."""
    from warehouse.connection import database_url
    from warehouse.databases import admin_url, ensure_database

    return ensure_database(
        admin_url(database_url()), f"{prefix}_{scale:g}".replace(".", "_")
    )
