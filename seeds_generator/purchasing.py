"""BG/NBD purchase processes in operational time, fully vectorised.

Base process per customer: purchases are Poisson(lambda) in operational weeks from the process
start; after every purchase the customer drops out with probability p. Over a horizon T the
count is n = min(Poisson(lambda*T), K) with K ~ Geometric(p); the purchase times are the first
n order statistics of the Poisson count's uniforms (drawn via exponential spacings), and the
customer is dead at the end iff K <= Poisson count (dropout at the K-th purchase).

Treatment effects are added as independent incremental Poisson processes (superposition) while
the customer is alive, so the base stream is exactly the untreated potential outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BaseDraw:
    customer: np.ndarray  # index into the customer arrays, one per purchase
    t_op: np.ndarray  # operational time of each purchase (weeks from window start)
    count: np.ndarray  # purchases per customer in the horizon
    dead: np.ndarray  # bool per customer: dropped out within the horizon
    dropout_op: np.ndarray  # operational time of dropout (nan if alive)


def group_starts(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def within_group_index(counts: np.ndarray) -> np.ndarray:
    """0..count-1 for each group, concatenated."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(group_starts(counts), counts)


def simulate_base(
    rng: np.random.Generator,
    lam: np.ndarray,
    p: np.ndarray,
    start_op: np.ndarray,
    end_op: float,
) -> BaseDraw:
    """Draw every customer's base purchases in [start_op, end_op]."""
    horizon = np.maximum(end_op - start_op, 0.0)
    m = rng.poisson(lam * horizon)
    k = rng.geometric(np.clip(p, 1e-9, 1.0))
    n = np.minimum(m, k)
    cust = np.repeat(np.arange(lam.size), n)
    spacing = rng.exponential(1.0, cust.size)
    csum = np.cumsum(spacing)
    starts = group_starts(n)
    before = np.where(n > 0, np.concatenate([[0.0], csum])[starts], 0.0)
    s = csum - np.repeat(before, n)  # within-customer cumulative spacings
    last = np.zeros(lam.size)
    has = n > 0
    last[has] = s[starts[has] + n[has] - 1]
    rest = np.zeros(lam.size)
    shape = (m + 1 - n).astype(np.float64)
    rest[has] = rng.gamma(shape[has], 1.0)
    frac = s / np.repeat(last + rest, n)
    t_op = np.repeat(start_op, n) + frac * np.repeat(horizon, n)
    dead = (k <= m) & has
    dropout = np.full(lam.size, np.nan)
    dropout[dead] = t_op[starts[dead] + n[dead] - 1]
    return BaseDraw(cust, t_op, n, dead, dropout)


def simulate_extra(
    rng: np.random.Generator, rate: np.ndarray, lo_op: np.ndarray, hi_op: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(rate) purchases in operational [lo, hi) per customer (empty where hi <= lo)."""
    width = np.maximum(hi_op - lo_op, 0.0)
    n = rng.poisson(rate * width)
    cust = np.repeat(np.arange(rate.size), n)
    t_op = np.repeat(lo_op, n) + rng.random(cust.size) * np.repeat(width, n)
    return cust, t_op


def bgnbd_p_alive(
    x: np.ndarray,
    t_x: np.ndarray,
    big_t: np.ndarray,
    r: float,
    alpha: float,
    a: float,
    b: float,
) -> np.ndarray:
    """BG/NBD posterior P(alive | x, t_x, T) (Fader, Hardie & Lee 2005, eq. 11), vectorised."""
    x = np.asarray(x, dtype=np.float64)
    log_ratio = np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0)
    log_ratio += (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    out = 1.0 / (1.0 + np.exp(np.clip(log_ratio, -700, 700)))
    return np.where(x > 0, out, 1.0)
