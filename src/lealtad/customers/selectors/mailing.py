"""What a context that writes to customers by e-mail (the service desk's surveys) may know
of them: the address, whether the customer consented to e-mail for the purpose, and the
language to write in. The e-mail counterpart of :mod:`lealtad.customers.selectors.dialing`.

Asked right before sending, so a consent withdrawn after the mail was scheduled stops it. A
few queries for a whole batch of customers, never one per customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lealtad.customers.models import Consent, Customer, Email

LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class MailingFacts:
    customer_id: int
    email: str  # the primary address, else the first ('' when the customer has none)
    consent: bool  # an e-mail consent for the purpose, granted and in force
    refused: bool  # the customer withdrew e-mail for the purpose
    language: str  # 'es' or 'en' (Spanish when the profile names neither)


def mailing_facts(customer_ids: Iterable[int], purpose: str) -> dict[int, MailingFacts]:
    """Facts for each of ``customer_ids`` that is a live customer (merged and erased ones are
    left out: they must not be written to under the old record)."""
    ids = list(customer_ids)
    live = dict(
        Customer.objects.filter(
            pk__in=ids, merged_into__isnull=True, erased_at__isnull=True
        ).values_list("pk", "language")
    )
    emails: dict[int, str] = {}
    for customer_id, address in (
        Email.objects.filter(customer_id__in=live)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "address")
    ):
        emails.setdefault(customer_id, address)
    consent = dict(
        Consent.objects.filter(customer_id__in=live, channel="email", purpose=purpose).values_list(
            "customer_id", "granted"
        )
    )
    return {
        cid: MailingFacts(
            customer_id=cid,
            email=emails.get(cid, ""),
            consent=consent.get(cid) is True,
            refused=consent.get(cid) is False,
            language=_language(live[cid]),
        )
        for cid in ids
        if cid in live
    }


def _language(stored: str | None) -> str:
    """The profile's language as one the messages are written in (``es-EC`` is Spanish)."""
    code = (stored or "").strip().lower()[:2]
    return code if code in LANGUAGES else "es"
