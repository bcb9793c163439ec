"""The CLV purchase model's fitted parameters against the generator's planted ones
(evaluation only).

The generator draws purchase rates lambda ~ Gamma(r, alpha) per week and dropout
probabilities p ~ Beta(a, b) (BG/NBD). The batch job fits the same model on the warehouse's
purchases (`ml.customer_clv` carries the fitted parameters on every row). Spend is not compared:
the warehouse's order totals include shipping and discounts the planted Gamma-Gamma draw does
not. Individual parameters trade off against each other, so the bar is
on the population quantities: the mean weekly purchase rate r / alpha and the mean dropout
probability a / (a + b) within `tolerance` (relative) of the planted ones. Weekly bucketing
(several orders in a week count once) and the campaign/rollout uplift orders bias the fit a
little; the tolerance allows for that, not for a wrong model.
"""

from __future__ import annotations

from typing import Any

from evaluation.ground_truth import TruthBatch

TOLERANCE = 0.35


def _relative(fitted: float, planted: float) -> float:
    return abs(fitted - planted) / abs(planted)


def evaluate_fit(
    url: str, batches: list[TruthBatch], tolerance: float = TOLERANCE
) -> dict[str, Any]:
    """Fitted vs planted BG/NBD parameters, with relative errors of the population means."""
    from contracts.ml_outputs import CUSTOMER_CLV
    from warehouse.reading import read_frame

    fitted = read_frame(
        url,
        "select bgnbd_r, bgnbd_alpha, bgnbd_a, bgnbd_b"
        f" from {CUSTOMER_CLV.qualified_name} limit 1",
    )
    if fitted.empty:
        raise ValueError(
            f"{CUSTOMER_CLV.qualified_name} is empty: run the CLV batch first"
        )
    f = fitted.iloc[0].astype(float)
    planted = batches[0].summary()["bgnbd"]
    rate = (f["bgnbd_r"] / f["bgnbd_alpha"], planted["r"] / planted["alpha"])
    dropout = (
        f["bgnbd_a"] / (f["bgnbd_a"] + f["bgnbd_b"]),
        planted["a"] / (planted["a"] + planted["b"]),
    )
    errors = {
        "mean_purchase_rate": _relative(*rate),
        "mean_dropout_probability": _relative(*dropout),
    }
    return {
        "fitted": {
            "r": f["bgnbd_r"],
            "alpha": f["bgnbd_alpha"],
            "a": f["bgnbd_a"],
            "b": f["bgnbd_b"],
            "mean_purchase_rate": rate[0],
            "mean_dropout_probability": dropout[0],
        },
        "planted": {
            "r": planted["r"],
            "alpha": planted["alpha"],
            "a": planted["a"],
            "b": planted["b"],
            "mean_purchase_rate": rate[1],
            "mean_dropout_probability": dropout[1],
        },
        "relative_error": errors,
        "tolerance": tolerance,
        "passed": all(e <= tolerance for e in errors.values()),
    }
