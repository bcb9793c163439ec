"""Causal inference on any DataFrame.

Modules (import them directly; DoWhy and EconML load only when their functions run):
- `ml.causal.psm`: propensity score matching (ATT/ATE) with Abadie-Imbens standard errors,
  balance and overlap diagnostics, and the naive difference for comparison.
- `ml.causal.did`: difference-in-differences (2x2, two-way fixed effects, event study).
- `ml.causal.dowhy_analysis`: DoWhy identify / estimate / refute.
- `ml.causal.heterogeneous`: CATE by segment with EconML double machine learning.
- `ml.causal.simulate`: data with planted effects, for tests and demos.
"""
