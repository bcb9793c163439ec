"""Planted generative parameters and table sizes (the truth every test recovers).

Time unit of the purchasing model is WEEKS. Money is held as integer cents internally.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

GENERATOR_VERSION = "1.0.0"


@dataclass(frozen=True)
class PurchaseParams:
    """BG/NBD (purchase rate and dropout) and Gamma-Gamma (spend) population parameters."""

    r: float = 1.6  # lambda ~ Gamma(shape=r, rate=alpha), per week
    alpha: float = 5.0
    a: float = 1.0  # dropout p ~ Beta(a, b) after every purchase
    b: float = 12.0
    gg_p: float = 6.0  # order value z ~ Gamma(shape=p, rate=nu)
    gg_q: float = 4.0  # nu ~ Gamma(shape=q, rate=gamma)
    gg_gamma: float = 45.0

    @property
    def mean_lambda(self) -> float:
        return self.r / self.alpha

    @property
    def mean_order_value(self) -> float:
        """E[z] = p * gamma / (q - 1), in dollars."""
        return self.gg_p * self.gg_gamma / (self.gg_q - 1.0)


@dataclass(frozen=True)
class CampaignParams:
    """The confounded discount-email campaign with a planted effect."""

    start_fraction: float = 0.40  # campaign start as a fraction of the window
    outcome_days: int = 30
    discount_pct: float = 15.0
    lookback_days: int = 180  # covariate window for targeting
    # logit(P(target)) = intercept + w_orders*log1p(orders) + w_revenue*log1p(revenue/100) + tier + w_tenure*tenure_years
    intercept: float = -3.2
    w_orders: float = 1.1
    w_revenue: float = 0.5
    w_tenure: float = 0.25
    tier_effects: dict[str, float] = field(
        default_factory=lambda: {
            "bronze": 0.0,
            "silver": 0.4,
            "gold": 0.8,
            "platinum": 1.2,
        }
    )
    # incremental purchase rate = uplift[tier] * lambda * seasonality while alive, for outcome_days
    uplift_by_tier: dict[str, float] = field(
        default_factory=lambda: {
            "bronze": 0.3,
            "silver": 0.5,
            "gold": 0.8,
            "platinum": 1.1,
        }
    )


@dataclass(frozen=True)
class RolloutParams:
    """Regional free-shipping rollout (difference-in-differences)."""

    treated_regions: tuple[str, ...] = ("southwest", "west")
    start_fraction: float = 0.60
    uplift: float = (
        0.30  # incremental purchase rate = uplift * lambda * seasonality while alive
    )
    panel_weeks: int = 12  # pre and post window length of the 2x2 outcome


@dataclass(frozen=True)
class OperationalParams:
    """Rates of the operational processes around orders."""

    cancel_rate: float = 0.04
    return_rate: float = 0.07  # of delivered orders
    review_rate: float = 0.15  # of delivered order lines
    failed_payment_rate: float = 0.03
    lost_shipment_rate: float = 0.005
    ticket_rate: float = 0.04  # per order
    browse_sessions_per_order: float = 2.5  # extra customer sessions before an order
    anonymous_sessions_per_order: float = 1.0
    free_shipping_threshold_cents: int = 5000
    shipping_fee_cents: int = 599
    promo_line_rate: float = 0.05  # share of lines with a random promo discount
    opt_in_rate: float = 0.65
    initial_cohort_share: float = 0.25  # customers signed up before window start
    signup_growth: float = 1.5  # signup intensity at window end / at window start - 1
    n_factors: int = 8
    factor_scale: float = 0.45  # sd of each customer/product factor component
    popularity_sigma: float = 1.0  # log popularity ~ N(0, sigma)


@dataclass(frozen=True)
class Sizes:
    """Table sizes for a scale factor."""

    customers: int
    products: int
    brands: int = 150
    campaigns: int = 15

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        if not (scale > 0 and math.isfinite(scale)):
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        return cls(
            customers=max(20, round(100_000 * scale)),
            products=max(200, round(5000 * math.sqrt(scale))),
        )


@dataclass(frozen=True)
class Params:
    purchase: PurchaseParams = field(default_factory=PurchaseParams)
    campaign: CampaignParams = field(default_factory=CampaignParams)
    rollout: RolloutParams = field(default_factory=RolloutParams)
    ops: OperationalParams = field(default_factory=OperationalParams)

    def as_dict(self) -> dict:
        return asdict(self)
