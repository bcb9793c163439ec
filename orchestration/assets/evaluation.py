"""Group `evaluation`: the models and estimates against the generator's planted truth.

These assets run only where the loaded batches ship ground truth (the generator does; a real
shop's exports do not). Without it they log why, materialize nothing, and their checks are
skipped: the run still succeeds and production (training, gates, scoring, serving) is the same
either way. With it, each asset records its comparison as metadata and a non-blocking check
reports whether the planted-truth bar is met.
"""

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg

from orchestration.resources import WarehouseResource

OWNER = "team:ml-engineering"
GROUP = "evaluation"
CHURN_MODEL = dg.AssetKey(["ml", "churn_model"])
RECOMMENDER_MODEL = dg.AssetKey(["ml", "recommender_model"])
CUSTOMER_CLV = dg.AssetKey(["ml", "customer_clv"])
CAMPAIGN_EFFECTS = dg.AssetKey(["analytics", "campaign_effects"])

CHURN_VS_ORACLE = dg.AssetKey(["evaluation", "churn_vs_oracle"])
RECOMMENDER_VS_PLANTED = dg.AssetKey(["evaluation", "recommender_vs_planted"])
CLV_VS_PLANTED = dg.AssetKey(["evaluation", "clv_vs_planted"])
EFFECTS_VS_PLANTED = dg.AssetKey(["evaluation", "causal_effects_vs_planted"])


def _evaluate(
    context: dg.AssetExecutionContext,
    url: str,
    run: Callable[[list], dict[str, Any]],
) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
    """Find the planted truth; without it observe why and materialize nothing."""
    from evaluation.ground_truth import find_truth, no_truth_reason

    batches = find_truth(url)
    if not batches:
        # reported as an observation (visible on the asset in the UI), not a materialization:
        # the asset stays unmaterialized and its check is skipped
        reason = no_truth_reason(url)
        context.log.info("evaluation skipped: %s", reason)
        yield dg.AssetObservation(
            asset_key=context.asset_key,
            metadata={"ground_truth": "none", "reason": reason},
        )
        return
    result = run(batches)
    metadata = {
        k: (dg.MetadataValue.json(v) if isinstance(v, dict) else v)
        for k, v in result.items()
        if isinstance(v, int | float | str | bool | dict | dg.MetadataValue)
    }
    metadata["truth_batches"] = ", ".join(b.batch_id for b in batches)
    yield dg.MaterializeResult(metadata=metadata)


def _latest_verdict(
    context: dg.AssetCheckExecutionContext, key: dg.AssetKey
) -> dg.AssetCheckResult:
    """The check result from the `passed` flag of the asset's latest materialization."""
    event = context.instance.get_latest_materialization_event(key)
    materialization = event.asset_materialization if event else None
    if materialization is None:
        return dg.AssetCheckResult(
            passed=False, metadata={"reason": "the evaluation asset has no result"}
        )
    meta = materialization.metadata
    passed = meta.get("passed")
    value = passed.value if isinstance(passed, dg.MetadataValue) else passed
    return dg.AssetCheckResult(
        passed=bool(value),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={k: v for k, v in meta.items() if k != "passed"},
    )


@dg.asset(
    key=CHURN_VS_ORACLE,
    group_name=GROUP,
    deps=[CHURN_MODEL],
    output_required=False,
    kinds={"python"},
    owners=[OWNER],
    description="The churn champion on the evaluation cutoff against the Bayes oracle that "
    "knows the planted BG/NBD parameters (and the clairvoyant one that knows who dropped out).",
)
def churn_vs_oracle(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from evaluation.churn_oracle import evaluate_champion
    from ml.churn.predict import CHAMPION_URI

    url = warehouse.url()
    yield from _evaluate(
        context, url, lambda batches: evaluate_champion(url, batches, CHAMPION_URI)
    )


@dg.asset_check(
    asset=CHURN_VS_ORACLE,
    name="meets_oracle_bar",
    description="accuracy >= 0.85 and ROC AUC >= 0.97 x the Bayes oracle's",
)
def churn_oracle_bar(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return _latest_verdict(context, CHURN_VS_ORACLE)


@dg.asset(
    key=RECOMMENDER_VS_PLANTED,
    group_name=GROUP,
    deps=[RECOMMENDER_MODEL],
    output_required=False,
    kinds={"python"},
    owners=[OWNER],
    description="How many of each customer's planted favourite products the recommender "
    "champion ranks in its top 10, beside global popularity on the same interactions.",
)
def recommender_vs_planted(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
):
    from evaluation.recommender_planted import evaluate_champion
    from ml.recommender.batch import CHAMPION_URI

    url = warehouse.url()
    yield from _evaluate(
        context, url, lambda batches: evaluate_champion(url, batches, CHAMPION_URI)
    )


@dg.asset_check(
    asset=RECOMMENDER_VS_PLANTED,
    name="finds_more_planted_items_than_popularity",
    description="planted precision@10 of the champion > that of global popularity",
)
def recommender_planted_bar(
    context: dg.AssetCheckExecutionContext,
) -> dg.AssetCheckResult:
    return _latest_verdict(context, RECOMMENDER_VS_PLANTED)


@dg.asset(
    key=CLV_VS_PLANTED,
    group_name=GROUP,
    deps=[CUSTOMER_CLV],
    output_required=False,
    kinds={"python"},
    owners=[OWNER],
    description="The fitted BG/NBD parameters in `ml.customer_clv` against the planted ones "
    "(mean purchase rate and dropout probability).",
)
def clv_vs_planted(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from evaluation.clv_recovery import evaluate_fit

    url = warehouse.url()
    yield from _evaluate(context, url, lambda batches: evaluate_fit(url, batches))


@dg.asset_check(
    asset=CLV_VS_PLANTED,
    name="recovers_population_parameters",
    description="mean purchase rate and mean dropout probability within 35% of the planted",
)
def clv_recovery_bar(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return _latest_verdict(context, CLV_VS_PLANTED)


@dg.asset(
    key=EFFECTS_VS_PLANTED,
    group_name=GROUP,
    deps=[CAMPAIGN_EFFECTS],
    output_required=False,
    kinds={"python"},
    owners=[OWNER],
    description="The estimates in `analytics.campaign_effects` beside the planted campaign "
    "and rollout effects: error and whether each 95% interval covers the truth.",
)
def causal_effects_vs_planted(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
):
    from evaluation.causal_truth import evaluate_effects

    url = warehouse.url()

    def run(batches: list) -> dict[str, Any]:
        result = evaluate_effects(url, batches)
        rows = result["rows"]
        known = rows[rows["true_effect"].notna()]
        table = known[
            ["method", "subgroup", "estimate", "ci_low", "ci_high", "true_effect"]
        ].round(4)
        return {
            "covered": result["covered"],
            "passed": result["passed"],
            "comparison": dg.MetadataValue.md(table.to_markdown(index=False)),
        }

    yield from _evaluate(context, url, run)


@dg.asset_check(
    asset=EFFECTS_VS_PLANTED,
    name="intervals_cover_planted_effects",
    description="the matching ATT and the 2x2 DiD 95% intervals cover their planted effects",
)
def causal_truth_bar(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return _latest_verdict(context, EFFECTS_VS_PLANTED)


EVALUATION_ASSETS = [
    churn_vs_oracle,
    recommender_vs_planted,
    clv_vs_planted,
    causal_effects_vs_planted,
]
EVALUATION_CHECKS = [
    churn_oracle_bar,
    recommender_planted_bar,
    clv_recovery_bar,
    causal_truth_bar,
]
