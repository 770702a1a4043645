"""Field sales: a seller checks in at a visit from the phone, which records when and where.

A check-in is an activity done now, in the customer-visit time category. When it closes a
planned visit, that visit is marked done with the notes added; otherwise a new activity is
logged. Each check-in carries the page's key, so a double tap on a weak mobile connection
records one visit, not two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.sales.choices import ActivityKind, TimeCategory
from lealtad.sales.models import Activity
from lealtad.sales.services.common import SalesNotFound, SalesRefused, where

PLACE_LENGTH = 200


@dataclass(frozen=True)
class CheckIn:
    key: str
    place: str = ""
    latitude: str = ""
    longitude: str = ""
    notes: str = ""
    visit_id: int | None = None  # the planned visit it closes, if any
    customer_id: int | None = None


def _coordinates(check: CheckIn, field: str) -> str:
    if not check.latitude and not check.longitude:
        return ""
    try:
        lat, lon = Decimal(check.latitude), Decimal(check.longitude)
    except InvalidOperation:
        raise SalesRefused(_("The position is not a number."), field=field) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SalesRefused(_("The position is outside the map."), field=field)
    return f"{lat:.5f},{lon:.5f}"


def _where_text(check: CheckIn, field: str) -> str:
    place = check.place.strip()[:PLACE_LENGTH]
    position = _coordinates(check, field)
    if not place and not position:
        raise SalesRefused(_("Say where you are, or share your position."), field=field)
    return " ".join(part for part in (place, f"({position})" if position else "") if part)


def check_in(batch: Sequence[CheckIn], actor: Actor) -> list[Activity]:
    """Record each check-in as done now by the actor; all or none. A key seen before gives
    back the activity it recorded."""
    now = timezone.now()
    done: list[Activity] = []
    with transaction.atomic():
        for i, check in enumerate(batch):
            field = where(i, len(batch), "place")
            text = str(_("Check-in at %(place)s, %(time)s")) % {
                "place": _where_text(check, field),
                "time": timezone.localtime(now).strftime("%d/%m/%Y %H:%M"),
            }
            seen = Activity.objects.filter(idempotency_key=f"checkin:{check.key}").first()
            if seen is not None:
                done.append(seen)
                continue
            done.append(_record(check, text, actor, now, where(i, len(batch), "visit")))
    return done


def _record(check: CheckIn, text: str, actor: Actor, now: datetime, field: str) -> Activity:
    notes = "\n".join(part for part in (text, check.notes.strip()) if part)
    if check.visit_id is not None:
        visit = (
            Activity.objects.select_for_update()
            .filter(pk=check.visit_id, owner_id=actor.user_id)
            .first()
        )
        if visit is None:
            raise SalesNotFound(_("There is no such visit on your list."), field=field)
        if visit.done_at is not None:  # checked in already: a second tap changes nothing
            return visit
        visit.notes = "\n".join(part for part in (visit.notes, notes) if part)
        visit.done_at, visit.updated_at = now, now
        visit.idempotency_key = visit.idempotency_key or f"checkin:{check.key}"
        visit.save(update_fields=["notes", "done_at", "updated_at", "idempotency_key"])
        return visit
    return Activity.objects.create(
        kind=ActivityKind.MEETING,
        subject=str(_("Visit")) if check.customer_id is None else str(_("Customer visit")),
        notes=notes,
        starts_at=now,
        done_at=now,
        owner_id=actor.user_id,
        customer_id=check.customer_id,
        time_category=TimeCategory.CUSTOMER_VISIT,
        idempotency_key=f"checkin:{check.key}",
        created_at=now,
        updated_at=now,
    )
