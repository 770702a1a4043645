"""The sales calendar (``sales:calendar``): a seller's or a team's week of activities, and
each seller's iCalendar feed at a secret address calendar clients subscribe to.

The feed's address carries a token made from the user and their password hash with the
site's secret key: no session is needed (a calendar client has none), nobody can guess
another's address, and changing one's password retires the old address.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.sales import selectors_board, selectors_calendar
from lealtad.sales.choices import ActivityKind
from lealtad.sales.models import Activity
from lealtad.sales.views_board import number
from lealtad.sales_engine import calendar_feed

REMINDER_MINUTES = 15
SALT = "lealtad.sales.calendar-feed"


def feed_token(user: object) -> str:
    pk = getattr(user, "pk", "")
    password = getattr(user, "password", "")
    return salted_hmac(SALT, f"{pk}:{password}", algorithm="sha256").hexdigest()[:40]


def _monday(request: HttpRequest) -> date:
    today = timezone.localdate()
    chosen = today
    value = request.GET.get("week", "")
    if value:
        try:
            chosen = date.fromisoformat(value)
        except ValueError:
            chosen = today
    return chosen - timedelta(days=chosen.weekday())


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    monday = _monday(request)
    team_id = number(request.GET, "team")
    owner_id = number(request.GET, "owner") or who.actor.user_id or 0
    owners = selectors_calendar.team_member_ids(team_id) if team_id else [owner_id]
    feed = reverse("sales:calendar_feed", args=[request.user.pk, feed_token(request.user)])
    context = {
        "days": selectors_calendar.week(owners, monday),
        "today": timezone.localdate(),
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "team_id": team_id,
        "owner_id": owner_id,
        "teams": selectors_board.teams(),
        "sellers": selectors_board.sellers(),
        "feed_url": request.build_absolute_uri(feed),
    }
    return render(request, "sales/calendar.html", context)


def _entry(activity: Activity) -> calendar_feed.Activity | None:
    start = activity.starts_at or activity.due
    if start is None:
        return None
    kind = {
        ActivityKind.CALL: calendar_feed.Kind.CALL,
        ActivityKind.MEETING: calendar_feed.Kind.MEETING,
    }.get(ActivityKind(activity.kind), calendar_feed.Kind.TASK)
    return calendar_feed.Activity(
        id=activity.pk,
        kind=kind,
        summary=activity.subject,
        start=start,
        updated=activity.updated_at,
        end=activity.ends_at if activity.starts_at else None,
        description=activity.notes,
        reminder_minutes=None if activity.done_at else REMINDER_MINUTES,
    )


@require_GET
def feed(request: HttpRequest, user_id: int, token: str) -> HttpResponse:
    """The seller's activities from a month ago to six months ahead, as ``text/calendar``."""
    user = selectors_calendar.user(user_id)
    if user is None or not constant_time_compare(feed_token(user), token):
        raise Http404(_("There is no such calendar."))
    rows = selectors_calendar.feed_activities(user_id, timezone.localdate())
    entries = [e for e in (_entry(a) for a in rows) if e is not None]
    name = _("Sales activities of %(user)s") % {"user": user.get_username()}  # type: ignore[attr-defined]
    body = calendar_feed.feed(
        entries,
        calendar_name=name,
        domain=request.get_host().split(":")[0] or "lealtad.local",
        time_zone=str(timezone.get_current_timezone()),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lealtad-sales.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("calendar/", calendar, name="calendar"),
    path("calendar/feed/<int:user_id>/<str:token>.ics", feed, name="calendar_feed"),
]
