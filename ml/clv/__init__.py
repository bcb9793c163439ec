"""Customer lifetime value: BG/NBD purchase model, Gamma-Gamma spend model, discounted CLV.

Usable on any transaction log: `rfm_summary` -> `fit_bgnbd` / `fit_gamma_gamma` ->
`customer_lifetime_value`. Time is measured in the summary's period (e.g. weeks).
"""

from ml.clv.bgnbd import BGNBDParams, fit_bgnbd
from ml.clv.gamma_gamma import GammaGammaParams, fit_gamma_gamma
from ml.clv.rfm import rfm_summary
from ml.clv.value import customer_lifetime_value

__all__ = [
    "BGNBDParams",
    "GammaGammaParams",
    "customer_lifetime_value",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "rfm_summary",
]
