"""What agents and supervisors read of the cases: queues, a case with its thread and SLA
clock, the backlog by group and age, breaches and those about to breach."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from lealtad.service.choices import OPEN_STATUSES
from lealtad.service.models import Case, CaseEntry, GroupMember, SlaPolicy

SOON = timedelta(hours=1)


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    category: str = ""
    group: str = ""
    assignee_id: int | None = None
    breach_soon: bool = False
    breached: bool = False
    open_only: bool = True
    limit: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


def groups_of(user_id: int) -> list[str]:
    return list(GroupMember.objects.filter(user_id=user_id).values_list("group__name", flat=True))


def queue(f: QueueFilter, now: datetime | None = None) -> QuerySet[Case]:
    """Cases most urgent first: the earliest due (first response, else resolution)."""
    now = now or timezone.now()
    rows = Case.objects.select_related("group", "sla_policy")
    if f.open_only and not f.status:
        rows = rows.filter(status__in=OPEN_STATUSES)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.category:
        rows = rows.filter(category=f.category)
    if f.group:
        rows = rows.filter(group__name=f.group)
    if f.assignee_id is not None:
        rows = rows.filter(assignee_id=f.assignee_id)
    if f.breached:
        rows = rows.filter(sla_breached=True)
    if f.breach_soon:
        soon = now + SOON
        rows = rows.filter(
            Q(first_response_due__lte=soon) | Q(resolution_due__lte=soon), sla_breached=False
        )
    return rows.order_by("resolution_due", "created_at", "id")[: max(1, min(f.limit, 500))]


def case(case_id: int) -> Case | None:
    return Case.objects.select_related("group", "sla_policy", "assignee").filter(pk=case_id).first()


def of_customer(customer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's cases for their 360 page, newest first, as plain values (the section
    is JSON in the API too); the words in the reader's language."""
    rows = Case.objects.filter(customer_id=customer_id).select_related("group")
    return [
        {
            "id": c.pk,
            "number": c.number,
            "subject": c.subject,
            "status": c.status,
            "status_label": str(c.get_status_display()),
            "category_label": str(c.get_category_display()),
            "channel": c.channel,
            "group": c.group.label if c.group else "",
            "opened_at": c.created_at.isoformat(),
        }
        for c in rows.order_by("-created_at", "-id")[:limit]
    ]


def by_number(number: str) -> Case | None:
    return Case.objects.filter(number=number).first()


def thread(case_id: int, public_only: bool = False) -> list[CaseEntry]:
    rows = CaseEntry.objects.filter(case_id=case_id).prefetch_related("attachments")
    if public_only:
        rows = rows.filter(public=True)
    return list(rows.order_by("at", "id"))


def clock_of(found: Case, now: datetime | None = None) -> dict[str, Any]:
    """The SLA clock as an agent reads it: each target's due time, business time remaining
    (from the stored snapshot, extrapolated with the policy's calendar), paused or not."""
    now = now or timezone.now()
    snapshot = getattr(found, "clock", None)
    policy = found.sla_policy
    result: dict[str, Any] = {"policy": policy.label if policy else "", "targets": []}
    for target, due, met in (
        ("first_response", found.first_response_due, found.first_response_at),
        ("resolution", found.resolution_due, found.resolved_at),
    ):
        result["targets"].append(_target_view(target, due, met, snapshot, policy, now))
    return result


def _target_view(
    target: str,
    due: datetime | None,
    met: datetime | None,
    snapshot: Any,
    policy: SlaPolicy | None,
    now: datetime,
) -> dict[str, Any]:
    view: dict[str, Any] = {"target": target, "due": due, "met_at": met, "remaining": None}
    prefix = "first" if target == "first_response" else "resolution"
    running = bool(snapshot and getattr(snapshot, f"{prefix}_running"))
    view["paused"] = bool(snapshot and not running and met is None and policy is not None)
    if snapshot is not None and getattr(snapshot, f"{prefix}_target") is not None:
        goal = getattr(snapshot, f"{prefix}_target")
        elapsed = getattr(snapshot, f"{prefix}_elapsed")
        if running and policy is not None and now > snapshot.as_of:
            from lealtad.service.services.sla import engine_calendar

            elapsed += engine_calendar(policy.calendar).business_seconds(snapshot.as_of, now)
        view["remaining"] = goal - elapsed
    view["breached"] = view["remaining"] is not None and view["remaining"] < 0 and met is None
    return view


def backlog(now: datetime | None = None) -> list[dict[str, Any]]:
    """Open cases per group and age band (under a day, 1-3 days, 3-7, older)."""
    now = now or timezone.now()
    bands = (("lt1d", 0, 1), ("1to3d", 1, 3), ("3to7d", 3, 7), ("gt7d", 7, 10_000))
    aggregates: dict[str, Any] = {
        name: Count(
            "id",
            filter=Q(
                created_at__lte=now - timedelta(days=low),
                created_at__gt=now - timedelta(days=high),
            ),
        )
        for name, low, high in bands
    }
    rows = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .values("group__name", "group__label")
        .annotate(
            total=Count("id"),
            breached=Count("id", filter=Q(sla_breached=True)),
            oldest=Min("created_at"),
            **aggregates,
        )
        .order_by("group__name")
    )
    return list(rows)


def breaches(now: datetime | None = None, limit: int = 200) -> dict[str, list[Case]]:
    now = now or timezone.now()
    return {
        "breached": list(queue(QueueFilter(breached=True, limit=limit), now)),
        "soon": list(queue(QueueFilter(breach_soon=True, limit=limit), now)),
    }


def policies() -> list[SlaPolicy]:
    return list(SlaPolicy.objects.select_related("calendar").order_by("rank", "name"))
