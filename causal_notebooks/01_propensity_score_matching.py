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
# # 01 · Did the targeted discount email raise revenue? Propensity score matching
#
# Marketing emailed a discount to the customers it judged most promising: the recently active,
# high-spending, long-tenured, high-tier ones. Those customers would have bought more anyway,
# so comparing the emailed with the rest (the *naive difference*) overstates the campaign.
# Matching each emailed customer to un-emailed customers with the same probability of being
# chosen (the propensity score) compares like with like.
#
# Data: the warehouse marts (`marts.fct_orders`, `marts.fct_campaign_exposures`,
# `marts.dim_customers`, `marts.dim_campaigns`) through `ml.causal.marts.campaign_dataset`.
# Outcome: net revenue in the 30 days from the campaign start. Covariates: only what was known
# before the start. The warehouse is `ECOM_DATABASE_URL` (default: the embedded one); the
# generator's planted truth, shown beside the estimates when the loaded batches ship one, is
# found by the evaluation layer in the landing directory or `ECOM_GROUND_TRUTH_DIR`.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from evaluation.ground_truth import find_truth
from ml.causal.campaign_estimates import PSM_OPTIONS
from ml.causal.marts import CAMPAIGN_COVARIATES, campaign_dataset
from ml.causal.psm import estimate_att, naive_difference
from warehouse.connection import database_url

URL = database_url()
TRUTH = find_truth(URL)  # evaluation only: planted truth, where a source ships one
truth = TRUTH[-1].summary()["campaign"] if TRUTH else None
print("ground truth:", TRUTH[-1].path if TRUTH else "none (estimates only)")

# %%
df = campaign_dataset(URL)
design = df.attrs["design"]
print(
    f"campaign {design.campaign_id}: {design.campaign_name}, starting {design.start_date}"
)
df.groupby("treated")[["net_revenue_outcome", *CAMPAIGN_COVARIATES]].mean().round(2)

# %% [markdown]
# The emailed customers (treated = 1) were already more active before the campaign: the
# targeting is confounded with the outcome.

# %%
naive = naive_difference(df, "treated", "net_revenue_outcome")
matched = estimate_att(
    df, "treated", "net_revenue_outcome", CAMPAIGN_COVARIATES, **PSM_OPTIONS
)
att_true = truth["att_sample"] if truth else float("nan")
estimates = pd.DataFrame(
    [
        ("naive difference", naive.estimate, naive.ci_low, naive.ci_high),
        (
            "PSM ATT (4 neighbours, caliper 0.2 SD)",
            matched.estimate,
            matched.ci_low,
            matched.ci_high,
        ),
    ],
    columns=["method", "estimate", "ci_low", "ci_high"],
).assign(true_att=att_true)
estimates["covers_truth"] = (estimates["ci_low"] <= att_true) & (
    att_true <= estimates["ci_high"]
)
print("ESTIMATE TABLE")
estimates.round(2)

# %% [markdown]
# ## Overlap
# Matching needs comparable customers on both sides: the propensity distributions of treated
# and control customers must overlap.

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for value, label in [(0, "not emailed"), (1, "emailed")]:
    ax.hist(
        matched.propensity[df["treated"] == value],
        bins=30,
        alpha=0.6,
        label=label,
        density=True,
    )
ax.set_xlabel("propensity score P(emailed | pre-campaign covariates)")
ax.set_ylabel("density")
ax.set_title("Propensity overlap")
ax.legend()
plt.show()
pd.Series(matched.overlap.to_dict())

# %% [markdown]
# ## Balance (love plot)
# Standardised mean differences of each covariate before and after matching; |SMD| < 0.1 is
# the usual bar for "balanced".

# %%
balance = matched.balance.set_index("covariate")
fig, ax = plt.subplots(figsize=(6, 3))
ax.scatter(balance["smd_before"].abs(), balance.index, label="before matching")
ax.scatter(balance["smd_after"].abs(), balance.index, label="after matching")
ax.axvline(0.1, linestyle="--", color="grey")
ax.set_xlabel("|standardised mean difference|")
ax.set_title("Covariate balance")
ax.legend()
plt.show()
balance.round(3)

# %% [markdown]
# The naive difference is roughly double the effect; after matching, the covariates are
# balanced and the interval covers the planted effect (when the truth is available).
