"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").

Each transaction value is Gamma(p, nu) with a customer-level rate nu ~ Gamma(q, gamma); the
model is fitted on the mean repeat-transaction value of customers with frequency > 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import gammaln

from ml.clv._optimize import maximize_log_likelihood
from ml.clv._validation import (
    as_float_array,
    require_columns,
    require_non_empty,
    require_positive,
)


def gamma_gamma_log_likelihood(
    params: np.ndarray, x: np.ndarray, m: np.ndarray
) -> np.ndarray:
    """Per-customer log density of the mean spend m over x transactions under (p, q, gamma)."""
    p, q, gamma = params
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * m)
    )


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted (or given) Gamma-Gamma parameters and the spend predictions they imply."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    standard_errors: dict[str, float] = field(default_factory=dict)
    n_customers: int = 0
    converged: bool = True

    def __post_init__(self) -> None:
        require_positive(p=self.p, q=self.q, gamma=self.gamma)

    def mean_spend(self) -> float:
        """Population mean transaction value p * gamma / (q - 1) (needs q > 1)."""
        if self.q <= 1:
            raise ValueError(f"q = {self.q:.4g} <= 1: the mean spend is infinite")
        return self.p * self.gamma / (self.q - 1)

    def expected_spend(self, frequency: object, monetary_value: object) -> np.ndarray:
        """Conditional expected transaction value given x repeat purchases of mean value m.

        A weighted average of the population mean and the customer's own mean; customers
        with frequency 0 get the population mean.
        """
        if self.q <= 1:
            raise ValueError(f"q = {self.q:.4g} <= 1: the expected spend is infinite")
        x = as_float_array(frequency, "frequency")
        m = as_float_array(monetary_value, "monetary_value")
        x, m = np.broadcast_arrays(x, m)
        if np.any(x < 0):
            raise ValueError("frequency must be >= 0")
        if np.any(m < 0):
            raise ValueError("monetary_value must be >= 0")
        m = np.where(x > 0, m, 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)

    def summary(self) -> pd.DataFrame:
        """Parameters and standard errors as a small table."""
        names = ["p", "q", "gamma"]
        return pd.DataFrame(
            {
                "estimate": [getattr(self, n) for n in names],
                "std_error": [self.standard_errors.get(n, np.nan) for n in names],
            },
            index=names,
        )


def fit_gamma_gamma(
    summary: pd.DataFrame,
    initial_params: tuple[float, float, float] | None = None,
    penalizer_coef: float = 0.0,
    max_iter: int = 2000,
) -> GammaGammaParams:
    """Fit Gamma-Gamma by maximum likelihood on customers with frequency > 0.

    Args:
        summary: RFM summary with `frequency` and `monetary_value` columns.
        initial_params: starting (p, q, gamma); default (1, 2, mean spend).
        penalizer_coef: L2 penalty on the parameters (0 = plain maximum likelihood).
        max_iter: iteration cap for each optimiser pass.
    """
    require_columns(summary, ["frequency", "monetary_value"], "summary")
    require_non_empty(summary, "summary")
    if penalizer_coef < 0:
        raise ValueError(f"penalizer_coef must be >= 0, got {penalizer_coef}")
    x = as_float_array(summary["frequency"], "frequency")
    m = as_float_array(summary["monetary_value"], "monetary_value")
    repeat = x > 0
    if repeat.sum() < 2:
        raise ValueError(
            "Gamma-Gamma needs at least 2 customers with frequency > 0 (repeat "
            "purchasers: orders in at least two different weeks); the purchase log has "
            f"{int(repeat.sum())}: deliver a longer order history"
        )
    if np.any(m[repeat] <= 0):
        raise ValueError(
            f"monetary_value must be > 0 where frequency > 0 "
            f"({int(np.sum(m[repeat] <= 0))} customer(s) are not)"
        )
    x, m = x[repeat], m[repeat]

    def log_likelihood(params: np.ndarray) -> float:
        return float(np.sum(gamma_gamma_log_likelihood(params, x, m)))

    # By default start gamma at the scale of the data so the optimiser does not wander.
    start = (1.0, 2.0, float(np.mean(m))) if initial_params is None else initial_params
    require_positive(**dict(zip(["p", "q", "gamma"], start, strict=True)))
    fit = maximize_log_likelihood(
        log_likelihood, np.array(start), penalizer_coef, max_iter
    )
    names = ("p", "q", "gamma")
    return GammaGammaParams(
        **dict(zip(names, map(float, fit.params), strict=True)),
        log_likelihood=fit.log_likelihood,
        standard_errors=dict(zip(names, map(float, fit.standard_errors), strict=True)),
        n_customers=int(repeat.sum()),
        converged=fit.converged,
    )
