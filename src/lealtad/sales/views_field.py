"""Field sales on the phone (``sales:field``): today's visits and the check-in that records
when and where a visit happened, with notes. Plain forms, usable at 360 px and without
JavaScript; a small script offers the phone's position when the seller allows it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.sales import selectors_calendar
from lealtad.sales.services import field_visits
from lealtad.sales.views_board import number


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    context = {
        "day": day,
        "visits": selectors_calendar.visits_today(
            require(request, Capability.SALES_WORK).actor.user_id or 0, day
        ),
        "key": uuid.uuid4().hex,
    }
    return render(request, "sales/field.html", context)


@login_required
@require_POST
def check_in(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    form = request.POST
    check = field_visits.CheckIn(
        key=form.get("key", "")[:64] or uuid.uuid4().hex,
        place=form.get("place", ""),
        latitude=form.get("latitude", ""),
        longitude=form.get("longitude", ""),
        notes=form.get("notes", ""),
        visit_id=number(form, "visit"),
    )
    with shown_as_message(request) as outcome:
        field_visits.check_in([check], who.actor)
    if not outcome.refused:
        messages.success(request, _("Checked in."))
    return redirect("sales:field")


urlpatterns = [
    path("field/", today, name="field"),
    path("field/check-in/", check_in, name="field_check_in"),
]
