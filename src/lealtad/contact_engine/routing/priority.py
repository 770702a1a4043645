"""One ordering of waiting contacts for every medium, shared by the router and the simulator.

A contact's key is its arrival time minus a *bounded* head start for its value (tier,
lifetime value, churn risk). Smaller keys are served first. Because the head start is
capped at ``cap_seconds``, a regular caller who has waited longer than the cap is ahead of
any valued caller who arrives after them: value reorders the line, it never starves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Value tiers as analytics names them (lealtad.customers.choices.ValueTier values).
TIERS = ("mvc", "mgc", "regular", "below_zero", "unknown")


def _default_tiers() -> Mapping[str, float]:
    seconds = {"mvc": 60.0, "mgc": 30.0, "regular": 0.0, "below_zero": 0.0, "unknown": 0.0}
    return MappingProxyType(seconds)


@dataclass(frozen=True)
class PriorityWeights:
    """Seconds of head start per tier, per unit of CLV and at churn risk 1.0, capped."""

    tier_seconds: Mapping[str, float] = field(default_factory=_default_tiers)
    clv_seconds_per_unit: float = 0.0
    churn_seconds: float = 0.0
    cap_seconds: float = 120.0

    def __post_init__(self) -> None:
        for tier, seconds in self.tier_seconds.items():
            if seconds < 0:
                raise ValueError(f"tier_seconds[{tier!r}]: must not be negative")
        if self.clv_seconds_per_unit < 0:
            raise ValueError("clv_seconds_per_unit: must not be negative")
        if self.churn_seconds < 0:
            raise ValueError("churn_seconds: must not be negative")
        if self.cap_seconds < 0:
            raise ValueError("cap_seconds: must not be negative")
        object.__setattr__(self, "tier_seconds", MappingProxyType(dict(self.tier_seconds)))

    def to_dict(self) -> dict[str, object]:
        return {
            "tier_seconds": dict(self.tier_seconds),
            "clv_seconds_per_unit": self.clv_seconds_per_unit,
            "churn_seconds": self.churn_seconds,
            "cap_seconds": self.cap_seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PriorityWeights:
        return cls(
            tier_seconds=dict(data.get("tier_seconds", _default_tiers())),  # type: ignore[call-overload]
            clv_seconds_per_unit=float(data.get("clv_seconds_per_unit", 0.0)),  # type: ignore[arg-type]
            churn_seconds=float(data.get("churn_seconds", 0.0)),  # type: ignore[arg-type]
            cap_seconds=float(data.get("cap_seconds", 120.0)),  # type: ignore[arg-type]
        )


DEFAULT_WEIGHTS = PriorityWeights()


def head_start(tier: str, clv: float, churn_risk: float, weights: PriorityWeights) -> float:
    """Seconds a contact is moved forward in line, never more than ``weights.cap_seconds``.

    Unknown tier names get no tier head start (not an error: a new tier must not stop calls).
    Negative CLV and churn risk give no head start and never push a contact back.
    """
    seconds = weights.tier_seconds.get(tier, 0.0)
    seconds += max(clv, 0.0) * weights.clv_seconds_per_unit
    seconds += min(max(churn_risk, 0.0), 1.0) * weights.churn_seconds
    return min(max(seconds, 0.0), weights.cap_seconds)


def priority_key(
    arrived_at: float, tier: str, clv: float, churn_risk: float, weights: PriorityWeights
) -> float:
    """Smaller is served first: arrival time less the bounded head start."""
    return arrived_at - head_start(tier, clv, churn_risk, weights)
