"""Calls, meetings, tasks and e-mails a seller logs or plans on a lead, a deal or a customer.

Each lands in three places a person looks: the seller's calendar (the row itself), the
customer's timeline (a line written through the customers context, so an agent sees that
sales called yesterday), and the hub (``activity.logged``, which re-scores the lead). A key
from the sender makes a repeated delivery harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub, vocabulary
from lealtad.core.audit import Actor
from lealtad.customers.services import timeline
from lealtad.sales.choices import ActivityKind, TimeCategory
from lealtad.sales.models import Activity, Lead, Opportunity
from lealtad.sales.services.common import SalesNotFound, SalesRefused, user_id_of, where

TIMELINE_CHANNEL = "sales"
vocabulary.register(
    "timeline.kind",
    {
        "sales_call": _("Sales call"),
        "sales_meeting": _("Sales meeting"),
        "sales_task": _("Sales task"),
        "sales_email": _("Sales e-mail"),
    },
)


@dataclass(frozen=True)
class NewActivity:
    kind: str
    subject: str
    notes: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    due: datetime | None = None
    done: bool = False
    lead_id: int | None = None
    opportunity_id: int | None = None
    customer_id: int | None = None
    time_category: str = ""
    owner_id: int | None = None  # the actor's user when left out
    key: str = ""  # the sender's idempotency key
    done_at: datetime | None = None  # when it was done, if not now (a call that ended earlier)
    # A seller's own record with nobody named yet (a field visit off the list): the API never
    # sets it, so what other systems send is always on a lead, a deal or a customer.
    standalone: bool = False
    announced: dict[str, Any] = field(default_factory=dict)  # more for activity.logged


@dataclass(frozen=True)
class Completion:
    """A planned activity done now: notes added below its own, and the key that did it."""

    activity_id: int
    notes: str = ""
    key: str = ""


def log_activities(batch: Sequence[NewActivity], actor: Actor) -> list[Activity]:
    """Keep the activities (all or none); one already kept under its key is returned as it
    was, not written twice."""
    keys = [new.key for new in batch if new.key]
    kept = {a.idempotency_key: a for a in Activity.objects.filter(idempotency_key__in=keys)}
    first_of_key: dict[str, int] = {}
    fresh = []
    for i, new in enumerate(batch):
        if new.key and (new.key in kept or new.key in first_of_key):
            continue  # kept before, or twice in this batch: one activity
        if new.key:
            first_of_key[new.key] = i
        fresh.append((i, new))
    leads = Lead.objects.in_bulk({n.lead_id for _, n in fresh if n.lead_id})
    deals = Opportunity.objects.in_bulk({n.opportunity_id for _, n in fresh if n.opportunity_id})
    now = timezone.now()
    rows = [_row(new, i, len(batch), leads, deals, actor, now) for i, new in fresh]
    with transaction.atomic():
        made = Activity.objects.bulk_create(rows)
        timeline.add_lines([_line(a) for a in made if a.customer_id])
        extras = [new.announced for _, new in fresh]
        hub.publish_many([_logged(a, **x) for a, x in zip(made, extras, strict=True)])
    by_index = {i: a for (i, _), a in zip(fresh, made, strict=True)}
    for key, i in first_of_key.items():
        kept[key] = by_index[i]
    return [by_index[i] if i in by_index else kept[new.key] for i, new in enumerate(batch)]


def mark_done(activity_ids: Sequence[int], actor: Actor) -> list[Activity]:
    """Mark the activities done now (one done already keeps its time)."""
    with transaction.atomic():
        found = Activity.objects.select_for_update().in_bulk(list(activity_ids))
        for i, pk in enumerate(activity_ids):
            if pk not in found:
                field = where(i, len(activity_ids), "activity")
                raise SalesNotFound(_("There is no such activity."), field=field)
        now = timezone.now()
        todo = [a for a in found.values() if a.done_at is None]
        for activity in todo:
            activity.done_at = activity.updated_at = now
        Activity.objects.bulk_update(todo, ["done_at", "updated_at"])
    return [found[pk] for pk in activity_ids]


def complete(batch: Sequence[Completion], actor: Actor) -> list[Activity]:
    """Mark planned activities done now, with their notes; all or none. Each newly done one
    on a customer is a line on their timeline, and each is announced as ``activity.logged``;
    one done already is returned as it was (a second tap changes nothing)."""
    with transaction.atomic():
        found = Activity.objects.select_for_update().in_bulk([c.activity_id for c in batch])
        for i, wanted in enumerate(batch):
            if wanted.activity_id not in found:
                field = where(i, len(batch), "activity")
                raise SalesNotFound(_("There is no such activity."), field=field)
        now = timezone.now()
        todo: dict[int, Activity] = {}
        for wanted in batch:
            activity = found[wanted.activity_id]
            if activity.done_at is not None:  # done before, or earlier in this batch
                continue
            notes = wanted.notes.strip()
            activity.notes = "\n".join(part for part in (activity.notes, notes) if part)
            activity.done_at = activity.updated_at = now
            activity.idempotency_key = activity.idempotency_key or wanted.key or None
            todo[activity.pk] = activity
        done = list(todo.values())
        Activity.objects.bulk_update(done, ["notes", "done_at", "updated_at", "idempotency_key"])
        timeline.add_lines([_line(a, "#done") for a in done if a.customer_id])
        hub.publish_many([_logged(a, "#done") for a in done])
    return [found[c.activity_id] for c in batch]


def _row(
    new: NewActivity,
    i: int,
    size: int,
    leads: dict[int, Lead],
    deals: dict[int, Opportunity],
    actor: Actor,
    now: datetime,
) -> Activity:
    _check(new, i, size)
    lead = leads.get(new.lead_id) if new.lead_id else None
    deal = deals.get(new.opportunity_id) if new.opportunity_id else None
    if new.lead_id and lead is None:
        raise SalesNotFound(_("There is no such lead."), field=where(i, size, "lead_id"))
    if new.opportunity_id and deal is None:
        field = where(i, size, "opportunity_id")
        raise SalesNotFound(_("There is no such opportunity."), field=field)
    customer_id = new.customer_id or (deal.customer_id if deal else None)
    customer_id = customer_id or (lead.customer_id if lead else None)
    return Activity(
        kind=new.kind,
        subject=new.subject.strip(),
        notes=new.notes,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        due=new.due,
        done_at=new.done_at or (now if new.done else None),
        owner_id=new.owner_id or user_id_of(actor),
        lead=lead,
        opportunity=deal,
        customer_id=customer_id,
        time_category=new.time_category,
        idempotency_key=new.key or None,
        created_at=now,
        updated_at=now,
    )


def _check(new: NewActivity, i: int, size: int) -> None:
    if new.kind not in ActivityKind.values:
        raise SalesRefused(_("A call, meeting, task or e-mail."), field=where(i, size, "kind"))
    if not new.subject.strip() or len(new.subject) > 200:
        field = where(i, size, "subject")
        raise SalesRefused(_("A subject of 1 to 200 characters."), field=field)
    if new.time_category and new.time_category not in TimeCategory.values:
        field = where(i, size, "time_category")
        raise SalesRefused(_("Not a time category."), field=field)
    if new.starts_at and new.ends_at and new.ends_at < new.starts_at:
        raise SalesRefused(_("It ends before it starts."), field=where(i, size, "ends_at"))
    if not (new.lead_id or new.opportunity_id or new.customer_id or new.standalone):
        field = where(i, size, "lead_id")
        raise SalesRefused(_("An activity is on a lead, a deal or a customer."), field=field)


def _line(activity: Activity, suffix: str = "") -> timeline.TimelineLine:
    assert activity.customer_id is not None
    return timeline.TimelineLine(
        customer_id=activity.customer_id,
        occurred_at=activity.done_at or activity.starts_at or activity.due or activity.created_at,
        channel=TIMELINE_CHANNEL,
        kind=f"sales_{activity.kind}",
        subject=activity.subject,
        summary=activity.notes[:2000],
        related_type="sales_activity",
        related_id=str(activity.pk),
        event_id=f"activity-{activity.pk}{suffix}",
    )


def _logged(activity: Activity, suffix: str = "", **more: Any) -> hub.Announcement:
    return hub.Announcement(
        "activity.logged",
        {
            "activity_id": activity.pk,
            "kind": activity.kind,
            "lead_id": activity.lead_id,
            "opportunity_id": activity.opportunity_id,
            "done": activity.done_at is not None,
            **more,
        },
        f"activity-{activity.pk}{suffix}#activity.logged",
        TIMELINE_CHANNEL,
        activity.customer_id,
    )
