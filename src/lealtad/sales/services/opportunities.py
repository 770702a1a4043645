"""Opportunities: opening them in a pipeline and moving them through its stages.

Every move is kept (:class:`StageChange`) and announced on the outbox in the same
transaction: ``opportunity.stage_changed``, and ``opportunity.won`` or ``opportunity.lost``
when the stage closes the deal. A won or lost opportunity stays where it is: moving it back
is refused, so the forecast's history and the commissions paid on it never change under it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.db import storable_keys
from lealtad.sales.choices import StageKind
from lealtad.sales.models import Lead, Opportunity, Pipeline, SalesTeam, Stage, StageChange
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused, where


@dataclass(frozen=True)
class NewOpportunity:
    pipeline: Pipeline
    stage: Stage
    name: str
    close_date: date
    customer_id: int | None = None
    lead: Lead | None = None
    amount: Decimal = Decimal("0.00")
    owner_id: int | None = None
    team: SalesTeam | None = None


@dataclass(frozen=True)
class Move:
    opportunity_id: int
    stage_id: int
    reason: str = ""


def open_opportunities(batch: Sequence[NewOpportunity], actor: Actor) -> list[Opportunity]:
    """Opportunities in their first stage, each with its first history row; the caller's
    transaction holds them (conversion opens one per lead it converts)."""
    now = timezone.now()
    made = Opportunity.objects.bulk_create(
        Opportunity(
            number=f"T-{uuid.uuid4().hex[:17]}",  # until its id names it
            pipeline=new.pipeline,
            stage=new.stage,
            customer_id=new.customer_id,
            lead=new.lead,
            name=new.name[:200],
            amount=new.amount,
            currency=new.pipeline.currency,
            close_date=new.close_date,
            owner_id=new.owner_id,
            team=new.team,
            created_at=now,
            updated_at=now,
        )
        for new in batch
    )
    for opportunity in made:
        opportunity.number = f"OP-{opportunity.pk:06d}"
    Opportunity.objects.bulk_update(made, ["number"], batch_size=500)
    StageChange.objects.bulk_create(
        StageChange(opportunity=o, from_stage=None, to_stage=o.stage, at=now, by_id=actor.user_id)
        for o in made
    )
    return made


def move(moves: Sequence[Move], actor: Actor) -> list[Opportunity]:
    """Move each opportunity to its stage; all moves or none. A move to the stage it is in
    already changes nothing (a repeated drag and drop)."""
    with transaction.atomic():
        found = _locked([m.opportunity_id for m in moves])
        stages = Stage.objects.in_bulk({m.stage_id for m in moves})
        now = timezone.now()
        changed: list[tuple[Opportunity, Stage]] = []
        for i, m in enumerate(moves):
            opportunity = found.get(m.opportunity_id)
            if opportunity is None:
                raise SalesNotFound(
                    _("There is no such opportunity."), field=where(i, len(moves), "opportunity")
                )
            stage = _target(opportunity, stages.get(m.stage_id), where(i, len(moves), "stage"))
            if stage.pk == opportunity.stage_id:
                continue
            changed.append((opportunity, opportunity.stage))
            _apply(opportunity, stage, m.reason, now)
        _record(changed, actor, now)
    return [found[m.opportunity_id] for m in moves]


def _locked(ids: Sequence[int]) -> dict[int, Opportunity]:
    rows = (
        Opportunity.objects.select_for_update()
        .select_related("stage", "pipeline")
        .filter(pk__in=storable_keys(ids))
        .order_by("pk")
    )
    return {o.pk: o for o in rows}


def _target(opportunity: Opportunity, stage: Stage | None, field: str) -> Stage:
    if stage is None or stage.pipeline_id != opportunity.pipeline_id:
        raise SalesRefused(
            _("That stage is not in pipeline %(pipeline)s."),
            field=field,
            code="stage_not_in_pipeline",
            pipeline=opportunity.pipeline.name,
        )
    current = opportunity.stage
    if current.kind != StageKind.OPEN and stage.pk != current.pk:
        raise SalesConflict(
            _("Opportunity %(number)s is %(state)s already: it cannot move back."),
            field=field,
            code="opportunity_closed",
            number=opportunity.number,
            state=current.get_kind_display(),
        )
    return stage


def _apply(opportunity: Opportunity, stage: Stage, reason: str, now: datetime) -> None:
    opportunity.stage = stage
    opportunity.updated_at = now
    if stage.kind == StageKind.WON:
        opportunity.closed_at, opportunity.won_reason = now, reason[:200]
    elif stage.kind == StageKind.LOST:
        opportunity.closed_at, opportunity.lost_reason = now, reason[:200]


def _record(changed: list[tuple[Opportunity, Stage]], actor: Actor, now: datetime) -> None:
    if not changed:
        return
    Opportunity.objects.bulk_update(
        [o for o, _ in changed],
        ["stage", "updated_at", "closed_at", "won_reason", "lost_reason"],
        batch_size=500,
    )
    history = StageChange.objects.bulk_create(
        StageChange(opportunity=o, from_stage=old, to_stage=o.stage, at=now, by_id=actor.user_id)
        for o, old in changed
    )
    announcements = []
    for (opportunity, old), row in zip(changed, history, strict=True):
        payload = _payload(opportunity, old, actor)
        key = f"{opportunity.number}#stage#{row.pk}"
        announcements.append(_announce("opportunity.stage_changed", opportunity, payload, key))
        if opportunity.stage.kind != StageKind.OPEN:
            kind = f"opportunity.{opportunity.stage.kind}"
            announcements.append(_announce(kind, opportunity, payload, f"{key}#{kind}"))
    hub.publish_many(announcements)


def _payload(opportunity: Opportunity, old: Stage, actor: Actor) -> dict[str, Any]:
    return {
        "opportunity_id": opportunity.pk,
        "number": opportunity.number,
        "pipeline": opportunity.pipeline.code,
        "from_stage": old.name,
        "to_stage": opportunity.stage.name,
        "kind": opportunity.stage.kind,
        "probability": opportunity.stage.probability,
        "amount": str(opportunity.amount),
        "currency": opportunity.currency,
        "owner_id": opportunity.owner_id,
        "reason": opportunity.won_reason or opportunity.lost_reason,
        "by": actor.label,
    }


def _announce(
    event_type: str, opportunity: Opportunity, payload: dict[str, Any], key: str
) -> hub.Announcement:
    return hub.Announcement(event_type, payload, key, "sales", opportunity.customer_id)
