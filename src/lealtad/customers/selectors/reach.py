"""What a campaign may know of the customers it is about to write to, on any consent channel
(e-mail, SMS, WhatsApp, phone, post): the address for that channel, whether the customer
consented to it for the purpose, the language, the first name for the greeting and where they
live (the time zone of their quiet hours comes from the country and province).

Asked right before each chunk of a send is handed over, so a consent withdrawn half-way
through a send stops every later message to that person. A few queries per chunk, never one
per customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from lealtad.customers.models import Address, Consent, Customer, Email, Phone

LANGUAGES = ("es", "en")
CONSENT_CHANNELS = ("email", "sms", "whatsapp", "phone", "mail")


@dataclass(frozen=True)
class ReachFacts:
    customer_id: int
    address: str  # e-mail, E.164 phone or one-line postal address ('' when none)
    consent: bool  # a consent for the channel and purpose, granted
    refused: bool  # the customer withdrew the channel for the purpose
    language: str  # 'es' or 'en'
    first_name: str
    display_name: str
    country: str  # of the current postal address ('' when unknown)
    region: str
    city: str = ""
    postal_code: str = ""


def reach_facts(customer_ids: Iterable[int], channel: str, purpose: str) -> dict[int, ReachFacts]:
    """Facts for each of ``customer_ids`` that is a live customer, for ``channel`` (one of
    :data:`CONSENT_CHANNELS`); merged and erased customers are left out."""
    if channel not in CONSENT_CHANNELS:
        raise ValueError(f"unknown consent channel {channel!r}")
    ids = list(customer_ids)
    live = {
        pk: (given, display, language)
        for pk, given, display, language in Customer.objects.filter(
            pk__in=ids, merged_into__isnull=True, erased_at__isnull=True
        ).values_list("pk", "given_names", "display_name", "language")
    }
    places = _places(live)
    addresses = _addresses(live, channel, places)
    consent = dict(
        Consent.objects.filter(customer_id__in=live, channel=channel, purpose=purpose).values_list(
            "customer_id", "granted"
        )
    )
    facts = {}
    for cid in ids:
        if cid not in live:
            continue
        given, display, language = live[cid]
        place = places.get(cid, ("", "", "", "", ""))
        facts[cid] = ReachFacts(
            customer_id=cid,
            address=addresses.get(cid, ""),
            consent=consent.get(cid) is True,
            refused=consent.get(cid) is False,
            language=_language(language),
            first_name=(given or "").split(" ")[0],
            display_name=display,
            country=place[0],
            region=place[1],
            city=place[2],
            postal_code=place[3],
        )
    return facts


def _addresses(
    live: Iterable[int], channel: str, places: dict[int, tuple[str, str, str, str, str]]
) -> dict[int, str]:
    """The primary address of each customer on the channel (else the first on file)."""
    found: dict[int, str] = {}
    pairs: Iterable[tuple[int, str]]
    if channel == "email":
        rows = Email.objects.filter(customer_id__in=live).order_by(
            "customer_id", "-is_primary", "id"
        )
        pairs = rows.values_list("customer_id", "address")
    elif channel == "mail":
        return {cid: place[4] for cid, place in places.items() if place[4]}
    else:
        phones = Phone.objects.filter(customer_id__in=live).exclude(validity="invalid")
        if channel in ("sms", "whatsapp"):
            phones = phones.filter(is_mobile=True)
        pairs = phones.order_by("customer_id", "-is_primary", "id").values_list(
            "customer_id", "e164"
        )
    for customer_id, value in pairs:
        found.setdefault(customer_id, value)
    return found


def _places(live: Iterable[int]) -> dict[int, tuple[str, str, str, str, str]]:
    """Country, province, city, postal code and the one-line address of the current address."""
    current = Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
    places: dict[int, tuple[str, str, str, str, str]] = {}
    for cid, country, region, city, postal, line1, line2 in (
        Address.objects.filter(current, customer_id__in=live)
        .order_by("customer_id", "-valid_from", "-id")
        .values_list("customer_id", "country", "region", "city", "postal_code", "line1", "line2")
    ):
        line = ", ".join(part for part in (line1, line2) if part)
        places.setdefault(cid, (country, region, city, postal, line))
    return places


def _language(stored: str | None) -> str:
    code = (stored or "").strip().lower()[:2]
    return code if code in LANGUAGES else "es"
