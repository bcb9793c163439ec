"""Maximum likelihood over log-parameters, with standard errors from the numerical Hessian."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize


@dataclass(frozen=True)
class MLEFit:
    """Optimum of a log-likelihood parameterised by log(params)."""

    params: np.ndarray
    log_likelihood: float
    standard_errors: np.ndarray
    converged: bool
    message: str


def _hessian(
    fun: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4
) -> np.ndarray:
    """Central-difference Hessian of a scalar function (small dimension only)."""
    k = len(x)
    hess = np.empty((k, k))
    eye = np.eye(k) * step
    f0 = fun(x)
    for i in range(k):
        for j in range(i, k):
            if i == j:
                val = (fun(x + eye[i]) - 2 * f0 + fun(x - eye[i])) / step**2
            else:
                val = (
                    fun(x + eye[i] + eye[j])
                    - fun(x + eye[i] - eye[j])
                    - fun(x - eye[i] + eye[j])
                    + fun(x - eye[i] - eye[j])
                ) / (4 * step**2)
            hess[i, j] = hess[j, i] = val
    return hess


def maximize_log_likelihood(
    log_likelihood: Callable[[np.ndarray], float],
    initial_params: np.ndarray,
    penalizer_coef: float = 0.0,
    max_iter: int = 2000,
) -> MLEFit:
    """Maximise `log_likelihood(params) - penalizer_coef * sum(params**2)` over log(params).

    Working on the log scale keeps every parameter positive without bounds. L-BFGS-B finds
    the optimum and Nelder-Mead polishes it (robust to flat ridges). Standard errors come
    from the inverse Hessian on the log scale mapped back by the delta method; they are NaN
    when the Hessian is not positive definite.
    """

    def objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        value = log_likelihood(params) - penalizer_coef * float(np.sum(params**2))
        return -value if np.isfinite(value) else 1e300

    x0 = np.log(np.asarray(initial_params, dtype=float))
    first = optimize.minimize(
        objective, x0, method="L-BFGS-B", options={"maxiter": max_iter}
    )
    polished = optimize.minimize(
        objective,
        first.x,
        method="Nelder-Mead",
        options={"maxiter": max_iter, "xatol": 1e-7, "fatol": 1e-9},
    )
    best = polished if polished.fun <= first.fun else first
    log_params = best.x
    params = np.exp(log_params)
    standard_errors = np.full(len(params), np.nan)
    try:
        cov_log = np.linalg.inv(_hessian(objective, log_params))
        if np.all(np.diag(cov_log) > 0):
            standard_errors = params * np.sqrt(np.diag(cov_log))
    except np.linalg.LinAlgError:
        pass
    converged = bool(
        (first.success or polished.success) and np.all(np.isfinite(params))
    )
    return MLEFit(
        params=params,
        log_likelihood=float(log_likelihood(params)),
        standard_errors=standard_errors,
        converged=converged,
        message=str(best.message),
    )
