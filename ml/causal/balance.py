"""Covariate balance: standardised mean differences before and after matching."""

from __future__ import annotations

import numpy as np
import pandas as pd


def standardized_mean_differences(
    X: pd.DataFrame,
    treated: np.ndarray,
    weights_after: np.ndarray,
) -> pd.DataFrame:
    """SMD per covariate, before (unweighted) and after matching (match weights).

    SMD = (mean_treated - mean_control) / sqrt((var_treated + var_control) / 2), where the
    denominator is always the *unmatched* sample's, so the two columns are comparable.

    Returns:
        DataFrame with columns covariate, smd_before, smd_after.
    """
    rows = []
    is_t = treated == 1
    for col in X.columns:
        x = X[col].to_numpy(dtype=float)
        mean_t, mean_c = x[is_t].mean(), x[~is_t].mean()
        scale = np.sqrt((x[is_t].var() + x[~is_t].var()) / 2)
        w_t, w_c = weights_after[is_t], weights_after[~is_t]
        after_t = np.average(x[is_t], weights=w_t) if w_t.sum() > 0 else np.nan
        after_c = np.average(x[~is_t], weights=w_c) if w_c.sum() > 0 else np.nan
        if scale > 0:
            before, after = (mean_t - mean_c) / scale, (after_t - after_c) / scale
        else:
            before = after = 0.0
        rows.append({"covariate": col, "smd_before": before, "smd_after": after})
    return pd.DataFrame(rows, columns=["covariate", "smd_before", "smd_after"])
