"""Overview KPIs: periods ending at the data's last day and their change vs the period before."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "count", "rate"]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def periods(end: dt.date, days: int) -> tuple[Period, Period]:
    """(current, previous): `days` days ending at `end`, and the `days` days before them."""
    if days < 1:
        raise ValueError(f"a period needs at least one day, got days={days}")
    current = Period(end - dt.timedelta(days=days - 1), end)
    previous_end = current.start - dt.timedelta(days=1)
    return current, Period(previous_end - dt.timedelta(days=days - 1), previous_end)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: float | None
    previous: float | None
    kind: Kind
    #: True when a rise is bad news (returns): the delta is shown in red.
    lower_is_better: bool = False

    @property
    def delta(self) -> float | None:
        """Relative change for amounts and counts; percentage-point change for rates."""
        if self.value is None or self.previous is None:
            return None
        if self.kind == "rate":
            return self.value - self.previous
        if self.previous == 0:
            return None
        return self.value / self.previous - 1

    def formatted(self) -> str:
        if self.value is None or (
            isinstance(self.value, float) and math.isnan(self.value)
        ):
            return "—"
        if self.kind == "money":
            return f"${self.value:,.0f}"
        if self.kind == "rate":
            return f"{self.value:.2%}"
        return f"{self.value:,.0f}"

    def formatted_delta(self) -> str | None:
        d = self.delta
        if d is None:
            return None
        if self.kind == "rate":
            return f"{d * 100:+.2f} pp"
        return f"{d:+.1%}"


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def overview_kpis(row: Mapping[str, float | None]) -> list[Kpi]:
    """The six Overview KPIs from one row of `queries.overview.kpi_row` (cur_* and prev_*)."""

    def pair(name: str) -> tuple[float | None, float | None]:
        return row.get(f"cur_{name}"), row.get(f"prev_{name}")

    revenue, orders = pair("revenue"), pair("orders")
    sessions, converted = pair("sessions"), pair("converted_sessions")
    units, returned = pair("units"), pair("returned_units")
    return [
        Kpi("Revenue", *revenue, "money"),
        Kpi("Orders", *orders, "count"),
        Kpi(
            "Average order value",
            _ratio(revenue[0], orders[0]),
            _ratio(revenue[1], orders[1]),
            "money",
        ),
        Kpi("Active customers", *pair("active_customers"), "count"),
        Kpi(
            "Conversion (sessions → orders)",
            _ratio(converted[0], sessions[0]),
            _ratio(converted[1], sessions[1]),
            "rate",
        ),
        Kpi(
            "Return rate (units)",
            _ratio(returned[0], units[0]),
            _ratio(returned[1], units[1]),
            "rate",
            lower_is_better=True,
        ),
    ]
