# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Who responded to the campaign? Effects by loyalty tier, and DoWhy's refutations
#
# The discount email's effect differs by loyalty tier. Two estimates per tier:
#
# * **matching within the tier** (`psm_att_<tier>`): the effect on the tier's emailed
#   customers (ATT) — the quantity the generator records as the truth;
# * **double machine learning** (EconML LinearDML, `cate_<tier>`): the average effect over every
#   eligible customer of the tier, emailed or not. Within a tier the emailed customers are the
#   active ones, who respond most, so this sits below the tier ATT.
#
# Then DoWhy builds the causal graph (pre-campaign covariates -> email, revenue), estimates the
# effect and tries to knock it down: a placebo treatment should give ~0, an extra random
# confounder or a random subset should not move it.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from evaluation.ground_truth import find_truth
from ml.causal import dowhy_analysis
from ml.causal.campaign_estimates import TIER_PSM_OPTIONS
from ml.causal.heterogeneous import cate_by_segment
from ml.causal.marts import CAMPAIGN_COVARIATES, TIERS, campaign_dataset
from ml.causal.psm import estimate_att
from warehouse.connection import database_url

URL = database_url()
TRUTH = find_truth(URL)  # evaluation only: planted truth, where a source ships one
truth = TRUTH[-1].summary()["campaign"] if TRUTH else None
print("ground truth:", TRUTH[-1].path if TRUTH else "none (estimates only)")
df = campaign_dataset(URL)
controls = [c for c in CAMPAIGN_COVARIATES if c != "tier_rank"]

# %%
rows = []
for tier in TIERS:
    part = df[df["loyalty_tier"] == tier]
    res = estimate_att(
        part, "treated", "net_revenue_outcome", controls, **TIER_PSM_OPTIONS
    )
    true_att = truth["att_by_segment"][tier]["att_sample"] if truth else np.nan
    rows.append(
        (
            tier,
            int(part["treated"].sum()),
            res.estimate,
            res.ci_low,
            res.ci_high,
            true_att,
        )
    )
by_tier = pd.DataFrame(
    rows, columns=["tier", "n_treated", "psm_att", "ci_low", "ci_high", "true_att"]
).set_index("tier")
dml = cate_by_segment(
    df, "treated", "net_revenue_outcome", controls, segment="loyalty_tier", method="dml"
)
by_tier = by_tier.join(
    dml.rename(columns=lambda c: f"dml_cate_{c}" if c != "n" else "n_eligible")
)
print("ESTIMATE TABLE")
by_tier.round(1)

# %%
x = np.arange(len(TIERS))
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.errorbar(
    x - 0.1,
    by_tier["psm_att"],
    yerr=[
        by_tier["psm_att"] - by_tier["ci_low"],
        by_tier["ci_high"] - by_tier["psm_att"],
    ],
    fmt="o",
    capsize=3,
    label="matching ATT within tier",
)
ax.errorbar(
    x + 0.1,
    by_tier["dml_cate_estimate"],
    yerr=[
        by_tier["dml_cate_estimate"] - by_tier["dml_cate_ci_low"],
        by_tier["dml_cate_ci_high"] - by_tier["dml_cate_estimate"],
    ],
    fmt="s",
    capsize=3,
    label="LinearDML CATE (all eligible)",
)
if truth:
    ax.scatter(
        x,
        by_tier["true_att"],
        marker="*",
        s=150,
        color="green",
        label="planted ATT",
        zorder=3,
    )
ax.set_xticks(x, TIERS)
ax.set_ylabel("net revenue effect, 30 days ($)")
ax.set_title("Campaign effect by loyalty tier")
ax.legend()
plt.show()

# %% [markdown]
# ## DoWhy: identify, estimate, refute

# %%
refuted = dowhy_analysis.run(
    df,
    "treated",
    "net_revenue_outcome",
    CAMPAIGN_COVARIATES,
    method="backdoor.propensity_score_matching",
    target_units="att",
    num_simulations=20,
)
print(f"DoWhy matching ATT: {refuted.estimate:.2f} (estimand: {refuted.estimand})")
print("REFUTATIONS")
refuted.to_frame().round(3)
