"""Customers' marketing preferences as the sender and the preference center read them.

The sender asks once per chunk (``preferences_of``), never once per customer: a customer
with no row has no restriction beyond their consents (``Preferences.NONE``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lealtad.marketing.models import Preference, PreferenceChange
from lealtad.marketing.models.preferences import Frequency

CHUNK = 2000


@dataclass(frozen=True)
class Preferences:
    """What one customer asked: topics refused, a frequency (``any``, ``weekly``,
    ``monthly`` with ``limit`` messages at most, or ``important`` only) and a language."""

    customer_id: int
    refused_topics: frozenset[str] = field(default_factory=frozenset)
    frequency: str = Frequency.ANY
    limit: int | None = None
    language: str = ""

    def refuses(self, topic: str) -> bool:
        return bool(topic) and topic in self.refused_topics

    def allows(self, topic: str, important: bool, sent_in_period: int) -> bool:
        """May one more message go out, given how many went in the frequency's period
        (the last 7 days for weekly, 30 for monthly)?"""
        if self.refuses(topic):
            return False
        if self.frequency == Frequency.IMPORTANT:
            return important
        if self.frequency in (Frequency.WEEKLY, Frequency.MONTHLY) and self.limit is not None:
            return sent_in_period < self.limit
        return True

    @property
    def period_days(self) -> int | None:
        return {Frequency.WEEKLY: 7, Frequency.MONTHLY: 30}.get(Frequency(self.frequency))


def _of(row: Preference) -> Preferences:
    return Preferences(
        row.customer_id,
        frozenset(row.refused_topics or ()),
        row.frequency,
        row.frequency_limit,
        row.language,
    )


def preferences_of(customer_ids: Iterable[int]) -> dict[int, Preferences]:
    """Every asked customer's preferences (a default for those with none), in few queries."""
    ids = sorted(set(customer_ids))
    found: dict[int, Preferences] = {i: Preferences(i) for i in ids}
    for start in range(0, len(ids), CHUNK):
        for row in Preference.objects.filter(customer_id__in=ids[start : start + CHUNK]):
            found[row.customer_id] = _of(row)
    return found


def preferences_for(customer_id: int) -> Preferences:
    return preferences_of([customer_id])[customer_id]


def history(customer_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The customer's preference changes, newest first (for the 360 and the center)."""
    rows = PreferenceChange.objects.filter(customer_id=customer_id)[:limit]
    return [
        {
            "field": r.field,
            "before": r.before,
            "after": r.after,
            "at": r.at,
            "method": r.method,
            "proof_reference": r.proof_reference,
        }
        for r in rows
    ]


def changed_since(customer_id: int, since: datetime) -> int:
    return PreferenceChange.objects.filter(customer_id=customer_id, at__gte=since).count()
