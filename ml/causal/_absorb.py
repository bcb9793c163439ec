"""OLS with absorbed fixed effects (alternating-projection demeaning) and robust covariances.

Used by the panel estimators: instead of thousands of dummies, the outcome and regressors are
demeaned within every fixed-effect group until convergence (the Frisch-Waugh-Lovell
theorem gives the same slopes as the dummy regression).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class AbsorbedOLS:
    """Slopes, their covariance and the degrees of freedom for inference."""

    coef: np.ndarray
    cov: np.ndarray
    df: int  # residual df for t / F inference (G - 1 when clustered)
    se_type: str
    n: int
    n_clusters: int | None

    def std_errors(self) -> np.ndarray:
        """Square roots of the covariance diagonal."""
        return np.sqrt(np.diag(self.cov))

    def t_critical(self, level: float = 0.95) -> float:
        """Two-sided critical value of Student's t with `df` degrees of freedom."""
        return float(stats.t.ppf(0.5 + level / 2, self.df))

    def p_values(self) -> np.ndarray:
        """Two-sided p-values of each coefficient being 0."""
        return 2 * stats.t.sf(np.abs(self.coef / self.std_errors()), self.df)

    def wald_f(self, index: list[int]) -> tuple[float, float, int]:
        """F statistic, p-value and numerator df for H0: coef[index] == 0 jointly."""
        b = self.coef[index]
        v = self.cov[np.ix_(index, index)]
        q = len(index)
        f_stat = float(b @ np.linalg.solve(v, b) / q)
        return f_stat, float(stats.f.sf(f_stat, q, self.df)), q


def demean(
    values: np.ndarray,
    groups: list[np.ndarray],
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> np.ndarray:
    """Project the columns of `values` off the fixed effects coded in `groups`.

    Each group array holds integer codes 0..G-1 per row. One sweep is exact for a single
    fixed effect and for balanced two-way panels; unbalanced panels take a few more.
    """
    out = np.array(values, dtype=float, copy=True)
    counts = [np.bincount(g).astype(float) for g in groups]
    scale = np.maximum(np.abs(out).max(axis=0), 1.0)
    for _ in range(max_iter):
        largest_step = 0.0
        for g, c in zip(groups, counts, strict=True):
            for j in range(out.shape[1]):
                means = np.bincount(g, weights=out[:, j], minlength=len(c)) / c
                out[:, j] -= means[g]
                largest_step = max(largest_step, float(np.abs(means).max() / scale[j]))
        if largest_step < tol:
            return out
    raise RuntimeError(f"fixed-effect demeaning did not converge in {max_iter} sweeps")


def _nested(fe: np.ndarray, cluster: np.ndarray) -> bool:
    """True when every level of the fixed effect lies inside a single cluster."""
    return bool(
        (
            pd.DataFrame({"fe": fe, "cl": cluster}).groupby("fe")["cl"].nunique() == 1
        ).all()
    )


def absorbed_ols(
    y: np.ndarray,
    X: np.ndarray,
    fixed_effects: list[np.ndarray],
    names: list[str],
    cluster: np.ndarray | None = None,
) -> AbsorbedOLS:
    """OLS of y on X with the fixed effects absorbed.

    Covariance: cluster-robust (CR1, Stata's small-sample factor) when `cluster` codes are
    given, otherwise HC1. Degrees of freedom count every absorbed level except those nested
    in the clusters (as reghdfe / fixest do).
    """
    codes = [pd.factorize(fe)[0] for fe in fixed_effects]
    both = demean(np.column_stack([y, X]), codes)
    y_t, X_t = both[:, 0], both[:, 1:]
    raw_norm = np.linalg.norm(X - X.mean(axis=0), axis=0)
    left = np.linalg.norm(X_t, axis=0)
    flat = [
        n
        for n, a, b in zip(names, left, raw_norm, strict=True)
        if a <= 1e-8 * max(b, 1.0)
    ]
    if flat:
        raise ValueError(
            f"{flat} has no variation left after the fixed effects (collinear)"
        )
    if np.linalg.matrix_rank(X_t) < X_t.shape[1]:
        raise ValueError(
            f"regressors {names} are collinear once the fixed effects are absorbed"
        )
    n, k = X_t.shape
    xtx_inv = np.linalg.inv(X_t.T @ X_t)
    coef = xtx_inv @ X_t.T @ y_t
    resid = y_t - X_t @ coef
    levels = [int(c.max()) + 1 for c in codes]
    if cluster is None:
        # Every absorbed level costs a degree of freedom; one per extra FE set is redundant.
        dof = n - k - (sum(levels) - (len(codes) - 1))
        if dof <= 0:
            raise ValueError(
                "not enough observations for the fixed effects and regressors"
            )
        meat = (X_t * resid[:, None] ** 2).T @ X_t
        cov = xtx_inv @ meat @ xtx_inv * (n / dof)
        return AbsorbedOLS(
            coef=coef, cov=cov, df=dof, se_type="HC1", n=n, n_clusters=None
        )
    cl = pd.factorize(cluster)[0]
    n_clusters = int(cl.max()) + 1
    if n_clusters < 2:
        raise ValueError("clustered standard errors need at least 2 clusters")
    # Fixed effects nested in the clusters cost nothing in CR1's small-sample factor.
    not_nested = [lv for lv, c in zip(levels, codes, strict=True) if not _nested(c, cl)]
    absorbed = max(sum(not_nested) - (len(codes) - 1), 0)
    scores = np.zeros((n_clusters, k))
    np.add.at(scores, cl, X_t * resid[:, None])
    factor = n_clusters / (n_clusters - 1) * (n - 1) / max(n - k - absorbed, 1)
    cov = xtx_inv @ (scores.T @ scores) @ xtx_inv * factor
    return AbsorbedOLS(
        coef=coef,
        cov=cov,
        df=n_clusters - 1,
        se_type="cluster",
        n=n,
        n_clusters=n_clusters,
    )
