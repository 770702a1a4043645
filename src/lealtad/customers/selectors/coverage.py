"""How much the company knows of its customers, for the analytics scorecard's learning and
growth perspective: who can be told apart and reached, and who agreed to hear offers."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from lealtad.customers.choices import ConsentPurpose
from lealtad.customers.models import Consent, Customer, Email, Phone


def identity_coverage() -> dict[str, int]:
    """Live customers (not merged away, not erased); of them, those with a known identity (a
    valid national id, an e-mail or a phone) and those with a marketing consent in force."""
    live = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    known = live.filter(
        Q(national_id_valid=True)
        | Exists(Email.objects.filter(customer=OuterRef("pk")))
        | Exists(Phone.objects.filter(customer=OuterRef("pk")))
    )
    consented = live.filter(
        Exists(
            Consent.objects.filter(
                customer=OuterRef("pk"), purpose=ConsentPurpose.MARKETING, granted=True
            )
        )
    )
    return {"customers": live.count(), "known": known.count(), "consented": consented.count()}
