"""Model registry helpers: register a logged model and run the champion/challenger gate.

Generic over model names (churn, recommender, ...). The gate compares a new version with the
current `champion` on the SAME evaluation set through a caller-supplied scoring function
`score(model_uri) -> float`, so both models are judged by one code path:

- the caller blocks it (e.g. a failed quality bar) -> `challenger`, whatever the scores;
- no champion yet                       -> the new version becomes `champion`;
- improvement >= margin (and > 0)       -> the new version becomes `champion`;
- otherwise                             -> the new version becomes `challenger`, champion stays.

"Improvement" is candidate - champion for metrics where higher is better, champion - candidate
otherwise. Every decision is written onto the model version as `gate.*` tags.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class GatePolicy:
    """What the gate compares and by how much a challenger must win."""

    metric: str = "roc_auc"
    margin: float = 0.0
    greater_is_better: bool = True
    # A champion that can no longer be scored on today's evaluation set (e.g. its input schema
    # changed) cannot serve either: replace it rather than block every future model.
    replace_unscorable_champion: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.margin) and self.margin >= 0):
            raise ValueError(
                f"GatePolicy.margin must be a finite number >= 0, got {self.margin!r}"
            )
        if not self.metric:
            raise ValueError(
                "GatePolicy.metric must be a metric name, got an empty string"
            )


@dataclass(frozen=True)
class PromotionDecision:
    """The gate's verdict for one model version."""

    model_name: str
    version: str
    alias: str  # CHAMPION or CHALLENGER
    metric: str
    candidate_score: float
    champion_version: str | None  # the champion before the decision
    champion_score: float | None
    margin: float
    reason: str

    @property
    def promoted(self) -> bool:
        return self.alias == CHAMPION


def model_version_uri(name: str, version: str) -> str:
    return f"models:/{name}/{version}"


def model_alias_uri(name: str, alias: str = CHAMPION) -> str:
    return f"models:/{name}@{alias}"


def register_model(
    model_uri: str,
    name: str,
    *,
    tags: Mapping[str, str] | None = None,
    description: str | None = None,
) -> str:
    """Register a logged model (e.g. `runs:/<id>/model` or `models:/m-<id>`) under `name`.

    Returns the new version number as a string. Waits until the version is READY.
    """
    import mlflow

    if not name:
        raise ValueError("register_model: the registered model name must not be empty")
    client = MlflowClient()
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description=description)
    version = mlflow.register_model(model_uri, name, tags=dict(tags or {}))
    return str(version.version)


def alias_version(name: str, alias: str = CHAMPION) -> str | None:
    """The version `alias` points at, or None when the alias (or the model) does not exist."""
    client = MlflowClient()
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def _improvement(candidate: float, champion: float, policy: GatePolicy) -> float:
    return candidate - champion if policy.greater_is_better else champion - candidate


def decide(
    name: str,
    version: str,
    candidate_score: float,
    champion_version: str | None,
    champion_score: float | None,
    policy: GatePolicy,
    blocked_reason: str | None = None,
) -> PromotionDecision:
    """The gate's pure decision (no registry access)."""
    if not math.isfinite(candidate_score):
        raise ValueError(
            f"{name} v{version}: candidate {policy.metric} is not a finite number ({candidate_score!r})"
        )

    def verdict(alias: str, reason: str) -> PromotionDecision:
        return PromotionDecision(
            name,
            version,
            alias,
            policy.metric,
            candidate_score,
            champion_version,
            champion_score,
            policy.margin,
            reason,
        )

    if blocked_reason:
        return verdict(CHALLENGER, "blocked: " + blocked_reason)
    if champion_version is None:
        return verdict(CHAMPION, "no champion yet: the first version becomes champion")
    if champion_score is None:
        return verdict(
            CHAMPION,
            f"champion v{champion_version} could not be scored on this evaluation set",
        )
    gain = _improvement(candidate_score, champion_score, policy)
    detail = (
        f"{policy.metric} {candidate_score:.4f} vs champion v{champion_version} "
        f"{champion_score:.4f} (improvement {gain:+.4f}, margin {policy.margin:.4f})"
    )
    if gain > 0 and gain >= policy.margin:
        return verdict(CHAMPION, "beats the champion: " + detail)
    return verdict(CHALLENGER, "does not beat the champion: " + detail)


def promote_if_better(
    name: str,
    version: str,
    score: Callable[[str], float],
    policy: GatePolicy | None = None,
    *,
    candidate_score: float | None = None,
    blocked_reason: str | None = None,
) -> PromotionDecision:
    """Run the champion/challenger gate for `name` version `version` and set its alias.

    Args:
        score: scores a model URI on the evaluation set (the same set for both models).
        policy: metric, margin and direction; default ROC AUC, margin 0, higher is better.
        candidate_score: the candidate's score when already computed with `score`.
        blocked_reason: when set, the version cannot become champion (e.g. it failed a
            quality bar); it is aliased challenger and the reason recorded.
    """
    policy = policy or GatePolicy()
    client = MlflowClient()
    if candidate_score is None:
        candidate_score = float(score(model_version_uri(name, version)))
    champion_version = alias_version(name, CHAMPION)
    champion_score: float | None = None
    if champion_version is not None and not blocked_reason:
        try:
            champion_score = float(score(model_version_uri(name, champion_version)))
        except Exception as exc:
            if not policy.replace_unscorable_champion:
                raise
            log.warning(
                "%s champion v%s cannot be scored: %s", name, champion_version, exc
            )
    decision = decide(
        name,
        version,
        candidate_score,
        champion_version,
        champion_score,
        policy,
        blocked_reason,
    )
    client.set_registered_model_alias(name, decision.alias, version)
    _tag_decision(client, decision)
    log.info("%s v%s -> %s: %s", name, version, decision.alias, decision.reason)
    return decision


def _tag_decision(client: MlflowClient, d: PromotionDecision) -> None:
    tags = {
        "gate.decision": d.alias,
        "gate.metric": d.metric,
        "gate.candidate_score": f"{d.candidate_score:.6f}",
        "gate.margin": f"{d.margin:.6f}",
        "gate.champion_version": d.champion_version or "none",
        "gate.champion_score": "none"
        if d.champion_score is None
        else f"{d.champion_score:.6f}",
        "gate.reason": d.reason,
    }
    for key, value in tags.items():
        client.set_model_version_tag(d.model_name, d.version, key, value)
    if d.promoted and d.champion_version is not None:
        client.set_model_version_tag(
            d.model_name, d.champion_version, "gate.superseded_by", d.version
        )
