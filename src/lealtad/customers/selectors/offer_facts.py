"""What the next-best-offer may know of a customer: whether the record is live, the language
to pitch in, the standing the analytics refresh wrote back (tier, stage, churn, lifetime
value) and the marketing consents per channel.

Two indexed queries, asked on every offer request: a consent withdrawn a second ago already
holds back the next marketing offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lealtad.customers.choices import ConsentChannel
from lealtad.customers.models import Consent, Customer

LANGUAGES = ("es", "en")
CHANNELS = frozenset(ConsentChannel.values)


@dataclass(frozen=True)
class OfferFacts:
    customer_id: int
    language: str  # 'es' or 'en'
    value_tier: str = ""
    lifecycle_stage: str = ""
    churn_band: str = ""
    churn_risk: float | None = None
    clv: float = 0.0
    marketing: dict[str, bool] = field(default_factory=dict)  # consent channel -> granted

    @property
    def objector(self) -> bool:
        """Refused marketing on every consent channel: what an objection (a data-subject
        request) writes, and what a customer who said no everywhere means."""
        refused = {channel for channel, granted in self.marketing.items() if not granted}
        return refused >= CHANNELS


STANDING = (
    "language",
    "standing__value_tier",
    "standing__lifecycle_stage",
    "standing__churn_band",
    "standing__churn_risk",
    "standing__clv",
)


def offer_facts(customer_id: int) -> OfferFacts | None:
    """The customer's facts, or None for an unknown, merged or erased record (nothing is
    offered under a record that no longer stands for a person)."""
    row = (
        Customer.objects.filter(pk=customer_id, merged_into__isnull=True, erased_at__isnull=True)
        .values_list(*STANDING)
        .first()
    )
    if row is None:
        return None
    language, tier, stage, band, risk, clv = row
    consents = Consent.objects.filter(customer_id=customer_id, purpose="marketing")
    code = (language or "").strip().lower()[:2]
    return OfferFacts(
        customer_id=customer_id,
        language=code if code in LANGUAGES else "es",
        value_tier=tier or "",
        lifecycle_stage=stage or "",
        churn_band=band or "",
        churn_risk=risk,
        clv=float(clv or 0),
        marketing=dict(consents.values_list("channel", "granted")),
    )


def live_customers(customer_ids: set[int]) -> set[int]:
    """The ids among ``customer_ids`` that stand for a person now (not merged, not erased)."""
    return set(
        Customer.objects.filter(
            pk__in=customer_ids, merged_into__isnull=True, erased_at__isnull=True
        ).values_list("pk", flat=True)
    )
