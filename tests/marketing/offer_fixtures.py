"""Shared set-up of the next-best-offer tests: seed 000's catalog and customer, and offers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from lealtad.commerce import demo
from lealtad.customers.models import Consent, CustomerStanding
from lealtad.marketing.selectors import offer_program
from lealtad.marketing.services.offer_catalog import OfferIn, save_offers, set_program

CHANNELS = ["web", "kiosk", "pos", "handheld", "call_center", "email"]


def seed() -> int:
    """The catalog, its stock and the story's customer (no holdout: every test customer is
    offered unless a test says otherwise)."""
    offer_program.forget()  # the process's copy of the last test's program
    demo.seed_catalog()
    set_program(holdout_share=0.0, max_per_day=6, max_per_week=20)
    return demo.seed_customer().customer_id


def offer(code: str, **kw: Any) -> OfferIn:
    values: dict[str, Any] = {
        "name_es": f"Oferta {code}",
        "name_en": f"Offer {code}",
        "kind": "service",
        "purpose": "service",
        "channels": CHANNELS,
        "pitch_es": "Le conviene",
        "pitch_en": "Worth it",
    }
    values.update(kw)
    return OfferIn(code=code, **values)


def make_offers(*rows: OfferIn) -> None:
    save_offers(list(rows), by="test")


def standing(customer_id: int, **kw: Any) -> None:
    values: dict[str, Any] = {
        "value_tier": "regular",
        "lifecycle_stage": "repeat",
        "churn_band": "low",
        "churn_risk": 0.1,
        "clv": Decimal("300"),
        "computed_at": timezone.now(),
    }
    values.update(kw)
    CustomerStanding.objects.update_or_create(customer_id=customer_id, defaults=values)


def refuse_marketing(customer_id: int, channels: tuple[str, ...] = ()) -> None:
    for channel in channels or ("email", "sms", "phone", "whatsapp", "mail"):
        Consent.objects.update_or_create(
            customer_id=customer_id,
            channel=channel,
            purpose="marketing",
            defaults={"granted": False, "updated_at": timezone.now()},
        )
