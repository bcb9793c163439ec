"""Classification metrics, the quality bar and evaluation plots for churn probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

#: Production bar (any data source): ROC AUC at least this much above the baseline's.
MIN_LIFT_OVER_BASELINE = 0.0
#: ... and at least this ROC AUC (0.5 is chance).
MIN_ROC_AUC = 0.6
#: Keys of `classification_metrics` usable as a gate metric.
METRIC_NAMES = ("roc_auc", "pr_auc", "accuracy", "f1", "brier", "top_decile_lift")


def _check(y_true: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).astype(int)
    prob = np.asarray(p, dtype=float)
    if y.shape != prob.shape or y.ndim != 1:
        raise ValueError(
            f"labels and probabilities must be 1-d of equal length, got {y.shape} and {prob.shape}"
        )
    if y.size == 0:
        raise ValueError("cannot evaluate on an empty evaluation set")
    if not set(np.unique(y)) <= {0, 1}:
        raise ValueError(
            f"labels must be 0/1, got values {sorted(set(np.unique(y)))[:5]}"
        )
    if len(np.unique(y)) < 2:
        raise ValueError("the evaluation set holds only one class: AUCs are undefined")
    if not np.all(np.isfinite(prob)) or prob.min() < 0 or prob.max() > 1:
        raise ValueError("probabilities must be finite numbers in [0, 1]")
    return y, prob


def top_decile_lift(y_true: np.ndarray, p: np.ndarray) -> float:
    """Positive rate among the 10% highest scores divided by the overall positive rate."""
    y, prob = _check(y_true, p)
    k = max(1, int(np.ceil(0.1 * y.size)))
    top = np.argsort(-prob, kind="stable")[:k]
    return float(y[top].mean() / y.mean())


def classification_metrics(
    y_true: np.ndarray, p: np.ndarray, threshold: float = 0.5
) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision), accuracy, F1, Brier score and top-decile lift."""
    y, prob = _check(y_true, p)
    predicted = (prob >= threshold).astype(int)
    return {
        "roc_auc": float(roc_auc_score(y, prob)),
        "pr_auc": float(average_precision_score(y, prob)),
        "accuracy": float(accuracy_score(y, predicted)),
        "f1": float(f1_score(y, predicted, zero_division=0)),
        "brier": float(brier_score_loss(y, prob)),
        "top_decile_lift": top_decile_lift(y, prob),
        "positive_rate": float(y.mean()),
        "n": float(y.size),
    }


@dataclass(frozen=True)
class QualityBar:
    """The production quality bar, judged on the time-based holdout that any data has:
    roc_auc >= min_roc_auc AND roc_auc >= baseline roc_auc + min_lift_over_baseline, the
    baseline being the recency/frequency logistic regression on the same customers.
    (Planted-truth bars, such as the oracle AUC ratio, live in the evaluation layer.)"""

    min_lift_over_baseline: float = MIN_LIFT_OVER_BASELINE
    min_roc_auc: float = MIN_ROC_AUC

    def check(
        self, metrics: dict[str, float], baseline_metrics: dict[str, float]
    ) -> dict[str, object]:
        """Verdict with each part."""
        auc, baseline = metrics["roc_auc"], baseline_metrics["roc_auc"]
        lift = auc - baseline
        auc_ok = auc >= self.min_roc_auc
        beats_baseline = lift >= self.min_lift_over_baseline
        return {
            "roc_auc": auc,
            "baseline_roc_auc": baseline,
            "lift_over_baseline": lift,
            "auc_ok": auc_ok,
            "beats_baseline": beats_baseline,
            "passed": bool(auc_ok and beats_baseline),
        }


def save_evaluation_plots(
    y_true: np.ndarray, p: np.ndarray, out_dir: Path, title: str = "churn"
) -> list[Path]:
    """ROC, precision-recall and calibration plots as PNGs in `out_dir`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y, prob = _check(y_true, p)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []

    fpr, tpr, _ = roc_curve(y, prob)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, label=f"AUC {roc_auc_score(y, prob):.3f}")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    ax.set(
        xlabel="false positive rate", ylabel="true positive rate", title=f"{title}: ROC"
    )
    ax.legend(loc="lower right")
    paths.append(_save(fig, out_dir / "roc_curve.png"))

    precision, recall, _ = precision_recall_curve(y, prob)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(recall, precision, label=f"AP {average_precision_score(y, prob):.3f}")
    ax.axhline(y.mean(), linestyle="--", color="grey", label="base rate")
    ax.set(xlabel="recall", ylabel="precision", title=f"{title}: precision-recall")
    ax.legend(loc="lower left")
    paths.append(_save(fig, out_dir / "pr_curve.png"))

    observed, predicted = calibration_curve(y, prob, n_bins=10, strategy="quantile")
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(predicted, observed, marker="o", label="model")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    ax.set(
        xlabel="mean predicted churn probability",
        ylabel="observed churn rate",
        title=f"{title}: calibration (deciles)",
    )
    ax.legend(loc="upper left")
    paths.append(_save(fig, out_dir / "calibration_curve.png"))
    return paths


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
