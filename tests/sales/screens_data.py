"""Opportunities, quotas and activities for the sales screens' tests, opened and moved through
the sales services (the tests read the pages, the services write)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.sales.models import Activity, Pipeline, Quota, SalesTeam, Stage, TeamMember
from lealtad.sales.services import opportunities, pipelines

PASSWORD = "correct-horse-battery-staple-9"


def seller(username: str, role: str = "sales_rep") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


def open_deals(pipeline: Pipeline, rows: list[dict[str, Any]]) -> list[Any]:
    """Each row: name, amount, close (date), owner (User), stage name, team (optional)."""
    first = pipelines.first_open_stage(pipeline)
    made = opportunities.open_opportunities(
        [
            opportunities.NewOpportunity(
                pipeline=pipeline,
                stage=first,
                name=r["name"],
                close_date=r["close"],
                amount=Decimal(r["amount"]),
                owner_id=r["owner"].pk if r.get("owner") else None,
                team=r.get("team"),
                customer_id=r.get("customer_id"),
            )
            for r in rows
        ],
        Actor.system("test"),
    )
    moves = [
        opportunities.Move(o.pk, stage(pipeline, r["stage"]).pk)
        for o, r in zip(made, rows, strict=True)
        if r.get("stage") and r["stage"] != first.name
    ]
    if moves:
        opportunities.move(moves, Actor.system("test"))
    return made


def team(code: str, *members: User) -> SalesTeam:
    found = SalesTeam.objects.create(code=code, name=code.title())
    for member in members:
        TeamMember.objects.create(team=found, user=member)
    return found


def quota(user: User, month: date, amount: str) -> Quota:
    return Quota.objects.create(user=user, month=month.replace(day=1), amount=Decimal(amount))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def activity(owner: User, subject: str, start: datetime, **extra: Any) -> Activity:
    now = timezone.now()
    return Activity.objects.create(
        kind=extra.pop("kind", "meeting"),
        subject=subject,
        starts_at=start,
        ends_at=extra.pop("ends_at", start + timedelta(hours=1)),
        owner=owner,
        created_at=now,
        updated_at=now,
        **extra,
    )
