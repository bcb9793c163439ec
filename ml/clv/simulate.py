"""Draw customers from the BG/NBD and Gamma-Gamma processes (for tests and demos).

The simulated data carry known parameters, so fits can be checked against the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.clv._validation import require_positive


def _purchase_times(
    lam: np.ndarray, p: np.ndarray, horizon: np.ndarray, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """Repeat-purchase times in (0, horizon] per customer under BG/NBD dynamics.

    Also returns each customer's number of repeat purchases before dropping out.
    """
    # Repeat purchases made before dropping out (the last one is when they drop out).
    lifetime_purchases = rng.geometric(p)
    out = []
    for i in range(len(lam)):
        expected = lam[i] * horizon[i]
        n_draw = int(expected + 10 * np.sqrt(expected) + 20)
        times = np.cumsum(rng.exponential(1.0 / lam[i], size=n_draw))
        while times[-1] <= horizon[i] and len(times) < lifetime_purchases[i]:
            more = times[-1] + np.cumsum(rng.exponential(1.0 / lam[i], size=n_draw))
            times = np.concatenate([times, more])
        times = times[: lifetime_purchases[i]]
        out.append(times[times <= horizon[i]])
    return out, lifetime_purchases


def simulate_bgnbd(
    n_customers: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: object,
    holdout: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate BG/NBD customers in continuous time, each first buying at time 0.

    Args:
        n_customers: number of customers.
        r, alpha, a, b: true parameters (lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b)).
        T: calibration length per customer (scalar or array of n_customers).
        holdout: length of the period after T in which purchases are counted too.
        seed: random seed.

    Returns:
        DataFrame (index customer_id) with frequency, recency, T, the true lambda and p,
        alive (not yet dropped out at T) and holdout_purchases (purchases in (T, T + holdout]).
    """
    require_positive(r=r, alpha=alpha, a=a, b=b)
    rng = np.random.default_rng(seed)
    ages = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    times, lifetime_purchases = _purchase_times(lam, p, ages + holdout, rng)
    calibration = [t[t <= age] for t, age in zip(times, ages, strict=True)]
    return pd.DataFrame(
        {
            "frequency": np.array([len(t) for t in calibration], dtype=np.int64),
            "recency": np.array([t[-1] if len(t) else 0.0 for t in calibration]),
            "T": ages,
            "lambda_": lam,
            "p": p,
            "alive": np.array([len(c) for c in calibration]) < lifetime_purchases,
            "holdout_purchases": np.array(
                [len(t) - len(c) for t, c in zip(times, calibration, strict=True)],
                dtype=np.int64,
            ),
        },
        index=pd.RangeIndex(n_customers, name="customer_id"),
    )


def simulate_transactions(
    n_customers: int,
    bgnbd: tuple[float, float, float, float],
    gamma_gamma: tuple[float, float, float],
    start: str,
    end: str,
    seed: int = 0,
) -> pd.DataFrame:
    """A transaction log (customer_id, ordered_at, amount) from BG/NBD + Gamma-Gamma.

    Time unit is one week. Customers make their first purchase uniformly in the first half of
    [start, end]; purchases are timestamped to the second.
    """
    r, alpha, a, b = bgnbd
    p_spend, q, gamma = gamma_gamma
    require_positive(r=r, alpha=alpha, a=a, b=b, p=p_spend, q=q, gamma=gamma)
    rng = np.random.default_rng(seed)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    weeks = (t1 - t0) / pd.Timedelta(weeks=1)
    births = rng.uniform(0, weeks / 2, n_customers)
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    drop = rng.beta(a, b, n_customers)
    nu = rng.gamma(q, 1.0 / gamma, n_customers)
    repeats, _ = _purchase_times(lam, drop, weeks - births, rng)
    customer = np.repeat(np.arange(n_customers), [len(t) + 1 for t in repeats])
    offsets = np.concatenate(
        [
            np.concatenate([[0.0], t]) + birth
            for t, birth in zip(repeats, births, strict=True)
        ]
    )
    amounts = rng.gamma(p_spend, 1.0 / nu[customer])
    return pd.DataFrame(
        {
            "customer_id": customer,
            "ordered_at": t0 + pd.to_timedelta(np.round(offsets * 7 * 86400), unit="s"),
            "amount": np.round(amounts, 2),
        }
    )


def simulate_spend(
    frequency: object, p: float, q: float, gamma: float, seed: int = 0
) -> np.ndarray:
    """Mean value of `frequency` Gamma-Gamma transactions per customer (0 where frequency == 0).

    Each customer's rate nu ~ Gamma(q, rate gamma); each transaction ~ Gamma(p, rate nu), so
    the mean of x transactions is Gamma(p * x, rate nu * x).
    """
    require_positive(p=p, q=q, gamma=gamma)
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    mean = rng.gamma(np.where(x > 0, p * x, 1.0), 1.0 / (nu * np.maximum(x, 1.0)))
    return np.where(x > 0, mean, 0.0)
