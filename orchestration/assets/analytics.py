"""Group `analytics`: causal campaign and rollout effects on the warehouse marts."""

import dagster as dg

from orchestration.resources import WarehouseResource


@dg.asset(
    key=["analytics", "campaign_effects"],
    group_name="analytics",
    deps=[
        dg.AssetKey(["marts", "fct_orders"]),
        dg.AssetKey(["marts", "fct_campaign_exposures"]),
        dg.AssetKey(["marts", "dim_customers"]),
        dg.AssetKey(["marts", "dim_campaigns"]),
        dg.AssetKey(["marts", "dim_geography"]),
    ],
    kinds={"statsmodels", "postgres"},
    owners=["team:analytics"],
    description="`analytics.campaign_effects`: naive vs propensity-score-matched vs DoWhy "
    "estimates of the targeted campaign's effect, difference-in-differences/TWFE/event study "
    "of the regional free-shipping rollout, per-tier effects — each with CI, n, run time and "
    "data batch.",
)
def campaign_effects(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml.causal.batch import score_campaign_effects

    effects = score_campaign_effects(warehouse.url())
    headline = effects[effects["method"].isin(["naive", "psm_att", "did_2x2"])]
    table = headline[["method", "estimate", "ci_low", "ci_high"]].round(4)
    unanswered = effects[effects["method"] == "not_identifiable"]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(effects)),
            "headline": dg.MetadataValue.md(
                table.to_markdown(index=False) if len(table) else "no estimates"
            ),
            "not_identifiable": dg.MetadataValue.md(
                "\n".join(
                    f"- {r.analysis} / {r.estimand}: {r.diagnostics['reason']}"
                    for r in unanswered.itertuples()
                )
                or "none"
            ),
        }
    )
