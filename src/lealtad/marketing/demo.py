"""``lealtad marketing demo`` (and ``lealtad demo``): what a marketer finds on a first visit —
the audience read model built, four segments on value, risk and consent, an offer catalog
for every kind the arbitration knows, and a draft win-back campaign with its e-mail and SMS
in Spanish and English. Idempotent: what exists (by name or code) is left as it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lealtad.core.audit import Actor
from lealtad.marketing.models import Campaign, Offer, Segment
from lealtad.marketing.services import audience, campaigns, membership, offer_catalog, segments
from lealtad.marketing.services.offer_catalog import OfferIn

ACTOR = Actor.system("demo")
EVERY_CHANNEL = ["web", "kiosk", "pos", "handheld", "call_center", "email"]

SEGMENTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "Clientes más valiosos",
        "El nivel de valor más alto: se cuidan, no se bombardean.",
        {"field": "value_tier", "op": "eq", "value": "mvc"},
    ),
    (
        "Con potencial y correo autorizado",
        "Los más crecibles que aceptan correo de mercadeo.",
        {
            "all": [
                {"field": "value_tier", "op": "eq", "value": "mgc"},
                {"field": "consent_email", "op": "eq", "value": True},
            ]
        },
    ),
    (
        "En riesgo de fuga",
        "Compraron alguna vez y el modelo ve un riesgo medio o alto de perderlos.",
        {
            "all": [
                {"field": "churn_band", "op": "in", "value": ["medium", "high"]},
                {"field": "orders_count", "op": "gte", "value": 1},
            ]
        },
    ),
    (
        "Compran en tienda y en la web",
        "Clientes de dos canales o más: los que más valen según la curva de canales.",
        {
            "all": [
                {"field": "channels_bought", "op": "has_any", "value": ["pos"]},
                {"field": "channels_bought", "op": "has_any", "value": ["web"]},
            ]
        },
    ),
)

OFFERS = (
    OfferIn(
        code="garantia-extendida",
        name_es="Garantía extendida de 12 meses",
        name_en="12-month extended warranty",
        kind="service",
        purpose="service",
        pitch_es="Proteja su celular un año más por USD 19.",
        pitch_en="Protect your phone for another year for USD 19.",
        channels=EVERY_CHANNEL,
        priority=40,
    ),
    OfferIn(
        code="zinc-vitamina-c",
        name_es="Zinc + vitamina C",
        name_en="Zinc + vitamin C",
        kind="cross_sell",
        product_sku="FAR-ZINC",
        pitch_es="Quienes compran vitamina C suelen llevar también zinc.",
        pitch_en="People who buy vitamin C often take zinc too.",
        channels=EVERY_CHANNEL,
        priority=60,
    ),
    OfferIn(
        code="retencion-10",
        name_es="10 % en su próxima compra",
        name_en="10% off your next purchase",
        kind="retention",
        pitch_es="Le extrañamos: 10 % de descuento esta semana.",
        pitch_en="We miss you: 10% off this week.",
        channels=EVERY_CHANNEL,
        churn_bands=["high", "medium"],
        priority=70,
    ),
    OfferIn(
        code="club-lealtad",
        name_es="Únase al Club Lealtad",
        name_en="Join Club Lealtad",
        kind="loyalty",
        pitch_es="Puntos en cada compra, en tienda, web y teléfono.",
        pitch_en="Points on every purchase, in store, online and by phone.",
        channels=EVERY_CHANNEL,
        priority=50,
    ),
)

WIN_BACK = "Reactivación: le extrañamos"
TEMPLATES = (
    campaigns.NewTemplate(
        "email",
        "es",
        "{{ first_name }}, le extrañamos",
        "Hola {{ first_name }}:\n\n{{ offer.pitch }}\n\nLe esperamos en {{ city }}.",
    ),
    campaigns.NewTemplate(
        "email",
        "en",
        "{{ first_name }}, we miss you",
        "Hello {{ first_name }},\n\n{{ offer.pitch }}\n\nSee you soon in {{ city }}.",
    ),
    campaigns.NewTemplate("sms", "es", "", "{{ first_name }}: {{ offer.pitch }}"),
    campaigns.NewTemplate("sms", "en", "", "{{ first_name }}: {{ offer.pitch }}"),
)


@dataclass(frozen=True)
class Seeded:
    audience: int
    segments: int
    offers: int
    campaigns: int

    def __str__(self) -> str:
        return (
            f"marketing: {self.audience} audience rows, {self.segments} segments, "
            f"{self.offers} offers, {self.campaigns} draft campaign(s)"
        )


def seed() -> Seeded:
    rows = audience.rebuild()
    made = _segments()
    membership.rebuild_all(reason="demo")
    fresh = [o for o in OFFERS if not Offer.objects.filter(code=o.code).exists()]
    if fresh:
        offer_catalog.save_offers(fresh, by=ACTOR.label)
    return Seeded(rows, made, len(fresh), _win_back())


def _segments() -> int:
    made = 0
    for name, description, rule in SEGMENTS:
        if not Segment.objects.filter(name=name).exists():
            segments.create([segments.SegmentIn(name, description, rule=rule)], by=ACTOR.label)
            made += 1
    return made


def _win_back() -> int:
    if Campaign.objects.filter(name=WIN_BACK).exists():
        return 0
    at_risk = Segment.objects.get(name="En riesgo de fuga")
    offer = Offer.objects.get(code="retencion-10")
    new = campaigns.NewCampaign(
        name=WIN_BACK,
        segment_id=at_risk.pk,
        channels=["email", "sms"],
        objective="Recuperar clientes en riesgo con un 10 % en su próxima compra.",
        offer_id=offer.pk,
        topic="ofertas",
        unit_costs={"email": "0.001", "sms": "0.02"},
    )
    [campaign] = campaigns.create([new], ACTOR)
    campaigns.save_templates(campaign.pk, TEMPLATES, ACTOR)
    return 1
