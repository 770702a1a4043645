"""What the analytics context keeps of a person, erased with them: their usage readings and
the history of their value tiers (a profile of the person). The cube's facts carry no
personal data (ids and amounts) and the next export drops the erased customer's profile."""

from __future__ import annotations

from lealtad.analytics.models import TierChange, UsageReading
from lealtad.core.redaction import Redactor


def erase_customers(customer_ids: list[int], redactor: Redactor) -> dict[str, int]:
    return {
        "usage_reading": UsageReading.objects.filter(customer_id__in=customer_ids).delete()[0],
        "tier_change": TierChange.objects.filter(customer_id__in=customer_ids).delete()[0],
    }
