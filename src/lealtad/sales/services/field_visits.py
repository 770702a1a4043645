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
from lealtad.sales.services import activities
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
    """Record each check-in as done now by the actor, through the activities service (so it
    is on the customer's timeline and announced as ``activity.logged``); all or none. A key
    seen before gives back the activity it recorded."""
    now = timezone.now()
    notes = [_notes(check, now, where(i, len(batch), "place")) for i, check in enumerate(batch)]
    keys = [f"checkin:{check.key}" for check in batch]
    seen = Activity.objects.in_bulk(keys, field_name="idempotency_key")
    visits = [(i, check) for i, check in enumerate(batch) if check.visit_id is not None]
    _own_visits(visits, len(batch), actor)
    pending = [(i, check) for i, check in visits if keys[i] not in seen]
    news = [(i, check) for i, check in enumerate(batch) if check.visit_id is None]
    with transaction.atomic():
        closed = activities.complete(
            [activities.Completion(c.visit_id or 0, notes[i], keys[i]) for i, c in pending],
            actor,
        )
        logged = activities.log_activities(
            [_new_visit(c, notes[i], keys[i], now, actor) for i, c in news], actor
        )
    done = dict(zip([i for i, _ in pending], closed, strict=True))
    done.update(zip([i for i, _ in news], logged, strict=True))
    return [done[i] if i in done else seen[keys[i]] for i in range(len(batch))]


def _notes(check: CheckIn, now: datetime, field: str) -> str:
    text = str(_("Check-in at %(place)s, %(time)s")) % {
        "place": _where_text(check, field),
        "time": timezone.localtime(now).strftime("%d/%m/%Y %H:%M"),
    }
    return "\n".join(part for part in (text, check.notes.strip()) if part)


def _own_visits(visits: list[tuple[int, CheckIn]], size: int, actor: Actor) -> None:
    """A seller checks in only at a visit on their own list."""
    ids = {check.visit_id for _, check in visits}
    own = set(
        Activity.objects.filter(pk__in=ids, owner_id=actor.user_id).values_list("pk", flat=True)
    )
    for i, check in visits:
        if check.visit_id not in own:
            field = where(i, size, "visit")
            raise SalesNotFound(_("There is no such visit on your list."), field=field)


def _new_visit(
    check: CheckIn, notes: str, key: str, now: datetime, actor: Actor
) -> activities.NewActivity:
    return activities.NewActivity(
        kind=ActivityKind.MEETING,
        subject=str(_("Visit")) if check.customer_id is None else str(_("Customer visit")),
        notes=notes,
        starts_at=now,
        done_at=now,
        done=True,
        owner_id=actor.user_id,
        customer_id=check.customer_id,
        time_category=TimeCategory.CUSTOMER_VISIT,
        key=key,
        standalone=True,
    )
