"""Keep the offer catalog: create or change offers by code, a batch at a time, every row
checked before any is written (the error names the row and field), and the program's knobs
(holdout share, fatigue limits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.customers.choices import ChurnBand, LifecycleStage, ValueTier
from lealtad.marketing.models import CapPeriod, Offer, OfferKind, OfferPurpose, OfferSettings
from lealtad.marketing.selectors import offer_program
from lealtad.marketing.services.offers import CHANNELS, OfferRefused

KINDS = frozenset(OfferKind.values)
PURPOSES = frozenset(OfferPurpose.values)
PERIODS = frozenset(CapPeriod.values)
GUARDS = {
    "tiers": frozenset(ValueTier.values),
    "lifecycle_stages": frozenset(LifecycleStage.values),
    "churn_bands": frozenset(ChurnBand.values) - {""},
}


@dataclass
class OfferIn:
    """An offer as the form, the API or an import gives it; ``code`` names it."""

    code: str
    name_es: str
    name_en: str
    kind: str
    pitch_es: str = ""
    pitch_en: str = ""
    purpose: str = "marketing"
    product_sku: str = ""
    product_category: str = ""
    target_plan: str = ""
    channels: list[str] = field(default_factory=list)
    segment_id: int | None = None
    tiers: list[str] = field(default_factory=list)
    lifecycle_stages: list[str] = field(default_factory=list)
    churn_bands: list[str] = field(default_factory=list)
    min_clv: Decimal | None = None
    priority: int = 50
    value: Decimal = Decimal(0)
    starts_on: date | None = None
    ends_on: date | None = None
    max_shown: int | None = None
    cap_period: str = "week"
    max_accepted: int | None = None
    daily_budget: int | None = None
    active: bool = True


NAMES = [f.name for f in fields(OfferIn)]


def check(row: OfferIn, where: str = "") -> None:
    """Refuse an offer that cannot be made, naming the field."""

    def refuse(message: Any, name: str, **params: Any) -> OfferRefused:
        return OfferRefused(message, field=f"{where}{name}", **params)

    code = row.code.strip()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        raise refuse(_("A code is 1 to 40 letters, digits, - or _."), "code")
    for name in ("name_es", "name_en"):
        if not getattr(row, name).strip() or len(getattr(row, name)) > 120:
            raise refuse(_("A name is 1 to 120 characters."), name)
    if row.kind not in KINDS:
        raise refuse(_("There is no offer kind %(kind)s."), "kind", kind=row.kind)
    if row.purpose not in PURPOSES:
        raise refuse(_("The purpose is marketing or service."), "purpose")
    if not row.channels:
        raise refuse(_("Name at least one channel."), "channels")
    for n, channel in enumerate(row.channels):
        if channel not in CHANNELS:
            raise refuse(_("There is no offer channel %(c)s."), f"channels[{n}]", c=channel)
    _check_guards(row, refuse)
    _check_numbers(row, refuse)


def _check_guards(row: OfferIn, refuse: Any) -> None:
    for name, known in GUARDS.items():
        for n, value in enumerate(getattr(row, name)):
            if value not in known:
                raise refuse(_("%(v)s is not a known value."), f"{name}[{n}]", v=value)
    if row.kind == "upsell" and not (row.target_plan or row.product_sku):
        raise refuse(
            _("An up-sell names the plan or product it sells."), "target_plan", kind="conflict"
        )
    if row.kind == "cross_sell" and not (row.product_sku or row.product_category):
        raise refuse(_("A cross-sell names the product it sells."), "product_sku", kind="conflict")


def _check_numbers(row: OfferIn, refuse: Any) -> None:
    if not 0 <= row.priority <= 100:
        raise refuse(_("Priority is 0 to 100."), "priority")
    if row.value < 0:
        raise refuse(_("The value cannot be negative."), "value")
    if row.min_clv is not None and row.min_clv < 0:
        raise refuse(_("The minimum lifetime value cannot be negative."), "min_clv")
    if row.starts_on and row.ends_on and row.ends_on < row.starts_on:
        raise refuse(_("An offer cannot end before it starts."), "ends_on", kind="conflict")
    if row.cap_period not in PERIODS:
        raise refuse(_("The cap period is day, week or month."), "cap_period")
    for name in ("max_shown", "max_accepted", "daily_budget"):
        if getattr(row, name) is not None and getattr(row, name) < 1:
            raise refuse(_("A cap is at least 1 (leave it empty for none)."), name)


def save_offers(rows: Sequence[OfferIn], by: str = "") -> list[Offer]:
    """Create or change each offer by code: all of them or, at the first refusal, none."""
    if not rows:
        raise OfferRefused(_("Send at least one offer."), field="rows")
    many = len(rows) > 1
    codes = [row.code.strip() for row in rows]
    for index, row in enumerate(rows):
        check(row, f"rows[{index}]." if many else "")
        if codes.index(codes[index]) != index:
            raise OfferRefused(_("This code is twice in the batch."), field=f"rows[{index}].code")
    now = timezone.now()
    with transaction.atomic():
        known = {o.code: o for o in Offer.objects.select_for_update().filter(code__in=codes)}
        out = []
        for row, code in zip(rows, codes, strict=True):
            offer = known.get(code) or Offer(code=code, created_at=now)
            for name in NAMES:
                if name != "code":
                    setattr(offer, name, getattr(row, name))
            offer.updated_at, offer.updated_by = now, by[:150]
            offer.save()
            out.append(offer)
    offer_program.forget()
    return out


def as_input(offer: Offer) -> OfferIn:
    """The stored offer as the input that would save it again (the edit form's start)."""
    return OfferIn(**{name: getattr(offer, name) for name in NAMES})


def set_program(holdout_share: float, max_per_day: int, max_per_week: int) -> OfferSettings:
    if not 0 <= holdout_share <= 0.5:
        raise OfferRefused(_("The holdout share is 0 to 0.5."), field="holdout_share")
    if not 1 <= max_per_day <= max_per_week <= 200:
        raise OfferRefused(
            _("1 ≤ a day's limit ≤ a week's limit ≤ 200."), field="max_per_day", kind="conflict"
        )
    with transaction.atomic():
        row = OfferSettings.objects.select_for_update().order_by("pk").first() or OfferSettings()
        row.holdout_share, row.max_per_day, row.max_per_week = (
            holdout_share,
            max_per_day,
            max_per_week,
        )
        row.updated_at = timezone.now()
        row.save()
    offer_program.forget()
    return row
