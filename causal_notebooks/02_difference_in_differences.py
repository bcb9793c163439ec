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
# # 02 · Did free shipping raise purchase frequency? Difference in differences
#
# Free shipping was switched on in some regions on one day. Regions were not chosen for their
# customers' behaviour, so the change in the other regions over the same weeks is a fair
# estimate of what would have happened without it (parallel trends). The event study checks
# that assumption: before the rollout, the treated regions should not drift away.
#
# The rollout (regions and date) is found in the orders themselves: below the usual
# free-shipping threshold, orders pay shipping except where the policy applies.
# Panel: customers signed up before the pre window x 12 weeks each side; outcome = orders per
# customer-week; standard errors clustered by customer.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from evaluation.ground_truth import find_truth
from ml.causal.did import did_2x2, event_study, twfe
from ml.causal.marts import detect_rollout, rollout_panel
from warehouse.connection import database_url

URL = database_url()
TRUTH = find_truth(URL)  # evaluation only: planted truth, where a source ships one
truth = TRUTH[-1].summary()["rollout"] if TRUTH else None
print("ground truth:", TRUTH[-1].path if TRUTH else "none (estimates only)")

# %%
design = detect_rollout(URL)
panel = rollout_panel(URL, design)
print(f"free shipping in {design.treated_regions} from {design.rollout_date}")
print(f"{panel['customer_id'].nunique()} customers x {panel['week'].nunique()} weeks")
panel.groupby(["treated", "post"])["orders"].mean().unstack().round(4)

# %%
weekly = panel.groupby(["week", "treated"])["orders"].mean().unstack()
ax = weekly.rename(columns={0: "other regions", 1: "free-shipping regions"}).plot(
    figsize=(7, 3.5)
)
ax.axvline(-0.5, linestyle="--", color="grey")
ax.set_xlabel("week relative to the rollout")
ax.set_ylabel("orders per customer")
ax.set_title("Weekly purchase frequency")
plt.show()

# %%
effect_true = truth["effect_sample"] if truth else float("nan")
two = did_2x2(panel, "orders", "treated", "post", cluster="cluster_id")
fe = twfe(panel, "orders", "customer_id", "week", "treated_post", cluster="cluster_id")
estimates = pd.DataFrame(
    [
        ("2x2 DiD", two.estimate, two.ci_low, two.ci_high),
        ("TWFE", fe.estimate, fe.ci_low, fe.ci_high),
    ],
    columns=["method", "estimate", "ci_low", "ci_high"],
).assign(true_effect=effect_true)
estimates["covers_truth"] = (estimates["ci_low"] <= effect_true) & (
    effect_true <= estimates["ci_high"]
)
print("ESTIMATE TABLE")
estimates.round(4)

# %% [markdown]
# ## Event study
# One coefficient per week relative to the rollout (week -1 is the reference). Leads (weeks
# before) near zero support parallel trends; the joint F test of all leads should not reject.

# %%
study = event_study(
    panel,
    "orders",
    "customer_id",
    "week",
    "start_week",
    leads=design.weeks,
    lags=design.weeks - 1,
    cluster="cluster_id",
)
coefs = study.coefficients
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.errorbar(
    coefs["rel_time"],
    coefs["estimate"],
    yerr=[coefs["estimate"] - coefs["ci_low"], coefs["ci_high"] - coefs["estimate"]],
    fmt="o",
    capsize=2,
)
ax.axhline(0, color="grey")
ax.axvline(-0.5, linestyle="--", color="grey")
if truth:
    ax.axhline(
        effect_true, color="green", linestyle=":", label="planted effect (average)"
    )
    ax.legend()
ax.set_xlabel("week relative to the rollout")
ax.set_ylabel("effect on orders per customer-week")
ax.set_title("Event study (95% CIs, clustered by customer)")
plt.show()
print(
    f"PRE-TREND TEST: F = {study.pretrend_f:.2f}, p = {study.pretrend_p_value:.3f}, df = {study.pretrend_df}"
)
