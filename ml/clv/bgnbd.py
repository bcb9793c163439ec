"""BG/NBD model (Fader, Hardie & Lee 2005): purchase counts with dropout.

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha) (alpha is a rate); after
each repeat purchase they drop out with probability p ~ Beta(a, b). Time is in the units of
the RFM summary (e.g. weeks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln, hyp2f1

from ml.clv._optimize import maximize_log_likelihood
from ml.clv._validation import check_rfm_arrays, require_positive, rfm_from_summary


def bgnbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Per-row log-likelihood of (frequency x, recency t_x, age T) under (r, alpha, a, b)."""
    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    survived = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    # Dropped-out branch only exists after a repeat purchase; guard b + x - 1 > 0 for x == 0.
    x_safe = np.where(repeat, x, 1.0)
    dropped = betaln(a + 1, b + x_safe - 1) - (r + x_safe) * np.log(alpha + t_x)
    return common + np.where(repeat, np.logaddexp(survived, dropped), survived)


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted (or given) BG/NBD parameters and the predictions they imply."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    standard_errors: dict[str, float] = field(default_factory=dict)
    n_customers: int = 0
    converged: bool = True

    def __post_init__(self) -> None:
        require_positive(r=self.r, alpha=self.alpha, a=self.a, b=self.b)

    def _as_array(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.a, self.b])

    def p_alive(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """Probability that each customer is still alive at age T."""
        x, t_x, big_t = check_rfm_arrays(frequency, recency, T)
        r, alpha, a, b = self._as_array()
        x_safe = np.where(x > 0, x, 1.0)
        log_ratio = (
            np.log(a)
            - np.log(b + x_safe - 1)
            + (r + x_safe) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        )
        return np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)

    def expected_purchases_new(self, t: object) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer who just made a first purchase."""
        t_arr = np.asarray(t, dtype=float)
        if np.any(t_arr < 0):
            raise ValueError("t must be >= 0")
        r, alpha, a, b = self._as_array()
        z = t_arr / (alpha + t_arr)
        tail = (alpha / (alpha + t_arr)) ** r * hyp2f1(r, b, a + b - 1, z)
        return (a + b - 1) / (a - 1) * (1.0 - tail)

    def expected_purchases(
        self, t: object, frequency: object, recency: object, T: object
    ) -> np.ndarray:
        """Expected purchases in the next t periods (T, T + t] given each customer's history."""
        x, t_x, big_t = check_rfm_arrays(frequency, recency, T)
        t_arr = np.asarray(t, dtype=float)
        if np.any(t_arr < 0):
            raise ValueError("t must be >= 0")
        r, alpha, a, b = self._as_array()
        z = t_arr / (alpha + big_t + t_arr)
        tail = ((alpha + big_t) / (alpha + big_t + t_arr)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        numerator = (a + b + x - 1) / (a - 1) * (1.0 - tail)
        return numerator * self.p_alive(x, t_x, big_t)

    def summary(self) -> pd.DataFrame:
        """Parameters and standard errors as a small table."""
        names = ["r", "alpha", "a", "b"]
        return pd.DataFrame(
            {
                "estimate": [getattr(self, n) for n in names],
                "std_error": [self.standard_errors.get(n, np.nan) for n in names],
            },
            index=names,
        )


def fit_bgnbd(
    summary: pd.DataFrame,
    initial_params: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
    penalizer_coef: float = 0.0,
    max_iter: int = 2000,
) -> BGNBDParams:
    """Fit BG/NBD by maximum likelihood on an RFM summary (frequency, recency, T columns).

    Customers with identical (frequency, recency, T) are aggregated and weighted by their
    count, so the fit is fast on large summaries with discrete time.

    Args:
        summary: one row per customer, e.g. from `rfm_summary`.
        initial_params: starting (r, alpha, a, b).
        penalizer_coef: L2 penalty on the parameters (0 = plain maximum likelihood).
        max_iter: iteration cap for each optimiser pass.
    """
    x, t_x, big_t = rfm_from_summary(summary)
    require_positive(**dict(zip(["r", "alpha", "a", "b"], initial_params, strict=True)))
    if penalizer_coef < 0:
        raise ValueError(f"penalizer_coef must be >= 0, got {penalizer_coef}")
    # recency is irrelevant when x == 0; zero it so those rows aggregate together.
    t_x = np.where(x > 0, t_x, 0.0)
    rows, counts = np.unique(
        np.column_stack([x, t_x, big_t]), axis=0, return_counts=True
    )
    ux, utx, ut = rows.T

    def log_likelihood(params: np.ndarray) -> float:
        return float(np.sum(counts * bgnbd_log_likelihood(params, ux, utx, ut)))

    fit = maximize_log_likelihood(
        log_likelihood, np.array(initial_params), penalizer_coef, max_iter
    )
    names = ("r", "alpha", "a", "b")
    values = dict(zip(names, map(float, fit.params), strict=True))
    return BGNBDParams(
        **values,
        log_likelihood=fit.log_likelihood,
        standard_errors=dict(zip(names, map(float, fit.standard_errors), strict=True)),
        n_customers=len(x),
        converged=fit.converged,
    )
