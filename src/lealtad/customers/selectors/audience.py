"""What marketing's audience read model needs of the customer record, a chunk of customers at
a time: profile, identifiers held, marketing consent per channel, contacts and the analytics
standing, as plain tuples (no model leaves this context).

Six queries per chunk whatever its size, so a full rebuild of a million customers costs a few
hundred queries, and the hub subscriber refreshing a handful pays the same six.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Max, Sum

from lealtad.customers.models import (
    Address,
    ChannelActivity,
    Consent,
    Customer,
    Email,
    Phone,
)

__all__ = [
    "CONSENT_CHANNELS",
    "PROFILE_COLUMNS",
    "count_live",
    "live_id_chunks",
    "live_ids",
    "profile_rows",
]

CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp", "mail")
PROFILE_COLUMNS = (
    "customer_id",
    "kind",
    "gender",
    "birth_date",
    "region",
    "city",
    "language",
    "income_band",
    "marital_status",
    "status",
    "created_at",
    "first_contact_at",
    "first_contact_channel",
    "preferred_channel",
    "has_email",
    "has_mobile",
    "has_national_id",
    *(f"consent_{c}" for c in CONSENT_CHANNELS),
    "contacts_count",
    "last_contact_at",
    "value_tier",
    "rfm_code",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "clv",
    "churn_risk",
    "churn_band",
    "lifecycle_stage",
)

_LIVE = {"merged_into__isnull": True, "erased_at__isnull": True}
_FIELDS = (
    "id",
    "kind",
    "gender",
    "birth_date",
    "language",
    "income_band",
    "marital_status",
    "lifecycle_status",
    "created_at",
    "first_contact_at",
    "first_contact_channel",
    "preferred_channel",
    "national_id",
    "standing__value_tier",
    "standing__rfm_code",
    "standing__rfm_recency",
    "standing__rfm_frequency",
    "standing__rfm_monetary",
    "standing__clv",
    "standing__churn_risk",
    "standing__churn_band",
    "standing__lifecycle_stage",
)


def live_id_chunks(chunk: int = 5000) -> Iterator[list[int]]:
    """Every live customer's id (not merged away, not erased), ascending, a chunk at a time."""
    last = 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last, **_LIVE)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def count_live() -> int:
    return Customer.objects.filter(**_LIVE).count()


def live_ids(customer_ids: Iterable[int]) -> set[int]:
    """Those of the ids that are live customers now."""
    wanted = list(set(customer_ids))
    return set(Customer.objects.filter(pk__in=wanted, **_LIVE).values_list("pk", flat=True))


def profile_rows(customer_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """One tuple per live customer among the ids, in :data:`PROFILE_COLUMNS` order."""
    wanted = list(set(customer_ids))
    rows = list(Customer.objects.filter(pk__in=wanted, **_LIVE).values_list(*_FIELDS))
    ids = [r[0] for r in rows]
    places = _places(ids)
    emails = set(Email.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    mobiles = _with_mobile(ids)
    consents = _consents(ids)
    contacts = _contact_totals(ids)
    out = []
    for r in rows:
        cid = r[0]
        region, city = places.get(cid, ("", ""))
        total, last = contacts.get(cid, (0, None))
        out.append(
            (
                cid,
                r[1] or "",
                r[2] or "",
                r[3],
                region,
                city,
                r[4] or "",
                r[5] or "",
                r[6] or "",
                r[7] or "",
                r[8],
                r[9],
                r[10] or "",
                r[11] or "",
                cid in emails,
                cid in mobiles,
                bool(r[12]),
                *(c in consents.get(cid, ()) for c in CONSENT_CHANNELS),
                total,
                last,
                r[13] or "",
                r[14] or "",
                r[15] or 0,
                r[16] or 0,
                r[17] or 0,
                r[18] or 0,
                r[19],
                r[20] or "",
                r[21] or "",
            )
        )
    return out


def _with_mobile(customer_ids: list[int]) -> set[int]:
    return set(
        Phone.objects.filter(customer_id__in=customer_ids, is_mobile=True).values_list(
            "customer_id", flat=True
        )
    )


def _contact_totals(customer_ids: list[int]) -> dict[int, tuple[int, Any]]:
    """Contacts summed over every channel and the latest of them, per customer."""
    return {
        cid: (total or 0, last)
        for cid, total, last in ChannelActivity.objects.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(total=Sum("contacts"), last=Max("last_contact_at"))
        .values_list("customer_id", "total", "last")
    }


def _places(customer_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Region and city of each customer's current address, a home one first."""
    rows = (
        Address.objects.filter(customer_id__in=customer_ids, valid_to__isnull=True)
        .order_by("customer_id", "id")
        .values_list("customer_id", "kind", "region", "city")
    )
    found: dict[int, tuple[bool, str, str]] = {}
    for cid, kind, region, city in rows:
        home = kind == "home"
        if cid not in found or (home and not found[cid][0]):
            found[cid] = (home, region or "", city or "")
    return {cid: (region, city) for cid, (_h, region, city) in found.items()}


def _consents(customer_ids: list[int]) -> dict[int, set[str]]:
    granted: dict[int, set[str]] = {}
    rows = Consent.objects.filter(
        customer_id__in=customer_ids, purpose="marketing", granted=True
    ).values_list("customer_id", "channel")
    for cid, channel in rows:
        granted.setdefault(cid, set()).add(channel)
    return granted
