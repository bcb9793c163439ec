"""A DoWhy model -> identify -> estimate -> refute pass over a DataFrame.

The causal graph is the backdoor graph implied by the arguments: every common cause points
at both the treatment and the outcome, and the treatment points at the outcome.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ml.causal._validation import binary_column, numeric_column, require_frame

EstimationMethod = Literal[
    "backdoor.linear_regression", "backdoor.propensity_score_matching"
]


@dataclass(frozen=True)
class Refutation:
    """One refuter's outcome: the effect re-estimated under the refuter's perturbation."""

    name: str
    estimated_effect: float
    new_effect: float
    p_value: float  # NaN when the refuter reports no significance test


@dataclass(frozen=True)
class DoWhyResult:
    """The identified estimand, the estimate and the refutations."""

    estimate: float
    method: str
    estimand: str
    refutations: list[Refutation]
    graph: str

    def refutation(self, name: str) -> Refutation:
        """The refutation called `name` (e.g. "placebo_treatment_refuter")."""
        for item in self.refutations:
            if item.name == name:
                return item
        raise KeyError(
            f"no refutation {name!r}; have {[r.name for r in self.refutations]}"
        )

    def to_frame(self) -> pd.DataFrame:
        """Refutations as a table."""
        return pd.DataFrame([r.__dict__ for r in self.refutations])


def backdoor_graph(treatment: str, outcome: str, common_causes: list[str]) -> str:
    """GML text of the graph common_cause -> {treatment, outcome}, treatment -> outcome."""
    nodes = [treatment, outcome, *common_causes]
    edges = [(treatment, outcome)]
    edges += [(c, treatment) for c in common_causes] + [
        (c, outcome) for c in common_causes
    ]
    body = " ".join(f'node [id "{n}" label "{n}"]' for n in nodes)
    body += " " + " ".join(f'edge [source "{a}" target "{b}"]' for a, b in edges)
    return f"graph [directed 1 {body}]"


def _p_value(refutation: object) -> float:
    result = getattr(refutation, "refutation_result", None)
    if isinstance(result, dict) and result.get("p_value") is not None:
        return float(np.ravel(result["p_value"])[0])
    return float("nan")


def run(
    df: pd.DataFrame,
    treatment: str,
    outcome: str,
    common_causes: list[str],
    method: EstimationMethod = "backdoor.linear_regression",
    target_units: Literal["ate", "att", "atc"] = "ate",
    num_simulations: int = 20,
    subset_fraction: float = 0.8,
    random_state: int = 0,
) -> DoWhyResult:
    """Estimate the effect of a binary treatment with DoWhy and refute it three ways.

    Refuters: placebo_treatment_refuter (permuted treatment: the effect should vanish),
    random_common_cause (an added random confounder: the effect should not move) and
    data_subset_refuter (random `subset_fraction` subsets: the effect should not move).
    `num_simulations` re-estimations per refuter keep it fast; raise it for final numbers.
    """
    from dowhy import CausalModel  # heavy import, only when used

    require_frame(df, [treatment, outcome, *common_causes])
    if not common_causes:
        raise ValueError("common_causes must name at least one column")
    if num_simulations < 2:
        raise ValueError(f"num_simulations must be >= 2, got {num_simulations}")
    data = df[[treatment, outcome, *common_causes]].copy()
    data[treatment] = binary_column(df, treatment).astype(bool)
    data[outcome] = numeric_column(df, outcome)
    for col in common_causes:
        data[col] = numeric_column(df, col)

    graph = backdoor_graph(treatment, outcome, list(common_causes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CausalModel(
            data=data, treatment=treatment, outcome=outcome, graph=graph
        )
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        estimate = model.estimate_effect(
            estimand,
            method_name=method,
            target_units=target_units,
            test_significance=False,
        )
        refuters = {
            "placebo_treatment_refuter": {"placebo_type": "permute"},
            "random_common_cause": {},
            "data_subset_refuter": {"subset_fraction": subset_fraction},
        }
        refutations = []
        # A RandomState (not an int) so that each simulation draws a different subset /
        # permutation: an int seed would repeat the same draw num_simulations times.
        for name, options in refuters.items():
            refuted = model.refute_estimate(
                estimand,
                estimate,
                method_name=name,
                num_simulations=num_simulations,
                random_state=np.random.RandomState(random_state),
                **options,
            )
            refutations.append(
                Refutation(
                    name=name,
                    estimated_effect=float(refuted.estimated_effect),
                    new_effect=float(np.ravel(refuted.new_effect)[0]),
                    p_value=_p_value(refuted),
                )
            )
    return DoWhyResult(
        estimate=float(estimate.value),
        method=method,
        estimand=str(estimand.estimand_type),
        refutations=refutations,
        graph=graph,
    )
