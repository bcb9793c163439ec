"""Monte Carlo coverage of the 95% intervals: PSM (ATT, ATE) and DiD (2x2, TWFE), 100 seeds.

The figures printed here (run with -s) are the ones recorded in docs/causal.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from ml.causal.did import did_2x2, event_study, twfe
from ml.causal.psm import estimate_att
from ml.causal.simulate import simulate_confounded, simulate_panel

N_SEEDS = 100
MIN_COVERAGE = 0.90


def _report(
    name: str, covered: list[bool], estimates: list[float], ses: list[float]
) -> float:
    coverage = float(np.mean(covered))
    print(
        f"{name}: coverage {coverage:.2f} over {len(covered)} seeds, "
        f"mean estimate {np.mean(estimates):.3f}, sd {np.std(estimates, ddof=1):.3f}, "
        f"mean SE {np.mean(ses):.3f}"
    )
    return coverage


@pytest.mark.slow
@pytest.mark.parametrize("estimand", ["ATT", "ATE"])
def test_psm_interval_coverage(estimand: str) -> None:
    covered, estimates, ses = [], [], []
    for seed in range(N_SEEDS):
        data = simulate_confounded(1000, effect=2.0, seed=1000 + seed)
        result = estimate_att(
            data, "treated", "outcome", ["x1", "x2", "x3"], estimand=estimand
        )
        covered.append(result.ci_low <= 2.0 <= result.ci_high)
        estimates.append(result.estimate)
        ses.append(result.std_error)
    coverage = _report(
        f"PSM {estimand} (n=1000, 1:1, with replacement)", covered, estimates, ses
    )
    assert coverage >= MIN_COVERAGE
    assert abs(np.mean(estimates) - 2.0) < 0.05  # unbiased within Monte Carlo error


@pytest.mark.slow
def test_did_interval_coverage_with_serially_correlated_errors() -> None:
    results: dict[str, list] = {
        k: [] for k in ("2x2 cluster", "TWFE cluster", "TWFE HC1")
    }
    pretrend_p = []
    for seed in range(N_SEEDS):
        panel = simulate_panel(100, 10, effect=1.0, rho=0.8, seed=2000 + seed)
        fits = {
            "2x2 cluster": did_2x2(
                panel, "outcome", "treated_group", "post", cluster="unit"
            ),
            "TWFE cluster": twfe(
                panel, "outcome", "unit", "period", "treatment", cluster="unit"
            ),
            "TWFE HC1": twfe(panel, "outcome", "unit", "period", "treatment"),
        }
        for name, fit in fits.items():
            results[name].append(
                (fit.ci_low <= 1.0 <= fit.ci_high, fit.estimate, fit.std_error)
            )
        study = event_study(
            panel, "outcome", "unit", "period", "treatment_start", cluster="unit"
        )
        pretrend_p.append(study.pretrend_p_value)
    coverage = {}
    for name, rows in results.items():
        covered, estimates, ses = map(list, zip(*rows, strict=True))
        coverage[name] = _report(
            f"DiD {name} (100 units x 10 periods, AR(1) rho=0.8)",
            covered,
            estimates,
            ses,
        )
    rejection = float(np.mean(np.array(pretrend_p) < 0.05))
    print(f"event-study pre-trend test: rejects {rejection:.2f} of true nulls at 5%")
    assert coverage["2x2 cluster"] >= MIN_COVERAGE
    assert coverage["TWFE cluster"] >= MIN_COVERAGE
    # Ignoring the serial correlation under-covers: the reason to cluster.
    assert coverage["TWFE HC1"] < 0.85
    assert rejection <= 0.10
