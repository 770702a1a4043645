"""What the contact center's dialer may know of the customers on a call list, and which
customers a segment names (by the standing the analytics refresh writes back).

The dialer asks before every attempt, so a consent withdrawn after the list was built stops
the next call. A few queries for a whole batch of customers, never one per customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from lealtad.customers.models import Address, Consent, Customer, CustomerStanding, Phone

CHUNK = 5000


@dataclass(frozen=True)
class DialingFacts:
    customer_id: int
    phone: str  # the primary phone in E.164 ('' when the customer has none)
    phone_consent: bool  # a phone consent for the purpose, granted and in force
    phone_refused: bool  # the customer withdrew phone calls for the purpose
    country: str  # of the current address, for the time zone ('' when unknown)
    region: str


def dialing_facts(customer_ids: Iterable[int], purpose: str) -> dict[int, DialingFacts]:
    """Facts for each of ``customer_ids`` that is a live customer (merged and erased ones are
    left out: they must not be called under the old record)."""
    ids = list(customer_ids)
    live = set(
        Customer.objects.filter(
            pk__in=ids, merged_into__isnull=True, erased_at__isnull=True
        ).values_list("pk", flat=True)
    )
    phones: dict[int, str] = {}
    for customer_id, e164 in (
        Phone.objects.filter(customer_id__in=live)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "e164")
    ):
        phones.setdefault(customer_id, e164)
    consent = dict(
        Consent.objects.filter(customer_id__in=live, channel="phone", purpose=purpose).values_list(
            "customer_id", "granted"
        )
    )
    places: dict[int, tuple[str, str]] = {}
    current = Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
    for customer_id, country, region in (
        Address.objects.filter(current, customer_id__in=live)
        .order_by("customer_id", "-valid_from", "-id")
        .values_list("customer_id", "country", "region")
    ):
        places.setdefault(customer_id, (country, region))
    return {
        cid: DialingFacts(
            customer_id=cid,
            phone=phones.get(cid, ""),
            phone_consent=consent.get(cid) is True,
            phone_refused=consent.get(cid) is False,
            country=places.get(cid, ("", ""))[0],
            region=places.get(cid, ("", ""))[1],
        )
        for cid in ids
        if cid in live
    }


def live_customer_ids(customer_ids: Iterable[int]) -> set[int]:
    """Which of these ids are customers that exist and were neither merged nor erased
    (asked in chunks: a list may name hundreds of thousands)."""
    ids, live = list(customer_ids), set()
    for start in range(0, len(ids), CHUNK):
        live |= set(
            Customer.objects.filter(
                pk__in=ids[start : start + CHUNK], merged_into__isnull=True, erased_at__isnull=True
            ).values_list("pk", flat=True)
        )
    return live


def customers_in_segment(
    *,
    tiers: Iterable[str] = (),
    stages: Iterable[str] = (),
    churn_bands: Iterable[str] = (),
    limit: int | None = None,
) -> list[int]:
    """Ids of live customers whose standing matches every given criterion (an empty one
    does not filter), in id order."""
    rows = CustomerStanding.objects.filter(
        customer__merged_into__isnull=True, customer__erased_at__isnull=True
    )
    if tiers := list(tiers):
        rows = rows.filter(value_tier__in=tiers)
    if stages := list(stages):
        rows = rows.filter(lifecycle_stage__in=stages)
    if churn_bands := list(churn_bands):
        rows = rows.filter(churn_band__in=churn_bands)
    ids = rows.order_by("customer_id").values_list("customer_id", flat=True)
    return list(ids[:limit] if limit is not None else ids)
