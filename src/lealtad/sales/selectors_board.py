"""The pipeline board's reads: one grouped query for every column's count and amount, one
query per stage for its biggest cards, and one for the customers' names.

Why top cards by amount and not all of them: a pipeline with 100,000 open deals cannot be
drawn, and the deals a manager looks at first are the big ones; the column's count and sum
still cover every deal the filters select ("n more" says how many are not drawn).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.formats import number_format

from lealtad.core.roles import Role
from lealtad.customers.selectors import subject as customer_subject
from lealtad.sales.choices import StageKind
from lealtad.sales.models import Opportunity, Pipeline, SalesTeam, Stage, TeamMember

CARDS_PER_COLUMN = 12
SALES_ROLES = (Role.SALES_REP.value, Role.SALES_MANAGER.value)


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to: a seller, a team, a close month (its first day)."""

    owner_id: int | None = None
    team_id: int | None = None
    month: date | None = None


@dataclass(frozen=True)
class Card:
    """A card as drawn: ``key`` is the id as text, ``shown_amount`` and ``shown_close`` are
    formatted once here (the template's filters cost more per card than the query does)."""

    id: int
    key: str
    shown_amount: str
    shown_close: str
    number: str
    name: str
    customer: str
    amount: Decimal
    currency: str
    close_date: date
    owner: str
    overdue: bool


@dataclass(frozen=True)
class BoardColumn:
    stage: Stage
    count: int
    amount: Decimal
    cards: list[Card]

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)

    @property
    def closed(self) -> bool:
        return self.stage.kind != StageKind.OPEN


def pipeline_or_default(pipeline_id: int | None) -> Pipeline | None:
    rows = Pipeline.objects.filter(active=True)
    if pipeline_id is not None:
        return rows.filter(pk=pipeline_id).first()
    return rows.order_by("-is_default", "name").first()


def active_pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.filter(active=True).order_by("name"))


def teams() -> list[SalesTeam]:
    return list(SalesTeam.objects.filter(active=True).order_by("name"))


def sellers() -> list[tuple[int, str]]:
    """The sales team members and the holders of a sales role, for the owner filter (read
    from the teams and groups, not from the opportunities: cheap at any number of deals)."""
    user_model = get_user_model()
    members = TeamMember.objects.filter(active=True).values("user_id")
    rows = user_model.objects.filter(is_active=True).filter(
        Q(pk__in=members) | Q(groups__name__in=SALES_ROLES)
    )
    return [(u.pk, u.get_username()) for u in rows.distinct().order_by("username")]


def filtered(pipeline: Pipeline, filters: BoardFilters) -> QuerySet[Opportunity]:
    rows = Opportunity.objects.filter(pipeline=pipeline)
    if filters.owner_id is not None:
        rows = rows.filter(owner_id=filters.owner_id)
    if filters.team_id is not None:
        rows = rows.filter(team_id=filters.team_id)
    if filters.month is not None:
        first = filters.month.replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        rows = rows.filter(close_date__gte=first, close_date__lt=after)
    return rows


def board(
    pipeline: Pipeline, filters: BoardFilters, today: date, per_column: int = CARDS_PER_COLUMN
) -> list[BoardColumn]:
    """Every stage of the pipeline in order, with its totals and its biggest cards."""
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("order"))
    rows = filtered(pipeline, filters)
    totals = {
        r["stage_id"]: (r["n"], r["amount"] or Decimal(0))
        for r in rows.order_by().values("stage_id").annotate(n=Count("id"), amount=Sum("amount"))
    }
    fields = ("id", "number", "name", "customer_id", "amount", "currency", "close_date")
    picked = {
        stage.pk: list(
            rows.filter(stage=stage)
            .order_by("-amount", "close_date", "id")
            .values(*fields, "owner__username")[:per_column]
        )
        for stage in stages
        if totals.get(stage.pk, (0,))[0]
    }
    customer_ids = [r["customer_id"] for cards in picked.values() for r in cards]
    names = customer_subject.display_names([i for i in customer_ids if i is not None])
    return [
        BoardColumn(
            stage,
            *totals.get(stage.pk, (0, Decimal(0))),
            [
                _card(r, names, today, stage.kind == StageKind.OPEN)
                for r in picked.get(stage.pk, [])
            ],
        )
        for stage in stages
    ]


def _card(row: dict, names: dict[int, str], today: date, open_stage: bool) -> Card:
    customer_id = row["customer_id"]
    customer = "" if customer_id is None else names.get(customer_id) or f"#{customer_id}"
    return Card(
        row["id"],
        str(row["id"]),
        number_format(row["amount"], 2, force_grouping=True),
        row["close_date"].strftime("%d/%m/%Y"),
        row["number"],
        row["name"],
        customer,
        row["amount"],
        row["currency"],
        row["close_date"],
        row["owner__username"] or "",
        open_stage and row["close_date"] < today,
    )
