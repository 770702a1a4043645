"""The service desk's figures over a period [since, until): first-contact resolution, backlog,
SLA compliance, time to resolve and the cost of support, each a few set-based queries (no
query per case); ``docs/service-reports.md`` defines each one exactly as computed here.

"Resolved in the period" means a case whose status is resolved or closed and whose last
resolution (``resolved_at``) falls in [since, until). A case closed without ever being
resolved is not resolved. The filters (support group, channel, category) apply to the
case's current group, its channel of origin and its category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.errors import DomainError
from lealtad.service.choices import OPEN_STATUSES, CaseOutcome, CaseStatus, EntryKind
from lealtad.service.models import Case, CaseCharge, CaseEntry

DONE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
AGES = (("lt1d", 0, 1), ("1to3d", 1, 3), ("3to7d", 3, 7), ("gt7d", 7, None))
LONGEST_DAYS = 1096  # three years: a longer period is a mistake, not a report
ALL = "*"  # the row of every group (or tier, or category) together
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


class MetricsRefused(DomainError):
    code = "metrics_refused"
    kind = "invalid"


@dataclass(frozen=True)
class Scope:
    """The period [since, until) and the filters every figure of one report shares."""

    since: datetime
    until: datetime
    group: str = ""
    channel: str = ""
    category: str = ""

    def cases(self) -> QuerySet[Case]:
        rows = Case.objects.all()
        if self.group:
            rows = rows.filter(group__name=self.group)
        if self.channel:
            rows = rows.filter(channel=self.channel)
        if self.category:
            rows = rows.filter(category=self.category)
        return rows

    def resolved(self) -> QuerySet[Case]:
        return self.cases().filter(
            status__in=DONE, resolved_at__gte=self.since, resolved_at__lt=self.until
        )


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise MetricsRefused(
            _("%(name)s must be a date as YYYY-MM-DD (got %(value)r)."),
            field=name,
            name=name,
            value=text[:40],
        ) from None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def scope_of(
    since: str = "", until: str = "", group: str = "", channel: str = "", category: str = ""
) -> Scope:
    """A scope from what a person typed: days as ``YYYY-MM-DD`` in the installation's time
    zone, ``until`` not included; the last 30 days up to today (included) when left out."""
    today = timezone.localdate()
    last = _day(until, "to") if until.strip() else today + timedelta(days=1)
    first = _day(since, "from") if since.strip() else last - timedelta(days=30)
    if first >= last:
        raise MetricsRefused(_("to must be after from."), field="to")
    if (last - first).days > LONGEST_DAYS:
        raise MetricsRefused(_("A period is at most three years."), field="from")
    return Scope(_start_of(first), _start_of(last), group.strip(), channel.strip(), category)


# First-contact resolution ---------------------------------------------------------------


def _entries(kind: str | None = None, **more: Any) -> QuerySet[CaseEntry]:
    rows = CaseEntry.objects.filter(case=OuterRef("pk"), **more)
    return rows.filter(kind=kind) if kind else rows


def _with_reasons(rows: QuerySet[Case]) -> QuerySet[Case]:
    """Why a resolved case was not resolved at first contact (a case may have several)."""
    resolved_before = CaseEntry.objects.filter(
        case=OuterRef("case"), status=CaseStatus.RESOLVED, at__lt=OuterRef("at")
    )
    # An assignment naming a group other than the case's group now (where it went, or where
    # it came from when the entry records it) means the case was handed between groups.
    elsewhere: Any = Q()
    for key in ("group", "from"):
        elsewhere |= Exists(
            _entries(EntryKind.ASSIGNED)
            .annotate(named=Cast(KT(f"data__{key}"), output_field=CharField()))
            .exclude(Q(named="") | Q(named__isnull=True) | Q(named=OuterRef("group__name")))
        )
    return rows.annotate(
        wrote=Exists(_entries(EntryKind.MESSAGE)),
        reopened=Exists(_entries(status__in=OPEN_STATUSES).filter(Exists(resolved_before))),
        moved=ExpressionWrapper(
            Exists(_entries(EntryKind.ESCALATED)) | elsewhere, output_field=BooleanField()
        ),
    )


FIRST_CONTACT = Q(outcome=CaseOutcome.RESOLVED, wrote=False, reopened=False, moved=False)


def _fcr_counts() -> dict[str, Any]:
    return {
        "resolved": Count("id"),
        "first_contact": Count("id", filter=FIRST_CONTACT),
        "customer_wrote": Count("id", filter=Q(wrote=True)),
        "reopened": Count("id", filter=Q(reopened=True)),
        "escalated_or_transferred": Count("id", filter=Q(moved=True)),
        "other_outcome": Count("id", filter=~Q(outcome=CaseOutcome.RESOLVED)),
    }


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _fcr_row(key: str, found: dict[str, Any]) -> dict[str, Any]:
    row = {"group": key, **{k: found[k] for k in _fcr_counts()}}
    row["rate"] = _share(found["first_contact"], found["resolved"])
    return row


def first_contact(scope: Scope) -> list[dict[str, Any]]:
    """FCR, every group together (``group`` ``*``) and then per group. The total is the sum
    of the groups: Django's ``aggregate()`` drops the ``reopened`` annotation (its nested
    ``OuterRef``) from the query it wraps, so the counts are grouped, never aggregated."""
    rows = _with_reasons(scope.resolved())
    per_group = list(rows.values("group__name").annotate(**_fcr_counts()).order_by("group__name"))
    total = {k: sum(g[k] for g in per_group) for k in _fcr_counts()}
    return [_fcr_row(ALL, total), *(_fcr_row(g["group__name"] or "", g) for g in per_group)]


# Backlog -------------------------------------------------------------------------------


def _ages(at: datetime) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for name, low, high in AGES:
        condition = Q(created_at__lte=at - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=at - timedelta(days=high))
        counts[name] = Count("id", filter=condition)
    return {**counts, "total": Count("id")}


def _backlog_rows(rows: QuerySet[Case], status: str, at: datetime) -> list[dict[str, Any]]:
    grouped = rows.values("group__name", status).annotate(**_ages(at))
    return [
        {"group": g["group__name"] or "", "status": g[status], **{a: g[a] for a in _ages(at)}}
        for g in grouped.order_by("group__name", status)
    ]


def backlog_now(scope: Scope, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open cases now, by group, status and age (the period does not apply)."""
    now = now or timezone.now()
    return _backlog_rows(scope.cases().filter(status__in=OPEN_STATUSES), "status", now)


