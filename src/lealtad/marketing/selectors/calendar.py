"""The campaign calendar: a month as weeks of days (Monday first), each day with the
campaigns running on it. A campaign with a start and no end shows on its start day only; one
with no dates at all is not on the calendar (it is listed apart as unscheduled)."""

from __future__ import annotations

import calendar as cal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lealtad.marketing.models import Campaign


@dataclass(frozen=True)
class CampaignSpan:
    id: int
    name: str
    status: str
    channels: list[str]
    starts: date
    ends: date
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[dict[str, Any]]] = field(default_factory=list)
    campaigns: list[CampaignSpan] = field(default_factory=list)
    unscheduled: list[dict[str, Any]] = field(default_factory=list)

    @property
    def previous(self) -> str:
        first = date(self.year, self.month, 1) - timedelta(days=1)
        return f"{first:%Y-%m}"

    @property
    def next(self) -> str:
        last = date(self.year, self.month, cal.monthrange(self.year, self.month)[1])
        return f"{last + timedelta(days=1):%Y-%m}"

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(value: str | None, today: date | None = None) -> tuple[int, int]:
    """``2026-12`` -> (2026, 12); None or '' is this month. ValueError names a bad one."""
    if not value:
        now = today or timezone.localdate()
        return now.year, now.month
    try:
        year_text, month_text = value.split("-")
        year, month = int(year_text), int(month_text)
    except ValueError:
        raise ValueError("month: write it as YYYY-MM, e.g. 2026-12") from None
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        raise ValueError("month: write it as YYYY-MM, e.g. 2026-12")
    return year, month


def _day(value: datetime) -> date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def month(year: int, month_number: int) -> Month:
    first = date(year, month_number, 1)
    last = date(year, month_number, cal.monthrange(year, month_number)[1])
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        Campaign.objects.filter(starts_at__lt=end)
        .filter(Q(ends_at__gte=start) | Q(ends_at__isnull=True, starts_at__gte=start))
        .order_by("starts_at", "id")
    )
    spans = [
        CampaignSpan(
            c.pk,
            c.name,
            c.status,
            list(c.channels or []),
            _day(c.starts_at),
            _day(c.ends_at or c.starts_at),
            c.starts_at,
            c.ends_at,
        )
        for c in rows
        if c.starts_at is not None
    ]
    found = Month(year, month_number, campaigns=spans)
    found.weeks = _weeks(year, month_number, spans)
    found.unscheduled = [
        {"id": pk, "name": name, "status": status}
        for pk, name, status in Campaign.objects.filter(starts_at__isnull=True).values_list(
            "id", "name", "status"
        )[:50]
    ]
    return found


def _weeks(year: int, month_number: int, spans: list[CampaignSpan]) -> list[list[dict[str, Any]]]:
    weeks = []
    for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month_number):
        weeks.append(
            [
                {
                    "date": day,
                    "in_month": day.month == month_number,
                    "campaigns": [s for s in spans if s.starts <= day <= s.ends],
                }
                for day in week
            ]
        )
    return weeks
