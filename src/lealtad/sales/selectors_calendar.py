"""Activities by day: a seller's or a team's week, a seller's visits today, and the
activities their calendar feed carries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from lealtad.sales.choices import FIELD_TIME, ActivityKind
from lealtad.sales.models import Activity, TeamMember

FEED_PAST_DAYS = 30
FEED_AHEAD_DAYS = 180


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def when(activity: Activity) -> datetime | None:
    """The moment an activity sits at on the calendar: its start, else its due time."""
    return activity.starts_at or activity.due


def _between(owner_ids: Sequence[int], first: date, after: date) -> QuerySet[Activity]:
    start, end = day_start(first), day_start(after)
    return (
        Activity.objects.filter(owner_id__in=owner_ids)
        .filter(
            Q(starts_at__gte=start, starts_at__lt=end)
            | Q(starts_at__isnull=True, due__gte=start, due__lt=end)
        )
        .select_related("owner", "opportunity")
    )


def week(owner_ids: Sequence[int], monday: date) -> list[tuple[date, list[Activity]]]:
    """The seven days from ``monday``, each with its activities in time order."""
    days: dict[date, list[Activity]] = {monday + timedelta(days=i): [] for i in range(7)}
    for activity in _between(owner_ids, monday, monday + timedelta(days=7)):
        moment = when(activity)
        if moment is not None:
            days[timezone.localtime(moment).date()].append(activity)
    for rows in days.values():
        rows.sort(key=lambda a: (when(a), a.pk))
    return list(days.items())


def team_member_ids(team_id: int) -> list[int]:
    return list(
        TeamMember.objects.filter(team_id=team_id, active=True).values_list("user_id", flat=True)
    )


def user(user_id: int) -> object | None:
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def feed_activities(user_id: int, today: date) -> list[Activity]:
    first = today - timedelta(days=FEED_PAST_DAYS)
    return list(_between([user_id], first, today + timedelta(days=FEED_AHEAD_DAYS)))


def visits_today(user_id: int, today: date) -> list[Activity]:
    """Today's meetings and field-time activities of a seller, the done ones last."""
    rows = _between([user_id], today, today + timedelta(days=1)).filter(
        Q(kind=ActivityKind.MEETING) | Q(time_category__in=list(FIELD_TIME))
    )
    return sorted(rows, key=lambda a: (a.done_at is not None, when(a), a.pk))


def own_activity(activity_id: int, user_id: int) -> Activity | None:
    return Activity.objects.filter(pk=activity_id, owner_id=user_id).first()
