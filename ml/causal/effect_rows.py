"""Helpers shared by the builders of results-table rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run fn(); return (its result, seconds taken)."""
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def result_row(
    analysis: str, method: str, estimand: str, result: Any, **extra: Any
) -> dict:
    """One results-table row from an estimator result (estimate/std_error/ci_*/p_value);
    `extra` sets or overrides any column."""
    row = {
        "analysis": analysis,
        "method": method,
        "estimand": estimand,
        "subgroup": None,
        "estimate": float(result.estimate),
        "std_error": getattr(result, "std_error", None),
        "ci_low": getattr(result, "ci_low", None),
        "ci_high": getattr(result, "ci_high", None),
        "p_value": getattr(result, "p_value", None),
        "n": None,
        "n_treated": None,
        "diagnostics": None,
    }
    row.update(extra)
    return row
