"""Read queries of the sales context: leads, pipelines with their stages, the board."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from lealtad.core.db import storable_keys
from lealtad.sales.models import Lead, Opportunity, Pipeline, Stage
from lealtad.sales.services.common import SalesNotFound

BOARD_COLUMN = 50  # opportunities shown per stage; the column's count and sum cover all


def lead(lead_id: int) -> Lead:
    found = Lead.objects.select_related("owner", "team", "territory").filter(pk=lead_id).first()
    if found is None:
        raise SalesNotFound(field="lead")
    return found


def leads(
    *, status: str = "", owner_id: int | None = None, source: str = "", limit: int = 100
) -> list[Lead]:
    rows: QuerySet[Lead] = Lead.objects.select_related("owner", "team", "territory")
    if status:
        rows = rows.filter(status=status)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if source:
        rows = rows.filter(source=source)
    return list(rows.order_by("-created_at", "-id")[:limit])


def pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.filter(active=True).prefetch_related("stages").order_by("name"))


def opportunity(opportunity_id: int) -> Opportunity:
    found = (
        Opportunity.objects.select_related("stage", "pipeline", "owner", "lead")
        .filter(pk__in=storable_keys([opportunity_id]))
        .first()
    )
    if found is None:
        raise SalesNotFound(field="opportunity")
    return found


def stage_history(opportunity: Opportunity) -> list[tuple[str, str, object, str]]:
    rows = opportunity.stage_changes.select_related("from_stage", "to_stage", "by")
    return [
        (
            c.from_stage.name if c.from_stage else "",
            c.to_stage.name,
            c.at,
            c.by.get_username() if c.by else "",
        )
        for c in rows.order_by("at", "id")
    ]


@dataclass(frozen=True)
class Column:
    """A stage on the board: how many opportunities and how much, and the first ones."""

    stage: Stage
    count: int
    amount: Decimal
    opportunities: list[Opportunity]


def board(
    pipeline: Pipeline, *, owner_id: int | None = None, closing_by: date | None = None
) -> list[Column]:
    """Each stage with its count, amount and first opportunities by close date (the indexed
    path: stage, then owner, then close date)."""
    stages: Sequence[Stage] = list(pipeline.stages.order_by("order"))
    rows = Opportunity.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if closing_by is not None:
        rows = rows.filter(close_date__lte=closing_by)
    totals = {
        r["stage_id"]: r
        for r in rows.values("stage_id").annotate(n=Count("id"), amount=Sum("amount"))
    }
    columns = []
    for stage in stages:
        first = rows.filter(stage=stage).order_by("close_date", "id")[:BOARD_COLUMN]
        total = totals.get(stage.pk, {})
        columns.append(
            Column(stage, total.get("n", 0), total.get("amount") or Decimal("0"), list(first))
        )
    return columns


def opportunity_by_number(number: str) -> Opportunity:
    found = Opportunity.objects.select_related("pipeline", "stage").filter(number=number).first()
    if found is None:
        raise SalesNotFound(field="opportunity")
    return found


def stage_named(pipeline: Pipeline, name: str) -> Stage:
    found = pipeline.stages.filter(name__iexact=name.strip()).first()
    if found is None:
        raise SalesNotFound(field="stage")
    return found