def backlog_at_end(scope: Scope) -> list[dict[str, Any]]:
    """Cases open at the end of the period: opened before it and whose last status change
    before it left them open; grouped by their group now, that status and their age then."""
    end = scope.until
    status_then = (
        CaseEntry.objects.filter(case=OuterRef("pk"), at__lt=end)
        .exclude(status="")
        .order_by("-at", "-id")
        .values("status")[:1]
    )
    rows = (
        scope.cases()
        .filter(created_at__lt=end)
        .annotate(status_then=Subquery(status_then))
        .filter(status_then__in=OPEN_STATUSES)
    )
    return _backlog_rows(rows, "status_then", end)


def daily(scope: Scope) -> list[dict[str, Any]]:
    """Cases opened and cases resolved on each day of the period (the local calendar)."""
    opened = dict(
        scope.cases()
        .filter(created_at__gte=scope.since, created_at__lt=scope.until)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    resolved = dict(
        scope.resolved()
        .annotate(day=TruncDate("resolved_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    first, last = timezone.localdate(scope.since), timezone.localdate(scope.until)
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    return [{"day": d, "opened": opened.get(d, 0), "resolved": resolved.get(d, 0)} for d in days]


# SLA compliance ------------------------------------------------------------------------


def _sla_counts() -> dict[str, Any]:
    first = Q(clock__first_target__isnull=False)
    resolution = Q(clock__resolution_target__isnull=False)
    return {
        "cases": Count("id"),
        "first_targets": Count("id", filter=first),
        "first_met": Count(
            "id",
            filter=first
            & Q(first_response_at__isnull=False)
            & Q(clock__first_elapsed__lte=F("clock__first_target")),
        ),
        "resolution_targets": Count("id", filter=resolution),
        "resolution_met": Count(
            "id",
            filter=resolution & Q(clock__resolution_elapsed__lte=F("clock__resolution_target")),
        ),
        "breached": Count("id", filter=Q(sla_breached=True)),
    }


def _sla_row(dimension: str, key: str, found: dict[str, Any]) -> dict[str, Any]:
    row = {"dimension": dimension, "key": key, **{k: found[k] for k in _sla_counts()}}
    row["first_met_pct"] = _share(found["first_met"], found["first_targets"])
    row["resolution_met_pct"] = _share(found["resolution_met"], found["resolution_targets"])
    return row


def sla(scope: Scope) -> list[dict[str, Any]]:
    """SLA compliance of the cases resolved in the period under a policy: all of them
    (``*``), per group and per value tier (the tier the case was opened with)."""
    rows = scope.resolved().filter(sla_policy__isnull=False, clock__isnull=False)
    out = [_sla_row("all", ALL, rows.aggregate(**_sla_counts()))]
    for dimension, column in (("group", "group__name"), ("value_tier", "value_tier")):
        grouped = rows.values(column).annotate(**_sla_counts()).order_by(column)
        out += [_sla_row(dimension, g[column] or "", g) for g in grouped]
    return out


def breached_open(scope: Scope) -> int:
    """Open cases whose SLA is breached now."""
    return scope.cases().filter(status__in=OPEN_STATUSES, sla_breached=True).count()


# Time to resolve -----------------------------------------------------------------------


def _hours(values: np.ndarray) -> dict[str, Any]:
    if values.size == 0:
        return {"cases": 0, "median_hours": None, "p90_hours": None}
    median, p90 = np.percentile(values, [50, 90])
    return {
        "cases": int(values.size),
        "median_hours": round(float(median), 2),
        "p90_hours": round(float(p90), 2),
    }


def resolution(scope: Scope) -> list[dict[str, Any]]:
    """Wall-clock hours from opening to the last resolution, median and 90th percentile
    (linear between ranks): all cases, per group and per category. One query (the database
    subtracts); numpy takes the percentiles of the column it returns."""
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    found = scope.resolved().annotate(took=took).values_list("group__name", "category", "took")
    groups, categories, durations = (
        (list(c) for c in zip(*found, strict=True)) if found else ([], [], [])
    )
    hours = np.array(durations, dtype="timedelta64[us]").astype(np.int64) / 3.6e9
    out = [{"dimension": "all", "key": ALL, **_hours(hours)}]
    for dimension, column in (("group", groups), ("category", categories)):
        keys = np.array([k or "" for k in column], dtype=str)
        out += [
            {"dimension": dimension, "key": str(k), **_hours(hours[keys == k])}
            for k in np.unique(keys)
        ]
    return out


# Cost of support -----------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    """Money to the cent (SQLite sums decimals without their places)."""
    return Decimal(value or 0).quantize(CENT)


def _handling() -> Coalesce:
    """What the case was charged for handling (0 when nothing yet)."""
    charged = (
        CaseCharge.objects.filter(case=OuterRef("pk"))
        .values("case")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(charged[:1], output_field=MONEY), Value(Decimal(0)), output_field=MONEY
    )


def cost_per_case(scope: Scope, limit: int | None = None) -> list[dict[str, Any]]:
    """Each case resolved in the period, dearest first: its handling charges, the rest of
    its cost (field work: labour and parts) and the total (``Case.cost``)."""
    rows = (
        scope.resolved()
        .annotate(handling=_handling())
        .values(
            "number",
            "customer_id",
            "group__name",
            "category",
            "channel",
            "resolved_at",
            "cost",
            "handling",
        )
        .order_by("-cost", "number")
    )
    return [
        {
            "number": r["number"],
            "customer_id": r["customer_id"],
            "group": r["group__name"] or "",
            "category": r["category"],
            "channel": r["channel"],
            "resolved_at": r["resolved_at"],
            "handling": _money(r["handling"]),
            "field": _money(r["cost"] - r["handling"]),
            "total": _money(r["cost"]),
        }
        for r in (rows[:limit] if limit else rows)
    ]


def cost_summary(scope: Scope) -> list[dict[str, Any]]:
    """Cases resolved in the period, their total cost and the average per case: all of them
    (``*``) and per group."""
    counts = {"cases": Count("id"), "total": Sum("cost"), "handling": Sum("handling")}
    rows = scope.resolved().annotate(handling=_handling())
    per_group: list[dict[str, Any]] = [
        {"group": g["group__name"] or "", **{k: g[k] for k in counts}}
        for g in rows.values("group__name").annotate(**counts).order_by("group__name")
    ]
    # summed here, not aggregated: aggregate() loses the handling subquery (see first_contact)
    out: list[dict[str, Any]] = [
        {"group": ALL, **{k: sum((g[k] or 0 for g in per_group), 0) for k in counts}}
    ]
    out += per_group
    for row in out:
        row["total"] = _money(row["total"])
        row["handling"] = _money(row["handling"])
        row["field"] = row["total"] - row["handling"]
        row["per_case"] = (row["total"] / row["cases"]).quantize(CENT) if row["cases"] else None
    return out


def cost_per_customer(scope: Scope, limit: int | None = None) -> list[dict[str, Any]]:
    """Per customer, over their cases resolved in the period: how many, handling, field work
    and total, dearest first. Employees' cases (no customer) are left out."""
    mine = scope.resolved().filter(customer_id__isnull=False)
    totals = (
        mine.values("customer_id")
        .annotate(cases=Count("id"), total=Sum("cost"))
        .order_by("-total", "customer_id")
    )
    found = list(totals[:limit] if limit else totals)
    charged = dict(
        CaseCharge.objects.filter(
            case__in=mine, case__customer_id__in=[r["customer_id"] for r in found]
        )
        .values("case__customer_id")
        .annotate(total=Sum("amount"))
        .values_list("case__customer_id", "total")
    )
    for row in found:
        row["total"] = _money(row["total"])
        row["handling"] = _money(charged.get(row["customer_id"]))
        row["field"] = row["total"] - row["handling"]
    return found


def support_cost_by_customer(since: datetime | None, until: datetime) -> dict[int, float]:
    """What the service desk spent on each customer (``Case.cost`` of their cases resolved in
    [since, until); all history when ``since`` is None): the money analytics adds to the
    customer's cost to serve."""
    rows = Case.objects.filter(customer_id__isnull=False, status__in=DONE, resolved_at__lt=until)
    if since is not None:
        rows = rows.filter(resolved_at__gte=since)
    found = (
        rows.values("customer_id").annotate(total=Sum("cost")).values_list("customer_id", "total")
    )
    return {int(c): float(t) for c, t in found if c is not None and t}
