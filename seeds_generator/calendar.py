"""The known multiplicative purchase-intensity profile and operational ("model") time.

m(t) = hourly(hour of day) * daily(date), where daily = weekday * yearly seasonality * holidays,
renormalised so its mean over every calendar year is exactly 1 (hourly has mean 1 over a day).
A Poisson process with rate lambda * m(t) in calendar weeks is a homogeneous process with rate
lambda in operational time Lambda(t) = integral of m, so BG/NBD parameters stay recoverable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
HOURS_PER_WEEK = 168.0

# Monday..Sunday
WEEKDAY_WEIGHTS = np.array([1.04, 1.00, 0.98, 0.98, 0.94, 0.96, 1.10])
# 00..23h UTC, normalised to mean 1
_HOURLY_RAW = np.array(
    [
        0.35,
        0.25,
        0.2,
        0.18,
        0.2,
        0.3,
        0.5,
        0.8,
        1.0,
        1.1,
        1.15,
        1.2,
        1.25,
        1.25,
        1.2,
        1.2,
        1.25,
        1.35,
        1.5,
        1.65,
        1.7,
        1.55,
        1.2,
        0.7,
    ]
)
HOURLY_WEIGHTS = _HOURLY_RAW / _HOURLY_RAW.mean()
SEASONAL_AMPLITUDE = 0.12  # yearly cosine, trough in late February, peak in late August
SEASONAL_PEAK_DOY = 240
HOLIDAYS: dict[str, float] = {
    "black_friday": 2.6,
    "thanksgiving_weekend": 1.6,  # Saturday and Sunday after Black Friday
    "cyber_monday": 2.3,
    "december_1_20": 1.35,
    "december_21_24": 1.15,
    "christmas_day": 0.6,
}


def black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    nov1 = dt.date(year, 11, 1)
    first_thu = nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thu + dt.timedelta(days=22)


def _holiday_factors(year: int, days: np.ndarray) -> np.ndarray:
    f = np.ones(days.shape)
    start = np.datetime64(f"{year}-01-01")
    doy = (days - start).astype(int)

    def at(d: dt.date) -> int:
        return (np.datetime64(d) - start).astype(int)

    bf = black_friday(year)
    dec1 = at(dt.date(year, 12, 1))
    f[(doy >= dec1) & (doy < dec1 + 20)] *= HOLIDAYS["december_1_20"]
    f[(doy >= dec1 + 20) & (doy < dec1 + 24)] *= HOLIDAYS["december_21_24"]
    f[doy == dec1 + 24] *= HOLIDAYS["christmas_day"]
    f[doy == at(bf)] *= HOLIDAYS["black_friday"]
    f[(doy == at(bf) + 1) | (doy == at(bf) + 2)] *= HOLIDAYS["thanksgiving_weekend"]
    f[doy == at(bf) + 3] *= HOLIDAYS["cyber_monday"]
    return f


def year_profile(year: int) -> np.ndarray:
    """Daily factors for every day of `year`; mean exactly 1."""
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    doy = np.arange(days.size)
    weekday = (
        days.astype("datetime64[D]").astype(int) + 3
    ) % 7  # 1970-01-01 was a Thursday
    raw = (
        WEEKDAY_WEIGHTS[weekday]
        * (
            1.0
            + SEASONAL_AMPLITUDE
            * np.cos(2 * np.pi * (doy - SEASONAL_PEAK_DOY) / 365.25)
        )
        * _holiday_factors(year, days)
    )
    return raw / raw.mean()


def daily_factor(days: np.ndarray) -> np.ndarray:
    """Daily factor for an array of datetime64[D] dates."""
    days = days.astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(int) + 1970
    out = np.empty(days.shape)
    for y in np.unique(years):
        sel = years == y
        prof = year_profile(int(y))
        out[sel] = prof[(days[sel] - np.datetime64(f"{y}-01-01")).astype(int)]
    return out


def to_seconds(d: dt.date) -> int:
    return (
        int((np.datetime64(d, "D") - np.datetime64("1970-01-01", "D")).astype(int))
        * SECONDS_PER_DAY
    )


@dataclass(frozen=True)
class Clock:
    """Hourly piecewise-constant intensity over [start, start + days) with its inverse."""

    start_s: int
    hours: int
    m: np.ndarray  # intensity per hour
    cum: np.ndarray  # operational weeks at each hour boundary, len hours + 1

    @classmethod
    def for_window(cls, start: dt.date, days: int) -> Clock:
        day_f = daily_factor(
            np.arange(np.datetime64(start), np.datetime64(start) + days)
        )
        m = (day_f[:, None] * HOURLY_WEIGHTS[None, :]).ravel()
        cum = np.concatenate([[0.0], np.cumsum(m / HOURS_PER_WEEK)])
        return cls(to_seconds(start), days * 24, m, cum)

    @property
    def end_s(self) -> int:
        return self.start_s + self.hours * SECONDS_PER_HOUR

    @property
    def total(self) -> float:
        return float(self.cum[-1])

    def op(self, t: np.ndarray) -> np.ndarray:
        """Operational weeks from the window start at epoch seconds `t` (clipped to the window)."""
        x = (
            np.clip(np.asarray(t, dtype=np.float64), self.start_s, self.end_s)
            - self.start_s
        ) / SECONDS_PER_HOUR
        h = np.minimum(x.astype(np.int64), self.hours - 1)
        return self.cum[h] + (x - h) * self.m[h] / HOURS_PER_WEEK

    def inverse(self, u: np.ndarray) -> np.ndarray:
        """Epoch seconds (int64) at operational time `u` weeks."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, self.total)
        h = np.clip(np.searchsorted(self.cum, u, side="right") - 1, 0, self.hours - 1)
        frac = (u - self.cum[h]) * HOURS_PER_WEEK / self.m[h]
        s = self.start_s + (h + np.clip(frac, 0.0, 1.0)) * SECONDS_PER_HOUR
        return np.minimum(s.astype(np.int64), self.end_s - 1)

    def sample(
        self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """One time per element, drawn with density proportional to m within [lo, hi) seconds."""
        a, b = self.op(lo), self.op(hi)
        return self.inverse(a + rng.random(np.shape(a)) * (b - a))
